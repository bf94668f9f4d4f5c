// The chain's tables (./migrations/0001_chain.sql). Every function but listChainTenants takes a
// client inside withTenant: row-level security scopes each statement to that tenant.
import { type ActorType, type ChainEntry, type Checkpoint, GENESIS_HASH, type Outcome } from '@careline/audit-chain';
import { type PoolClient, type Queryable } from '@careline/db';
import { AUDIT_SCHEMA } from './migrations';

// Qualified names: test roles have random names, so "$user" on the search_path does not find them.
const entries = `${AUDIT_SCHEMA}.entries`;
const heads = `${AUDIT_SCHEMA}.chain_heads`;
const tenants = `${AUDIT_SCHEMA}.chain_tenants`;
const checkpoints = `${AUDIT_SCHEMA}.checkpoints`;

export interface ChainHead {
  seq: number;
  hash: string;
  checkpointSeq: number;
}

/**
 * Locks the tenant's chain head for the rest of the transaction (creating it, at genesis, for a
 * tenant's first event): appends of one tenant are serialised, whichever instance runs them.
 */
export async function lockHead(client: PoolClient, tenantId: string): Promise<ChainHead> {
  const created = await client.query(
    `INSERT INTO ${heads} (tenant_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (tenant_id) DO NOTHING`,
    [tenantId, GENESIS_HASH],
  );
  if (created.rowCount === 1) {
    await client.query(`INSERT INTO ${tenants} (tenant) VALUES ($1) ON CONFLICT (tenant) DO NOTHING`, [tenantId]);
  }
  const { rows } = await client.query<{ seq: string; hash: string; checkpoint_seq: string }>(
    `SELECT seq, hash, checkpoint_seq FROM ${heads} WHERE tenant_id = $1 FOR UPDATE`,
    [tenantId],
  );
  const row = rows[0];
  if (row === undefined) throw new Error('chain head vanished after insert');
  return { seq: Number(row.seq), hash: row.hash, checkpointSeq: Number(row.checkpoint_seq) };
}

export async function hasEvent(client: PoolClient, eventId: string): Promise<boolean> {
  const { rowCount } = await client.query(`SELECT 1 FROM ${entries} WHERE event_id = $1`, [eventId]);
  return rowCount === 1;
}

export async function insertEntry(client: PoolClient, entry: ChainEntry): Promise<void> {
  await client.query(
    `INSERT INTO ${entries} (tenant_id, seq, event_id, source, action, actor_type, actor_id, patient_id,
       patient_wa_id_hash, resource_type, resource_id, outcome, occurred_at, detail, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
    [
      entry.tenantId,
      entry.seq,
      entry.eventId,
      entry.source,
      entry.action,
      entry.actorType,
      entry.actorId,
      entry.patientId,
      entry.patientWaIdHash,
      entry.resourceType,
      entry.resourceId,
      entry.outcome,
      entry.occurredAt,
      JSON.stringify(entry.detail),
      entry.prevHash,
      entry.hash,
    ],
  );
}

export async function advanceHead(client: PoolClient, tenantId: string, head: { seq: number; hash: string }): Promise<void> {
  await client.query(`UPDATE ${heads} SET seq = $2, hash = $3 WHERE tenant_id = $1`, [tenantId, head.seq, head.hash]);
}

export async function insertCheckpoint(client: PoolClient, checkpoint: Checkpoint): Promise<void> {
  await client.query(
    `INSERT INTO ${checkpoints} (tenant_id, seq, hash, signed_at, key_id, signature) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (tenant_id, seq) DO NOTHING`,
    [checkpoint.tenantId, checkpoint.seq, checkpoint.hash, checkpoint.signedAt, checkpoint.keyId, checkpoint.signature],
  );
  await client.query(`UPDATE ${heads} SET checkpoint_seq = GREATEST(checkpoint_seq, $2) WHERE tenant_id = $1`, [
    checkpoint.tenantId,
    checkpoint.seq,
  ]);
}

interface EntryRow {
  tenant_id: string;
  seq: string;
  event_id: string;
  source: string;
  action: string;
  actor_type: string;
  actor_id: string;
  patient_id: string;
  patient_wa_id_hash: string;
  resource_type: string;
  resource_id: string;
  outcome: string;
  occurred_at: Date;
  detail: Record<string, string>;
  prev_hash: string;
  hash: string;
}

// The row as stored: a row edited behind the service's back (an unknown actor type, say) is read
// as it is and fails verification, rather than being "repaired" on the way out.
function toEntry(row: EntryRow): ChainEntry {
  return {
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    eventId: row.event_id,
    source: row.source,
    action: row.action,
    actorType: row.actor_type as ActorType,
    actorId: row.actor_id,
    patientId: row.patient_id,
    patientWaIdHash: row.patient_wa_id_hash,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    outcome: row.outcome as Outcome,
    occurredAt: row.occurred_at.toISOString(),
    detail: row.detail,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface EntryFilter {
  patientId?: string;
  patientWaIdHash?: string;
  actorId?: string;
  action?: string;
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

/** Entries after `afterSeq` in seq order matching `filter`, at most `limit`. */
export async function readEntries(
  client: PoolClient,
  tenantId: string,
  options: { afterSeq: number; limit: number; filter?: EntryFilter },
): Promise<ChainEntry[]> {
  const where = ['tenant_id = $1', 'seq > $2'];
  const params: unknown[] = [tenantId, options.afterSeq];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  const filter = options.filter ?? {};
  if (filter.patientId !== undefined) add('patient_id = ?', filter.patientId);
  if (filter.patientWaIdHash !== undefined) add('patient_wa_id_hash = ?', filter.patientWaIdHash);
  if (filter.actorId !== undefined) add('actor_id = ?', filter.actorId);
  if (filter.action !== undefined) add('action = ?', filter.action);
  if (filter.from !== undefined) add('occurred_at >= ?', filter.from);
  if (filter.to !== undefined) add('occurred_at < ?', filter.to);
  params.push(options.limit);
  const { rows } = await client.query<EntryRow>(
    `SELECT * FROM ${entries} WHERE ${where.join(' AND ')} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(toEntry);
}

export async function listCheckpoints(client: PoolClient, tenantId: string): Promise<Checkpoint[]> {
  const { rows } = await client.query<{
    tenant_id: string;
    seq: string;
    hash: string;
    signed_at: Date;
    key_id: string;
    signature: string;
  }>(`SELECT * FROM ${checkpoints} WHERE tenant_id = $1 ORDER BY seq`, [tenantId]);
  return rows.map((row) => ({
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    hash: row.hash,
    signedAt: row.signed_at.toISOString(),
    keyId: row.key_id,
    signature: row.signature,
  }));
}

/** Every tenant with a chain (no tenant context needed: the list holds ids only). */
export async function listChainTenants(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ tenant: string }>(`SELECT tenant FROM ${tenants} ORDER BY tenant`);
  return rows.map((row) => row.tenant);
}
