import { busMigrations } from '@careline/bus';
import { type Pool, createPool, runMigrations, withTenant } from '@careline/db';
import { type TestDatabase, createTestDatabase } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_A, TENANT_B } from '../test/fixtures';
import { GATEWAY_SCHEMA, gatewayMigrations } from './migrations';
import { claimSend, findLedgerEntry, settleSend } from './send-ledger';

let database: TestDatabase;
let pool: Pool;

beforeAll(async () => {
  database = await createTestDatabase();
  const role = await database.createServiceRole(GATEWAY_SCHEMA);
  pool = createPool({ url: role.url, applicationName: 'gateway-test' });
  await runMigrations(pool, { schema: GATEWAY_SCHEMA, migrations: gatewayMigrations });
  await runMigrations(pool, { schema: GATEWAY_SCHEMA, component: 'bus', migrations: busMigrations });
});

afterAll(async () => {
  await pool?.end();
  await database?.drop();
});

const key = (idempotencyKey: string, tenantId = TENANT_A) => ({ tenantId, idempotencyKey, messageId: `m-${idempotencyKey}` });
const claim = (k: ReturnType<typeof key>) => withTenant(pool, k.tenantId, (c) => claimSend(c, k));
const find = (k: ReturnType<typeof key>) => withTenant(pool, k.tenantId, (c) => findLedgerEntry(c, k));

describe('send ledger', () => {
  it('claims a new key as pending, then records Meta’s acceptance; an accepted key is never claimed again', async () => {
    const k = key('k1');
    expect(await claim(k)).toBeUndefined();
    expect(await find(k)).toEqual({ state: 'pending', wamid: undefined, attempts: 0, resends: 0 });
    await withTenant(pool, TENANT_A, (c) => settleSend(c, k, { state: 'accepted', wamid: 'wamid.1', attempts: 2 }));
    const accepted = { state: 'accepted', wamid: 'wamid.1', attempts: 2, resends: 0 };
    expect(await claim(k)).toEqual(accepted);
    expect(await find(k)).toEqual(accepted);
  });

  it('reports a pending key found again (a crash mid-call) and counts the resend', async () => {
    const k = key('k2');
    await claim(k);
    expect(await claim(k)).toMatchObject({ state: 'pending', resends: 0 });
    expect(await find(k)).toMatchObject({ state: 'pending', resends: 1 });
  });

  it('reopens a failed key (nothing was sent, sending again cannot duplicate)', async () => {
    const k = key('k3');
    await claim(k);
    await withTenant(pool, TENANT_A, (c) => settleSend(c, k, { state: 'failed', attempts: 3 }));
    expect(await claim(k)).toMatchObject({ state: 'failed', attempts: 3 });
    expect(await find(k)).toMatchObject({ state: 'pending', attempts: 3, resends: 0 });
  });

  it('settles only a pending row: a late answer cannot overwrite an acceptance', async () => {
    const k = key('k4');
    await claim(k);
    await withTenant(pool, TENANT_A, (c) => settleSend(c, k, { state: 'accepted', wamid: 'wamid.4', attempts: 1 }));
    await withTenant(pool, TENANT_A, (c) => settleSend(c, k, { state: 'failed', attempts: 1 }));
    expect(await find(k)).toMatchObject({ state: 'accepted', wamid: 'wamid.4', attempts: 1 });
  });

  it('is scoped to the tenant', async () => {
    await claim(key('k5'));
    expect(await withTenant(pool, TENANT_B, (c) => findLedgerEntry(c, { tenantId: TENANT_A, idempotencyKey: 'k5' }))).toBeUndefined();
    expect(await claim(key('k5', TENANT_B))).toBeUndefined();
  });
});
