import { busMigrations } from '@careline/bus';
import { type Pool, createPool, findTablesWithoutTenantIsolation, runMigrations, withTenant } from '@careline/db';
import { type TestDatabase, createTestDatabase } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_A, TENANT_B } from '../test/fixtures';
import { GATEWAY_SCHEMA, gatewayMigrations } from './migrations';
import { findOutcome, recordOutcome } from './outbound-outcomes';

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  const role = await database.createServiceRole(GATEWAY_SCHEMA);
  // As the gateway runs them: its own role, not a superuser (row-level security applies).
  pool = createPool({ url: role.url, applicationName: 'gateway-test' });
  await runMigrations(pool, { schema: GATEWAY_SCHEMA, migrations: gatewayMigrations });
  await runMigrations(pool, { schema: GATEWAY_SCHEMA, component: 'bus', migrations: busMigrations });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

describe('outbound outcomes', () => {
  it('has row-level security on every tenant table', async () => {
    expect(await findTablesWithoutTenantIsolation(pool, GATEWAY_SCHEMA)).toEqual([]);
  });

  it("keeps the first outcome per idempotency key, visible to its tenant only", async () => {
    const row = { tenantId: TENANT_A, idempotencyKey: 'k1', messageId: 'm1', outcome: 'accepted' as const, wamid: 'wamid.1', result: new Uint8Array([1, 2, 3]) };
    expect(await withTenant(pool, TENANT_A, (client) => recordOutcome(client, row))).toBe(true);
    expect(await withTenant(pool, TENANT_A, (client) => recordOutcome(client, { ...row, result: new Uint8Array([9]) }))).toBe(false);
    expect(await withTenant(pool, TENANT_A, (client) => findOutcome(client, TENANT_A, 'k1'))).toEqual(Buffer.from([1, 2, 3]));
    expect(await withTenant(pool, TENANT_B, (client) => findOutcome(client, TENANT_A, 'k1'))).toBeUndefined();
    // the same key of another tenant is another request
    expect(await withTenant(pool, TENANT_B, (client) => recordOutcome(client, { ...row, tenantId: TENANT_B }))).toBe(true);
  });
});
