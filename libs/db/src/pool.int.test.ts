import { createServer } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type DbLogger, type Pool, checkDatabase, createPool, withTransaction } from './index';
import { type TestDatabase, createTestDatabase } from './testing/index';

const password = 'hunter2-not-for-logs';

function collectingLogger(): DbLogger & { entries: { fields: Record<string, unknown>; message: string }[] } {
  const entries: { fields: Record<string, unknown>; message: string }[] = [];
  return {
    entries,
    warn: (fields, message) => entries.push({ fields, message }),
    info: (fields, message) => entries.push({ fields, message }),
  };
}

/** The test database URL with a password in it (loopback trust ignores it), to check it never leaks. */
function urlWithPassword(url: string): string {
  const parsed = new URL(url);
  parsed.password = password;
  return parsed.toString();
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function eventually(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

let db: TestDatabase;
const pools: Pool[] = [];
function pool(options: Partial<Parameters<typeof createPool>[0]> = {}): Pool {
  const created = createPool({ url: db.url, applicationName: 'db-pool-test', ...options });
  pools.push(created);
  return created;
}

beforeAll(async () => {
  db = await createTestDatabase();
});
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});
afterAll(async () => {
  await db?.drop();
});

describe('createPool', () => {
  it('cancels a statement that runs longer than the statement timeout', async () => {
    const started = Date.now();
    await expect(pool({ statementTimeoutMs: 200 }).query('SELECT pg_sleep(5)')).rejects.toMatchObject({
      code: '57014', // query_canceled
    });
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('sets the session timeouts and the application name', async () => {
    const { rows } = await pool({ statementTimeoutMs: 1_500, idleInTransactionTimeoutMs: 2_500 }).query<{
      statement: string;
      idle: string;
      app: string;
    }>(
      `SELECT current_setting('statement_timeout') AS statement,
              current_setting('idle_in_transaction_session_timeout') AS idle,
              current_setting('application_name') AS app`,
    );
    expect(rows[0]).toEqual({ statement: '1500ms', idle: '2500ms', app: 'db-pool-test' });
  });

  it('reports, without the password, an idle connection the server killed, and keeps working', async () => {
    const logger = collectingLogger();
    const p = pool({ url: urlWithPassword(db.url), logger, max: 1 });
    const { rows } = await p.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    await db.adminPool.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);

    await eventually(() => logger.entries.length > 0);
    expect(logger.entries[0]).toMatchObject({
      message: 'database connection error',
      fields: { err: { code: '57P01' } }, // admin_shutdown: terminated by pg_terminate_backend
    });
    expect(JSON.stringify(logger.entries)).not.toContain(password);
    await expect(p.query('SELECT 1 AS ok')).resolves.toMatchObject({ rows: [{ ok: 1 }] });
  });

  it('closes a transaction left idle and reports it instead of crashing', async () => {
    const logger = collectingLogger();
    const p = pool({ url: urlWithPassword(db.url), logger, idleInTransactionTimeoutMs: 200 });
    const client = await p.connect();
    await client.query('BEGIN');
    // While checked out, the client has no pool listener: an unhandled 'error' would kill vitest.
    await eventually(() => logger.entries.length > 0);
    expect(logger.entries[0]!.fields).toMatchObject({ err: { code: '25P03' } }); // idle_in_transaction_session_timeout
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release(true);
    expect(JSON.stringify(logger.entries)).not.toContain(password);
  });
});

describe('checkDatabase', () => {
  it('resolves when the database answers', async () => {
    await expect(checkDatabase(pool())).resolves.toBeUndefined();
  });

  it('says in one line, without the password, that nothing listens on the port', async () => {
    const port = await closedPort();
    const p = pool({ url: `postgres://postgres:${password}@127.0.0.1:${port}/postgres` });
    const error = await checkDatabase(p).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe(`database unreachable at 127.0.0.1:${port} (ECONNREFUSED)`);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('says in one line what the server refused', async () => {
    const target = new URL(db.url);
    target.pathname = '/no_such_database';
    const error = await checkDatabase(pool({ url: target.toString() })).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe(
      `database at ${target.host}/no_such_database refused the connection: database "no_such_database" does not exist (3D000)`,
    );
  });
});

describe('withTransaction', () => {
  it('commits when the function resolves and rolls back when it throws', async () => {
    const p = pool();
    await p.query('CREATE TABLE tx_probe (n int)');
    await withTransaction(p, (client) => client.query('INSERT INTO tx_probe VALUES (1)'));
    await expect(
      withTransaction(p, async (client) => {
        await client.query('INSERT INTO tx_probe VALUES (2)');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    const { rows } = await p.query<{ n: number }>('SELECT n FROM tx_probe');
    expect(rows).toEqual([{ n: 1 }]);
  });
});
