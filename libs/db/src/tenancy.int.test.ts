import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Pool,
  createPool,
  findTablesWithoutTenantIsolation,
  migrationsFromFiles,
  provisionServiceRole,
  runMigrations,
  tenantIsolationSql,
  withTenant,
  withTransaction,
} from './index';
import { type TestDatabase, type TestServiceRole, createTestDatabase } from './testing/index';

const schema = 'clinic';
const tenantA = randomUUID();
const tenantB = randomUUID();

// Written the way a service's migration files are: unqualified names, current_tenant().
const migrations = migrationsFromFiles([
  {
    fileName: '0001_notes.sql',
    sql: `
CREATE TABLE notes (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tenant_id uuid NOT NULL,
  label text NOT NULL
);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
ALTER TABLE notes FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON notes
  USING (tenant_id = current_tenant()) WITH CHECK (tenant_id = current_tenant());
`,
  },
]);

let db: TestDatabase;
let service: TestServiceRole;
/** One connection, so that every transaction reuses the session of the previous one. */
let pool: Pool;
let noteA: string;
let noteB: string;

async function insertNote(tenantId: string, label: string): Promise<string> {
  return withTenant(pool, tenantId, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO clinic.notes (tenant_id, label) VALUES ($1, $2) RETURNING id',
      [tenantId, label],
    );
    return rows[0]!.id;
  });
}

async function labelsSeenBy(tenantId: string): Promise<string[]> {
  return withTenant(pool, tenantId, async (client) => {
    const { rows } = await client.query<{ label: string }>('SELECT label FROM clinic.notes ORDER BY label');
    return rows.map((row) => row.label);
  });
}

beforeAll(async () => {
  db = await createTestDatabase();
  service = await db.createServiceRole(schema);
  pool = createPool({ url: service.url, applicationName: 'db-tenancy-test', max: 1 });
  await runMigrations(pool, { schema, migrations });
  noteA = await insertNote(tenantA, 'a-1');
  noteB = await insertNote(tenantB, 'b-1');
});
afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe('provisioned service role', () => {
  it('is neither superuser nor BYPASSRLS, owns its schema and has a SCRAM password', async () => {
    const { rows } = await pool.query<{
      me: string;
      rolsuper: boolean;
      rolbypassrls: boolean;
      owner: string;
    }>(
      `SELECT current_user AS me, r.rolsuper, r.rolbypassrls, pg_get_userbyid(n.nspowner) AS owner
         FROM pg_roles r, pg_namespace n WHERE r.rolname = current_user AND n.nspname = $1`,
      [schema],
    );
    expect(rows[0]).toEqual({ me: service.role, rolsuper: false, rolbypassrls: false, owner: service.role });
    const secret = await db.adminPool.query<{ rolpassword: string }>(
      'SELECT rolpassword FROM pg_authid WHERE rolname = $1',
      [service.role],
    );
    expect(secret.rows[0]!.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  });
});

describe('tenant isolation', () => {
  it("lets tenant A read only A's rows", async () => {
    expect(await labelsSeenBy(tenantA)).toEqual(['a-1']);
    expect(await labelsSeenBy(tenantB)).toEqual(['b-1']);
  });

  it('refuses tenant A inserting a row for tenant B', async () => {
    await expect(
      withTenant(pool, tenantA, (client) =>
        client.query("INSERT INTO clinic.notes (tenant_id, label) VALUES ($1, 'sneaky')", [tenantB]),
      ),
    ).rejects.toMatchObject({ code: '42501' }); // new row violates row-level security policy
  });

  it("does not let tenant A change or delete B's rows", async () => {
    const updated = await withTenant(pool, tenantA, (client) =>
      client.query("UPDATE clinic.notes SET label = 'changed' WHERE id = $1", [noteB]),
    );
    expect(updated.rowCount).toBe(0);
    const deleted = await withTenant(pool, tenantA, (client) =>
      client.query('DELETE FROM clinic.notes WHERE id = $1', [noteB]),
    );
    expect(deleted.rowCount).toBe(0);
    await expect(
      withTenant(pool, tenantA, (client) =>
        client.query('UPDATE clinic.notes SET tenant_id = $1 WHERE id = $2', [tenantB, noteA]),
      ),
    ).rejects.toMatchObject({ code: '42501' });
    expect(await labelsSeenBy(tenantB)).toEqual(['b-1']);
    expect(await labelsSeenBy(tenantA)).toEqual(['a-1']);
  });

  it('shows no rows, without an error, when no tenant is set', async () => {
    await labelsSeenBy(tenantA);
    // Same session as the previous transaction: the setting is now '' rather than unset.
    const { rows } = await pool.query<{ setting: string | null }>(
      "SELECT current_setting('app.tenant_id', true) AS setting",
    );
    expect(rows[0]!.setting).toBe('');
    await expect(pool.query('SELECT * FROM clinic.notes')).resolves.toMatchObject({ rowCount: 0 });
    await expect(
      withTransaction(pool, (client) => client.query('SELECT * FROM clinic.notes')),
    ).resolves.toMatchObject({
      rowCount: 0,
    });
    await expect(
      pool.query("INSERT INTO clinic.notes (tenant_id, label) VALUES ($1, 'no-context')", [tenantA]),
    ).rejects.toMatchObject({ code: '42501' });
  });

  it('refuses a tenant id that is not a UUID before touching the database', async () => {
    await expect(withTenant(pool, "x' OR true --", () => Promise.resolve())).rejects.toThrow(
      'tenant id must be a UUID',
    );
  });

  it('is bypassed by a superuser, which is why services use their own role', async () => {
    const { rows } = await db.adminPool.query<{ n: number }>('SELECT count(*)::int AS n FROM clinic.notes');
    expect(rows[0]!.n).toBe(2);
  });
});

describe('findTablesWithoutTenantIsolation', () => {
  it('finds tenant tables lacking enabled RLS, forced RLS or a policy, and no others', async () => {
    await runMigrations(pool, {
      schema,
      component: 'check',
      migrations: migrationsFromFiles([
        {
          fileName: '0001_tables.sql',
          sql: `
CREATE TABLE open_rows (id int, tenant_id uuid);
CREATE TABLE not_forced (id int, tenant_id uuid);
ALTER TABLE not_forced ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON not_forced USING (tenant_id = current_tenant());
CREATE TABLE no_policy (id int, tenant_id uuid);
ALTER TABLE no_policy ENABLE ROW LEVEL SECURITY;
ALTER TABLE no_policy FORCE ROW LEVEL SECURITY;
CREATE TABLE lookup (id int);
CREATE TABLE helper_isolated (id int, tenant_id uuid);
${tenantIsolationSql('helper_isolated')}
`,
        },
      ]),
    });
    expect(await findTablesWithoutTenantIsolation(pool, schema)).toEqual([
      { table: 'no_policy', problems: ['no_policy'] },
      { table: 'not_forced', problems: ['rls_not_forced'] },
      { table: 'open_rows', problems: ['rls_not_enabled', 'rls_not_forced', 'no_policy'] },
    ]);
  });

  it('reports nothing for a schema whose tenant tables are all isolated', async () => {
    const other = await db.createServiceRole('isolated');
    const otherPool = createPool({ url: other.url, applicationName: 'db-tenancy-test', max: 1 });
    try {
      await runMigrations(otherPool, { schema: 'isolated', migrations });
      expect(await findTablesWithoutTenantIsolation(otherPool, 'isolated')).toEqual([]);
    } finally {
      await otherPool.end();
    }
  });
});

describe('provisionServiceRole', () => {
  it('converges when run repeatedly and concurrently', async () => {
    const role = `race_${randomBytes(5).toString('hex')}`;
    try {
      await Promise.all([
        provisionServiceRole(db.adminPool, { role, schema: role, password: 'one' }),
        provisionServiceRole(db.adminPool, { role, schema: role, password: 'two' }),
        provisionServiceRole(db.adminPool, { role, schema: role }),
      ]);
      await provisionServiceRole(db.adminPool, { role, schema: role });
      const { rows } = await db.adminPool.query<{ owner: string; rolcanlogin: boolean }>(
        `SELECT pg_get_userbyid(n.nspowner) AS owner, r.rolcanlogin
           FROM pg_namespace n, pg_roles r WHERE n.nspname = $1 AND r.rolname = $1`,
        [role],
      );
      expect(rows).toEqual([{ owner: role, rolcanlogin: true }]);
    } finally {
      await db.adminPool.query(`DROP SCHEMA IF EXISTS "${role}" CASCADE`);
      await db.adminPool.query(`DROP ROLE IF EXISTS "${role}"`);
    }
  });

  it('refuses to turn a superuser into a service role', async () => {
    const { rows } = await db.adminPool.query<{ me: string }>('SELECT current_user AS me');
    const admin = rows[0]!.me;
    await expect(provisionServiceRole(db.adminPool, { role: admin, schema: 'never' })).rejects.toThrow(
      /SUPERUSER or BYPASSRLS/,
    );
    const check = await db.adminPool.query<{ rolsuper: boolean }>(
      'SELECT rolsuper FROM pg_roles WHERE rolname = $1',
      [admin],
    );
    expect(check.rows[0]!.rolsuper).toBe(true);
  });
});
