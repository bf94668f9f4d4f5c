// Reading the audit log, as both edges (gRPC and REST) offer it, for a caller the edge has checked
// (requireAuditReader: the type says so); every read that releases entries is itself recorded in
// the same chain.
//
// Why record reads: the entries name patients, staff and what they did; who looked at that is
// itself an access to patient data (HIPAA accounting of disclosures). So:
// - QueryEvents appends `audit.read` in the SAME transaction as the page it returns: the page and
//   its record commit together or not at all. The patient filter (if any) becomes the record's
//   patient, so a patient's own trail shows who looked it up.
// - ExportChain appends `audit.export` in its own transaction BEFORE the first line leaves: if it
//   cannot be recorded nothing is released, and the export contains its own record.
// - VerifyChain and ListCheckpoints are not recorded: they release hashes, sequence numbers and
//   signatures only, and monitoring polls them (recording each probe would grow every chain forever).
//
// No recursion: the record is appended directly through appendEvent (the path the consumer uses),
// never published to `audit.events.v1` (which audit consumes itself) and never through a read.
// A read appends exactly one entry, whatever it returns; reading those entries appends one more.
import { randomUUID } from 'node:crypto';
import { type ChainVerdict, type Checkpoint } from '@careline/audit-chain';
import { type AuditEventV1, AuditActorType, AuditOutcome } from '@careline/contracts';
import { type Pool, type PoolClient, withTenant } from '@careline/db';
import { type EntryFilter } from '../db/chain';
import { type AppendEvent } from './append-event';
import { type AuditReader } from './caller';
import { type ChainReader, type Page, type PageRequest, queryPage } from './read-chain';

/** `ce_source` of the entries audit appends about itself. */
export const AUDIT_SOURCE = '/careline/audit';

/** Stable action names of reads of the audit log (`<resource>.<verb>`). */
export const AUDIT_LOG_ACTIONS = { read: 'audit.read', export: 'audit.export' } as const;

/** The object acted on: the tenant's audit log. */
const RESOURCE_TYPE = 'audit_log';

export interface AuditLogDeps {
  pool: Pool;
  reader: ChainReader;
  appendEvent: AppendEvent;
  clock: () => Date;
  /** Default: random UUIDs (the recorded entry's event id). */
  newId?: () => string;
}

/** Non-identifying facts about a query: which filters were used (ids and times, never patient data). */
function queryDetail(filter: EntryFilter, page: PageRequest, results: number): Record<string, string> {
  const detail: Record<string, string> = { results: String(results) };
  if (filter.actorId !== undefined) detail['filter_actor_id'] = filter.actorId;
  if (filter.action !== undefined) detail['filter_action'] = filter.action;
  if (filter.from !== undefined) detail['filter_from'] = filter.from.toISOString();
  if (filter.to !== undefined) detail['filter_to'] = filter.to.toISOString();
  if (page.afterSeq > 0) detail['after_seq'] = String(page.afterSeq);
  return detail;
}

export function createAuditLog(deps: AuditLogDeps) {
  const { pool, reader, appendEvent, clock } = deps;
  const newId = deps.newId ?? randomUUID;

  function eventOf(who: AuditReader, action: string, facts: Partial<AuditEventV1>): AuditEventV1 {
    return {
      tenantId: who.tenantId,
      actor: {
        type: who.roles.includes('integration')
          ? AuditActorType.AUDIT_ACTOR_TYPE_INTEGRATION
          : AuditActorType.AUDIT_ACTOR_TYPE_STAFF,
        id: who.actor,
      },
      action,
      patientId: '',
      patientWaIdHash: '',
      resource: { type: RESOURCE_TYPE, id: '' },
      outcome: AuditOutcome.AUDIT_OUTCOME_SUCCESS,
      occurredAt: clock(),
      detail: {},
      ...facts,
    };
  }

  async function record(client: PoolClient, who: AuditReader, event: AuditEventV1): Promise<void> {
    await appendEvent(client, event, { id: newId(), tenantId: who.tenantId, source: AUDIT_SOURCE, time: clock() });
  }

  /** A page of the caller's tenant's entries; the read is recorded with it. */
  async function query(who: AuditReader, filter: EntryFilter, page: PageRequest): Promise<Page> {
    return withTenant(pool, who.tenantId, async (client) => {
      // Read first, then record: the page never contains its own record, and the head is locked
      // (appends of this tenant wait) only for the end of the transaction.
      const result = await queryPage(client, who.tenantId, filter, page);
      await record(
        client,
        who,
        eventOf(who, AUDIT_LOG_ACTIONS.read, {
          patientId: filter.patientId ?? '',
          patientWaIdHash: filter.patientWaIdHash ?? '',
          detail: queryDetail(filter, page, result.entries.length),
        }),
      );
      return result;
    });
  }

  /**
   * The caller's tenant's chain as FHIR AuditEvent NDJSON lines. The export is recorded when this
   * resolves, before any line is read: a failed record releases nothing.
   */
  async function exportNdjson(who: AuditReader): Promise<AsyncIterable<string>> {
    await withTenant(pool, who.tenantId, (client) =>
      record(client, who, eventOf(who, AUDIT_LOG_ACTIONS.export, { detail: { format: 'fhir-r4-ndjson' } })),
    );
    return reader.exportNdjson(who.tenantId);
  }

  function verify(who: AuditReader): Promise<ChainVerdict> {
    return reader.verify(who.tenantId);
  }

  function checkpoints(who: AuditReader): Promise<Checkpoint[]> {
    return reader.checkpoints(who.tenantId);
  }

  return { query, exportNdjson, verify, checkpoints };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/** Whole NDJSON lines grouped into chunks of about `maxBytes` (a line longer than that is its own chunk). */
export async function* ndjsonChunks(lines: AsyncIterable<string>, maxBytes: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  for await (const line of lines) {
    const bytes = Buffer.from(line, 'utf8');
    if (size > 0 && size + bytes.length > maxBytes) {
      yield Buffer.concat(pending);
      pending = [];
      size = 0;
    }
    pending.push(bytes);
    size += bytes.length;
  }
  if (size > 0) yield Buffer.concat(pending);
}
