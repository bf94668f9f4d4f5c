// Reading a tenant's chain: queries with paging, verification, export. Each runs in the tenant's
// transaction(s); the tenant comes from the caller, never from a request field.
import {
  type ChainEntry,
  type ChainVerdict,
  type Checkpoint,
  createChainVerifier,
  toNdjsonLine,
} from '@careline/audit-chain';
import { type Pool, type PoolClient, withTenant } from '@careline/db';
import { type EntryFilter, listCheckpoints, readEntries } from '../db/chain';

/** Verification and export read the chain in batches of this many entries. */
const BATCH = 1000;

export interface Page {
  entries: ChainEntry[];
  /** Pass back to get the next page; absent on the last page. */
  nextPageToken?: string;
}

export function encodePageToken(seq: number): string {
  return Buffer.from(`seq:${seq}`, 'utf8').toString('base64url');
}

/** The seq after which the next page starts; undefined when the token is not one of ours. */
export function decodePageToken(token: string): number | undefined {
  const match = /^seq:(\d{1,15})$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

export interface PageRequest {
  afterSeq: number;
  size: number;
}

/** One page of the tenant's entries, read through `client` (a transaction with the tenant set). */
export async function queryPage(client: PoolClient, tenantId: string, filter: EntryFilter, page: PageRequest): Promise<Page> {
  const rows = await readEntries(client, tenantId, { afterSeq: page.afterSeq, limit: page.size + 1, filter });
  const entries = rows.slice(0, page.size);
  const last = entries.at(-1);
  return rows.length > page.size && last !== undefined ? { entries, nextPageToken: encodePageToken(last.seq) } : { entries };
}

export function createChainReader(deps: { pool: Pool }) {
  const { pool } = deps;

  async function query(tenantId: string, filter: EntryFilter, page: PageRequest): Promise<Page> {
    return withTenant(pool, tenantId, (client) => queryPage(client, tenantId, filter, page));
  }

  /**
   * The chain in seq order, batch by batch, each batch its own transaction: constant memory for
   * any length. Rows stored after the scan passed them are simply not included.
   */
  async function* entriesOf(tenantId: string): AsyncGenerator<ChainEntry> {
    let afterSeq = 0;
    for (;;) {
      const batch = await withTenant(pool, tenantId, (client) => readEntries(client, tenantId, { afterSeq, limit: BATCH }));
      yield* batch;
      const last = batch.at(-1);
      if (batch.length < BATCH || last === undefined) return;
      afterSeq = last.seq;
    }
  }

  async function verify(tenantId: string): Promise<ChainVerdict> {
    const verifier = createChainVerifier(tenantId);
    for await (const entry of entriesOf(tenantId)) {
      if (verifier.push(entry) !== undefined) break;
    }
    return verifier.result();
  }

  async function checkpoints(tenantId: string): Promise<Checkpoint[]> {
    return withTenant(pool, tenantId, (client) => listCheckpoints(client, tenantId));
  }

  /** The chain as FHIR AuditEvent NDJSON, one line per entry. */
  async function* exportNdjson(tenantId: string): AsyncGenerator<string> {
    for await (const entry of entriesOf(tenantId)) yield toNdjsonLine(entry);
  }

  return { query, verify, checkpoints, exportNdjson };
}

export type ChainReader = ReturnType<typeof createChainReader>;
