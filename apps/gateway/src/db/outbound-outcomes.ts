// Repository of concluded sends (see migrations/0001_outbound_outcomes.sql). Every function takes
// the consumer's transaction, which has the tenant set: row-level security scopes every statement.
import { type PoolClient } from '@careline/db';
import { GATEWAY_SCHEMA } from './migrations';

const table = `${GATEWAY_SCHEMA}.outbound_outcomes`;

export interface OutboundOutcomeRow {
  tenantId: string;
  idempotencyKey: string;
  messageId: string;
  outcome: 'accepted' | 'failed';
  wamid: string | undefined;
  /** The encoded OutboundResultV1. */
  result: Uint8Array;
}

/** The encoded result first reported for this idempotency key, if the gateway concluded it. */
export async function findOutcome(client: PoolClient, tenantId: string, idempotencyKey: string): Promise<Uint8Array | undefined> {
  const { rows } = await client.query<{ result: Buffer }>(
    `SELECT result FROM ${table} WHERE tenant_id = $1 AND idempotency_key = $2`,
    [tenantId, idempotencyKey],
  );
  return rows[0]?.result;
}

/** Records a concluded send; false when one was recorded meanwhile (then that one stands). */
export async function recordOutcome(client: PoolClient, row: OutboundOutcomeRow): Promise<boolean> {
  const { rowCount } = await client.query(
    `INSERT INTO ${table} (tenant_id, idempotency_key, message_id, outcome, wamid, result)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
    [row.tenantId, row.idempotencyKey, row.messageId, row.outcome, row.wamid ?? null, Buffer.from(row.result)],
  );
  return rowCount === 1;
}
