// Keyset paging for the list calls: a page token is the position (time, id) of the last item of
// the previous page, opaque to clients (base64url JSON). Keyset rather than offsets, because the
// inbox changes while someone pages through it: new activity must not shift or repeat items.
import { isUuid } from '@careline/db';
import { z } from 'zod';
import { invalidPageSize, invalidPageToken } from './errors';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export interface Cursor {
  at: Date;
  id: string;
}

/** messaging.proto: 0 means the default (50); above 200 counts as 200. */
export function pageSize(requested: number): number {
  if (requested < 0) throw invalidPageSize();
  if (requested === 0) return DEFAULT_PAGE_SIZE;
  return Math.min(requested, MAX_PAGE_SIZE);
}

const tokenSchema = z.object({ t: z.iso.datetime(), i: z.string().refine(isUuid) });

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ t: cursor.at.toISOString(), i: cursor.id }), 'utf8').toString('base64url');
}

/** The cursor of a page token; undefined for the empty token (first page). */
export function decodeCursor(token: string): Cursor | undefined {
  if (token === '') return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidPageToken();
  }
  const parsed = tokenSchema.safeParse(json);
  if (!parsed.success) throw invalidPageToken();
  return { at: new Date(parsed.data.t), id: parsed.data.i };
}

/** Splits a query result fetched with `limit + 1` rows into the page and its next token. */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (row: T) => Cursor): { items: T[]; nextPageToken: string } {
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return { items, nextPageToken: rows.length > limit && last !== undefined ? encodeCursor(cursorOf(last)) : '' };
}
