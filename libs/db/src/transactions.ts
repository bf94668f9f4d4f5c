import { type Pool, type PoolClient } from './pool';

/** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A client whose ROLLBACK failed may still be inside the transaction (or be dead): destroy it
  // rather than hand a poisoned session to the next caller.
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: unknown) => {
      broken = rollbackError instanceof Error ? rollbackError : new Error('ROLLBACK failed');
    });
    throw error;
  } finally {
    client.release(broken);
  }
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}

/**
 * A transaction in which row-level security sees only this tenant's rows.
 *
 * The tenant travels as the transaction-local setting `app.tenant_id` (`set_config(…, true)`), so
 * it cannot leak to the next user of the pooled connection. Policies read it through
 * `current_tenant()` (see README, "Tenant isolation").
 */
export async function withTenant<T>(
  pool: Pool,
  tenantId: string,
  fn: (client: PoolClient) => Promise<T>,
): Promise<T> {
  // Checked here, not by the ::uuid cast in the policy: a malformed id would otherwise surface as
  // a cast error on the first query, far from the caller that passed it.
  if (!isUuid(tenantId)) {
    throw new TypeError('tenant id must be a UUID');
  }
  return withTransaction(pool, async (client) => {
    await client.query("SELECT set_config('app.tenant_id', $1, true)", [tenantId.toLowerCase()]);
    return fn(client);
  });
}
