// Repository of the send ledger (migrations/0003_send_ledger.sql). Unlike the outcome rows, the
// ledger is written in short transactions of its own (the caller's `withTenant`), outside the
// consumer's: what it records must survive that transaction rolling back or the process dying.
import { type PoolClient } from '@careline/db';
import { GATEWAY_SCHEMA } from './migrations';

const table = `${GATEWAY_SCHEMA}.send_ledger`;

export type LedgerState = 'pending' | 'accepted' | 'failed';

export interface LedgerEntry {
  state: LedgerState;
  /** Meta's id when accepted ('' for mark-as-read). */
  wamid: string | undefined;
  /** Graph calls made under this key so far, over every delivery. */
  attempts: number;
  resends: number;
}

export interface LedgerKey {
  tenantId: string;
  idempotencyKey: string;
}

/**
 * Claims the key for a send and says what the ledger knew before:
 * - `undefined` (new) or `failed`: the row is now `pending`; nothing was sent before;
 * - `pending`: an earlier delivery stopped between the call and recording Meta's answer; the row
 *   stays `pending` with `resends` counted, and the caller sends again (a possible duplicate);
 * - `accepted`: nothing changes; the caller must not send.
 * The row is locked while deciding, so two deliveries of one key (a rebalance overlap) serialise.
 */
export async function claimSend(client: PoolClient, key: LedgerKey & { messageId: string }): Promise<LedgerEntry | undefined> {
  for (;;) {
    const { rows } = await client.query<{ state: LedgerState; wamid: string | null; attempts: number; resends: number }>(
      `SELECT state, wamid, attempts, resends FROM ${table} WHERE tenant_id = $1 AND idempotency_key = $2 FOR UPDATE`,
      [key.tenantId, key.idempotencyKey],
    );
    const row = rows[0];
    if (row === undefined) {
      const inserted = await client.query(
        `INSERT INTO ${table} (tenant_id, idempotency_key, message_id, state) VALUES ($1, $2, $3, 'pending')
         ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
        [key.tenantId, key.idempotencyKey, key.messageId],
      );
      if (inserted.rowCount === 1) return undefined;
      continue; // another delivery inserted it meanwhile: decide on its row
    }
    const before: LedgerEntry = { state: row.state, wamid: row.wamid ?? undefined, attempts: row.attempts, resends: row.resends };
    if (row.state === 'failed') {
      await client.query(`UPDATE ${table} SET state = 'pending', updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2`, [
        key.tenantId,
        key.idempotencyKey,
      ]);
    } else if (row.state === 'pending') {
      await client.query(`UPDATE ${table} SET resends = resends + 1, updated_at = now() WHERE tenant_id = $1 AND idempotency_key = $2`, [
        key.tenantId,
        key.idempotencyKey,
      ]);
    }
    return before;
  }
}

/** Records Meta's answer for a pending key: accepted with its wamid, or failed. */
export async function settleSend(
  client: PoolClient,
  key: LedgerKey,
  outcome: { state: 'accepted'; wamid: string; attempts: number } | { state: 'failed'; attempts: number },
): Promise<void> {
  await client.query(
    `UPDATE ${table} SET state = $3, wamid = $4, attempts = attempts + $5, updated_at = now()
     WHERE tenant_id = $1 AND idempotency_key = $2 AND state = 'pending'`,
    [key.tenantId, key.idempotencyKey, outcome.state, outcome.state === 'accepted' ? outcome.wamid : null, outcome.attempts],
  );
}

/** The ledger row of a key, if any (tests and diagnostics). */
export async function findLedgerEntry(client: PoolClient, key: LedgerKey): Promise<LedgerEntry | undefined> {
  const { rows } = await client.query<{ state: LedgerState; wamid: string | null; attempts: number; resends: number }>(
    `SELECT state, wamid, attempts, resends FROM ${table} WHERE tenant_id = $1 AND idempotency_key = $2`,
    [key.tenantId, key.idempotencyKey],
  );
  const row = rows[0];
  return row === undefined ? undefined : { state: row.state, wamid: row.wamid ?? undefined, attempts: row.attempts, resends: row.resends };
}
