// Building blocks of the REST schemas. These zod schemas are the single source of truth twice:
// requests are validated against them, and the OpenAPI document is generated from them.
import { z } from 'zod';

/**
 * An RFC 3339 timestamp in UTC, as produced by `Date.toISOString()`. Responses only: we write
 * these ourselves, so the document states the format instead of zod's long date-time pattern.
 */
export const dateTime = () =>
  z.string().meta({ format: 'date-time', examples: ['2025-03-04T09:15:00.000Z'] });

/**
 * Ids minted by Careline services (uuids today); opaque to clients. At most 100 characters, which
 * is also fastify's limit for a path parameter (longer ones are refused earlier, 414).
 */
export const resourceId = () =>
  z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]*$/, {
      message: 'must be an id (letters, digits, ".", "_", ":", "-")',
    });

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

export const pageQuerySchema = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(MAX_PAGE_SIZE)
    .default(DEFAULT_PAGE_SIZE)
    .meta({ description: `How many items to return (1-${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).` }),
  cursor: z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page, unchanged; omit for the first page.' }),
});
export type PageQuery = z.output<typeof pageQuerySchema>;

/** A page of items: `nextCursor` is null on the last page. */
export function pageOf<T extends z.ZodType>(item: T, id: string, description: string) {
  return z
    .object({
      items: z.array(item),
      nextCursor: z
        .string()
        .nullable()
        .meta({ description: 'Pass as `cursor` to get the next page; null when there is none.' }),
    })
    .meta({ id, description });
}

/** RFC 9457 problem details, as every error leaves the api (built by @careline/runtime's toProblem). */
export const problemSchema = z
  .object({
    type: z.string().meta({ description: '`urn:careline:problem:<code>`.' }),
    title: z.string().meta({ description: 'The HTTP status text.' }),
    status: z.number().int(),
    code: z
      .string()
      .meta({ description: 'Stable, snake_case: switch on this (e.g. `window_closed`, `token_expired`).' }),
    detail: z
      .string()
      .meta({ description: 'A human-readable explanation; never contains patient data or request values.' }),
    instance: z.string().optional().meta({ description: 'The request path.' }),
    details: z.record(z.string(), z.unknown()).optional().meta({
      description:
        'Structured facts (ids, limits). For `invalid_request`: `errors`, a list of `{ path, message }` naming each invalid field (e.g. `body/text`).',
    }),
    retryable: z.boolean().optional().meta({ description: 'True when the same request may succeed later.' }),
  })
  .meta({
    id: 'Problem',
    description: 'An error (RFC 9457 problem details), served as application/problem+json.',
  });

/** Empty strings in proto3 mean "not set"; REST says null. */
export function nullIfEmpty(value: string): string | null {
  return value.length > 0 ? value : null;
}

export function isoOrNull(value: Date | undefined): string | null {
  return value === undefined ? null : value.toISOString();
}
