import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type Migration,
  type Pool,
  createPool,
  loadMigrations,
  migrationsFromFiles,
  runMigrations,
} from './index';
import { type TestDatabase, createTestDatabase } from './testing/index';

let db: TestDatabase;
const pools: Pool[] = [];
function pool(options: { max?: number; statementTimeoutMs?: number } = {}): Pool {
  const created = createPool({ url: db.url, applicationName: 'db-migrations-test', ...options });
  pools.push(created);
  return created;
}
const freshSchema = (): string => `s_${randomBytes(4).toString('hex')}`;

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});
afterAll(async () => {
  await db?.drop();
});

// Unqualified names on purpose: runMigrations puts the schema on the search_path. 0002 is not
// idempotent, so applying it twice would show as two rows or fail on the primary key.
const base = migrationsFromFiles([
  { fileName: '0001_create_items.sql', sql: 'CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL);' },
  { fileName: '0002_seed_items.sql', sql: "INSERT INTO items VALUES (1, 'first');" },
]);

async function appliedVersions(p: Pool, schema: string, component = 'app'): Promise<number[]> {
  const { rows } = await p.query<{ version: number }>(
    `SELECT version FROM "${schema}".schema_migrations WHERE component = $1 ORDER BY version`,
    [component],
  );
  return rows.map((row) => row.version);
}

async function itemCount(p: Pool, schema: string): Promise<number> {
  const { rows } = await p.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".items`);
  return rows[0]!.n;
}

describe('runMigrations', () => {
  it('creates the schema, applies each migration once and nothing on the second run', async () => {
    const p = pool();
    const schema = freshSchema();
    const first = await runMigrations(p, { schema, migrations: base });
    expect(first.applied).toEqual([
      { version: 1, name: 'create_items' },
      { version: 2, name: 'seed_items' },
    ]);
    const second = await runMigrations(p, { schema, migrations: base });
    expect(second.applied).toEqual([]);
    expect(await appliedVersions(p, schema)).toEqual([1, 2]);
    expect(await itemCount(p, schema)).toBe(1);

    const { rows } = await p.query<{ name: string; checksum: string }>(
      `SELECT name, checksum FROM "${schema}".schema_migrations WHERE component = 'app' ORDER BY version`,
    );
    expect(rows).toEqual(base.map((m) => ({ name: m.name, checksum: m.checksum })));
  });

  it('provides current_tenant() in the schema, NULL without a tenant', async () => {
    const p = pool();
    const schema = freshSchema();
    await runMigrations(p, { schema, migrations: base });
    const { rows } = await p.query<{ tenant: string | null }>(
      `SELECT "${schema}".current_tenant() AS tenant`,
    );
    expect(rows[0]!.tenant).toBeNull();
    expect(await appliedVersions(p, schema, 'db')).toEqual([1]);
  });

  it('applies each migration exactly once when replicas start together', async () => {
    // A statement timeout shorter than the migration: waiting for the lock and the migration
    // itself must not be cut by the pool's guardrail.
    const slow = migrationsFromFiles([
      ...base.map((m) => ({ fileName: `${String(m.version).padStart(4, '0')}_${m.name}.sql`, sql: m.sql })),
      { fileName: '0003_slow.sql', sql: 'SELECT pg_sleep(0.2); CREATE TABLE later (id int);' },
    ]);
    const replicaA = pool({ max: 2, statementTimeoutMs: 100 });
    const replicaB = pool({ max: 2, statementTimeoutMs: 100 });
    for (let round = 0; round < 4; round += 1) {
      const schema = freshSchema();
      const runs = await Promise.all([
        runMigrations(replicaA, { schema, migrations: slow }),
        runMigrations(replicaB, { schema, migrations: slow }),
        runMigrations(replicaA, { schema, migrations: slow }),
        runMigrations(replicaB, { schema, migrations: slow }),
      ]);
      expect(runs.flatMap((run) => run.applied.map((m) => m.version)).sort((a, b) => a - b)).toEqual([
        1, 2, 3,
      ]);
      expect(await appliedVersions(replicaA, schema)).toEqual([1, 2, 3]);
      expect(await itemCount(replicaA, schema)).toBe(1);
    }
  });

  it('gives the connection back with the pool statement timeout', async () => {
    const p = pool({ max: 1, statementTimeoutMs: 1_234 });
    await runMigrations(p, { schema: freshSchema(), migrations: base });
    const { rows } = await p.query<{ t: string }>("SELECT current_setting('statement_timeout') AS t");
    expect(rows[0]!.t).toBe('1234ms');
  });

  it('applies a migration statement timeout when asked', async () => {
    const sleepy = migrationsFromFiles([{ fileName: '0001_sleepy.sql', sql: 'SELECT pg_sleep(2);' }]);
    await expect(
      runMigrations(pool(), { schema: freshSchema(), migrations: sleepy, statementTimeoutMs: 100 }),
    ).rejects.toThrow(/0001_sleepy\.sql .* failed: .*statement timeout \(57014\)/);
  });

  it('refuses a migration edited after it was applied, and applies nothing after it', async () => {
    const p = pool();
    const schema = freshSchema();
    await runMigrations(p, { schema, migrations: base });
    const edited = migrationsFromFiles([
      { fileName: '0001_create_items.sql', sql: base[0]!.sql },
      { fileName: '0002_seed_items.sql', sql: "INSERT INTO items VALUES (1, 'edited');" },
      { fileName: '0003_more.sql', sql: 'CREATE TABLE more (id int);' },
    ]);
    await expect(runMigrations(p, { schema, migrations: edited })).rejects.toThrow(
      /migration app\/0002_seed_items\.sql in schema "s_[0-9a-f]+" differs from the one applied .* never edited/,
    );
    expect(await appliedVersions(p, schema)).toEqual([1, 2]);
  });

  it('refuses a hand-built migration whose checksum does not match its SQL', async () => {
    const tampered: Migration[] = [{ ...base[0]!, sql: 'DROP TABLE items;' }];
    await expect(runMigrations(pool(), { schema: freshSchema(), migrations: tampered })).rejects.toThrow(
      /checksum does not match/,
    );
  });

  it('refuses to apply a migration below the newest applied one', async () => {
    const p = pool();
    const schema = freshSchema();
    await runMigrations(p, { schema, migrations: base });
    await p.query(`DELETE FROM "${schema}".schema_migrations WHERE component = 'app' AND version = 1`);
    await expect(runMigrations(p, { schema, migrations: base })).rejects.toThrow(
      /0001_create_items\.sql .* is missing although a later one \(0002\) is applied/,
    );
  });

  it('tolerates applied versions newer than the code (rolling deploy)', async () => {
    const p = pool();
    const schema = freshSchema();
    await runMigrations(p, { schema, migrations: base });
    await expect(runMigrations(p, { schema, migrations: base.slice(0, 1) })).resolves.toMatchObject({
      applied: [],
    });
  });

  it('rolls a failing migration back entirely and names it', async () => {
    const p = pool();
    const schema = freshSchema();
    const broken = migrationsFromFiles([
      { fileName: '0001_create_items.sql', sql: base[0]!.sql },
      { fileName: '0002_half_done.sql', sql: 'CREATE TABLE half (id int); SELECT no_such_function();' },
    ]);
    await expect(runMigrations(p, { schema, migrations: broken })).rejects.toThrow(
      /migration app\/0002_half_done\.sql in schema "s_[0-9a-f]+" failed: function no_such_function\(\) does not exist \(42883\)/,
    );
    expect(await appliedVersions(p, schema)).toEqual([1]);
    const { rows } = await p.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [
      `"${schema}".half`,
    ]);
    expect(rows[0]!.t).toBeNull();
  });

  it('keeps components apart in one schema', async () => {
    const p = pool();
    const schema = freshSchema();
    const bus = migrationsFromFiles([
      { fileName: '0001_outbox.sql', sql: 'CREATE TABLE outbox (id bigserial PRIMARY KEY);' },
    ]);
    await runMigrations(p, { schema, migrations: base });
    const run = await runMigrations(p, { schema, component: 'bus', migrations: bus });
    expect(run).toEqual({ schema, component: 'bus', applied: [{ version: 1, name: 'outbox' }] });
    expect(await appliedVersions(p, schema, 'bus')).toEqual([1]);
    expect(await appliedVersions(p, schema, 'app')).toEqual([1, 2]);
  });

  it('refuses the reserved component and invalid names', async () => {
    const p = pool();
    await expect(
      runMigrations(p, { schema: freshSchema(), component: 'db', migrations: base }),
    ).rejects.toThrow(/reserved/);
    await expect(runMigrations(p, { schema: 'Bad-Schema', migrations: base })).rejects.toThrow(
      /schema name .* is not valid/,
    );
  });
});

describe('loadMigrations', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  async function directory(files: Record<string, string>): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'careline-db-migrations-'));
    dirs.push(dir);
    await Promise.all(Object.entries(files).map(([name, sql]) => writeFile(join(dir, name), sql)));
    return dir;
  }

  it('reads the .sql files of a directory, by path or file URL, in order', async () => {
    const dir = await directory({
      '0002_seed_items.sql': base[1]!.sql,
      '0001_create_items.sql': base[0]!.sql,
      'README.md': 'not a migration',
    });
    const fromPath = await loadMigrations(dir);
    expect(fromPath).toEqual(base);
    expect(await loadMigrations(pathToFileURL(`${dir}/`))).toEqual(base);
    const schema = freshSchema();
    await runMigrations(pool(), { schema, migrations: fromPath });
  });

  it('refuses badly named and duplicate files', async () => {
    await expect(loadMigrations(await directory({ '0001_create items.sql': 'SELECT 1;' }))).rejects.toThrow(
      /not named NNNN_name\.sql/,
    );
    await expect(loadMigrations(await directory({ '1_create.sql': 'SELECT 1;' }))).rejects.toThrow(
      /not named NNNN_name\.sql/,
    );
    await expect(
      loadMigrations(await directory({ '0001_a.sql': 'SELECT 1;', '0001_b.sql': 'SELECT 1;' })),
    ).rejects.toThrow(/0001_a\.sql and 0001_b\.sql have the same number/);
  });
});
