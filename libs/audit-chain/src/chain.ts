// One tenant's audit chain: each entry's hash is SHA-256(prev_hash || canonical bytes of the
// record), where prev_hash is the previous entry's hash as 32 raw bytes (all zero before seq 1)
// and the record includes the tenant and the sequence, so an entry cannot be moved to another
// tenant or position without changing its hash.
import { createHash } from 'node:crypto';
import { type CanonicalValue, canonicalBytes } from './canonical';

export const GENESIS_HASH = '0'.repeat(64);

export const ACTOR_TYPES = ['unknown', 'staff', 'patient', 'integration', 'system'] as const;
export type ActorType = (typeof ACTOR_TYPES)[number];
export const OUTCOMES = ['unknown', 'success', 'denied', 'failure'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** What is hashed: the audited event plus its place in the chain. Empty strings mean "not set". */
export interface AuditRecord {
  tenantId: string;
  seq: number;
  /** The event's CloudEvents `ce_id`. */
  eventId: string;
  /** `ce_source`: the emitting service. */
  source: string;
  action: string;
  actorType: ActorType;
  actorId: string;
  patientId: string;
  patientWaIdHash: string;
  resourceType: string;
  resourceId: string;
  outcome: Outcome;
  /** ISO 8601 with milliseconds, UTC (`Date.prototype.toISOString`). */
  occurredAt: string;
  detail: Readonly<Record<string, string>>;
}

export interface ChainEntry extends AuditRecord {
  prevHash: string;
  hash: string;
}

/** The record as the canonical object: snake_case keys, fixed set, every key present. */
export function recordForm(record: AuditRecord): CanonicalValue {
  return {
    tenant_id: record.tenantId,
    seq: record.seq,
    event_id: record.eventId,
    source: record.source,
    action: record.action,
    actor_type: record.actorType,
    actor_id: record.actorId,
    patient_id: record.patientId,
    patient_wa_id_hash: record.patientWaIdHash,
    resource_type: record.resourceType,
    resource_id: record.resourceId,
    outcome: record.outcome,
    occurred_at: record.occurredAt,
    detail: { ...record.detail },
  };
}

const HEX_HASH = /^[0-9a-f]{64}$/;

export function isHash(value: string): boolean {
  return HEX_HASH.test(value);
}

/** SHA-256(prev_hash bytes || canonical record bytes), lowercase hex. */
export function entryHash(prevHash: string, record: AuditRecord): string {
  if (!isHash(prevHash)) throw new TypeError('prevHash must be 64 lowercase hex characters');
  return createHash('sha256')
    .update(Buffer.from(prevHash, 'hex'))
    .update(canonicalBytes(recordForm(record)))
    .digest('hex');
}

/** The next entry after `head` (undefined: the chain is empty). */
export function appendEntry(head: { seq: number; hash: string } | undefined, record: Omit<AuditRecord, 'seq'>): ChainEntry {
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const full: AuditRecord = { ...record, seq };
  return { ...full, prevHash, hash: entryHash(prevHash, full) };
}

export type BreakReason = 'gap' | 'out_of_order' | 'prev_mismatch' | 'hash_mismatch' | 'tenant_mismatch';

export interface ChainBreak {
  ok: false;
  /** The first sequence number at which the chain no longer holds. */
  seq: number;
  reason: BreakReason;
  message: string;
}

export interface ChainOk {
  ok: true;
  count: number;
  /** The last entry verified (undefined for an empty chain). */
  head: { seq: number; hash: string } | undefined;
}

export type ChainVerdict = ChainOk | ChainBreak;

export interface ChainVerifier {
  /** Checks the next entry; returns the break (and keeps returning it) once the chain fails. */
  push(entry: ChainEntry): ChainBreak | undefined;
  result(): ChainVerdict;
}

/**
 * Verifies entries fed in the order they are stored (by seq), so a chain of any length is checked
 * in constant memory. The first failure wins: later entries are not looked at.
 */
export function createChainVerifier(tenantId?: string): ChainVerifier {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let head: { seq: number; hash: string } | undefined;
  let count = 0;
  let broken: ChainBreak | undefined;
  const fail = (seq: number, reason: BreakReason, message: string): ChainBreak => {
    broken = { ok: false, seq, reason, message };
    return broken;
  };
  return {
    push(entry) {
      if (broken !== undefined) return broken;
      if (tenantId !== undefined && entry.tenantId !== tenantId) {
        return fail(entry.seq, 'tenant_mismatch', `seq ${entry.seq} belongs to another tenant`);
      }
      if (entry.seq > expectedSeq) {
        return fail(expectedSeq, 'gap', `seq ${expectedSeq} is missing (next present is ${entry.seq})`);
      }
      if (entry.seq < expectedSeq) {
        return fail(expectedSeq, 'out_of_order', `expected seq ${expectedSeq}, found ${entry.seq}`);
      }
      if (entry.prevHash !== prevHash) {
        return fail(entry.seq, 'prev_mismatch', `seq ${entry.seq} does not link to the hash of seq ${entry.seq - 1}`);
      }
      if (!isHash(entry.hash) || entryHash(entry.prevHash, entry) !== entry.hash) {
        return fail(entry.seq, 'hash_mismatch', `seq ${entry.seq} does not match its hash`);
      }
      expectedSeq += 1;
      prevHash = entry.hash;
      head = { seq: entry.seq, hash: entry.hash };
      count += 1;
      return undefined;
    },
    result() {
      return broken ?? { ok: true, count, head };
    },
  };
}

export function verifyChain(entries: Iterable<ChainEntry>, tenantId?: string): ChainVerdict {
  const verifier = createChainVerifier(tenantId);
  for (const entry of entries) {
    if (verifier.push(entry) !== undefined) break;
  }
  return verifier.result();
}
