import { afterAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import { type TestDatabase, createTestDatabase } from './index';

const created: TestDatabase[] = [];
afterAll(async () => {
  await Promise.all(created.map((db) => db.drop()));
});

async function adminQuery<R extends pg.QueryResultRow>(sql: string, values: unknown[]): Promise<R[]> {
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try {
    return (await client.query<R>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

describe('createTestDatabase', () => {
  it('gives each caller its own database', async () => {
    const [one, two] = await Promise.all([createTestDatabase(), createTestDatabase()]);
    created.push(one, two);
    expect(one.name).not.toBe(two.name);
    expect(one.name).toMatch(/^careline_test_[0-9a-f]{12}$/);
    await one.adminPool.query('CREATE TABLE only_here (id int)');
    const seen = await two.adminPool.query("SELECT to_regclass('only_here') AS t");
    expect(seen.rows[0]).toEqual({ t: null });
    const url = new URL(one.url);
    expect(url.pathname).toBe(`/${one.name}`);
  });

  it('drops the database, even with connections open, and the roles made through it', async () => {
    const db = await createTestDatabase();
    const { role, url } = await db.createServiceRole('visits');
    const lingering = new pg.Client({ connectionString: url });
    lingering.on('error', () => undefined); // the forced drop terminates it
    await lingering.connect();

    await db.drop();
    await db.drop(); // idempotent

    expect(await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [db.name])).toEqual([]);
    expect(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).toEqual([]);
    await lingering.end().catch(() => undefined);
  });

  it('says what is missing when there is no DATABASE_URL', async () => {
    await expect(createTestDatabase('')).rejects.toThrow(/DATABASE_URL is not set/);
  });
});
