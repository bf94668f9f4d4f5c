// Test fixtures for code that uses @careline/db. Each test file gets its own database with a
// random name, so files run in parallel without seeing each other's tables, and dropping it
// removes everything (roles made through it included).
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Pool, createPool } from '../pool';
import { provisionServiceRole, serviceDatabaseUrl } from '../roles';
import { quoteIdentifier } from '../sql';

export interface TestServiceRole {
  role: string;
  /** Connects to the test database as this role (not a superuser: row-level security applies). */
  url: string;
}

export interface TestDatabase {
  /** Superuser URL of the new database. */
  url: string;
  name: string;
  /** A small superuser pool on the new database, closed by drop(). */
  adminPool: Pool;
  /**
   * Provisions a fresh, randomly named service role owning `schema` in this database (roles are
   * server-wide, so a fixed name would collide between parallel test files). Dropped by drop().
   */
  createServiceRole(schema: string): Promise<TestServiceRole>;
  /** Drops the database (WITH (FORCE), so open connections do not block it) and its roles. Idempotent. */
  drop(): Promise<void>;
}

export async function createTestDatabase(
  adminUrl: string | undefined = process.env.DATABASE_URL,
): Promise<TestDatabase> {
  if (adminUrl === undefined || adminUrl === '') {
    throw new Error(
      'DATABASE_URL is not set: integration tests need a Postgres superuser URL, e.g. ' +
        'postgres://postgres@127.0.0.1:5432/postgres (start one with `npm run infra -- up`)',
    );
  }
  const name = `careline_test_${randomBytes(6).toString('hex')}`;
  // template0: nothing ever connects to it, so parallel CREATE DATABASE calls never find the
  // template "being accessed by other users", which happens with template1.
  await withAdminClient(adminUrl, (client) =>
    client.query(`CREATE DATABASE ${quoteIdentifier(name)} TEMPLATE template0`),
  );
  const url = withDatabase(adminUrl, name);
  const adminPool = createPool({ url, applicationName: 'careline-test-admin', max: 3 });
  const roles: string[] = [];
  let dropped = false;

  return {
    url,
    name,
    adminPool,
    async createServiceRole(schema) {
      const role = `${schema.slice(0, 40)}_${randomBytes(5).toString('hex')}`;
      const password = randomBytes(18).toString('base64url');
      roles.push(role);
      await provisionServiceRole(adminPool, { role, schema, password });
      return { role, url: serviceDatabaseUrl(url, role, password) };
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      await adminPool.end();
      await withAdminClient(adminUrl, async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(name)} WITH (FORCE)`);
        // The roles owned objects only in the dropped database, so nothing else holds them.
        for (const role of roles) await client.query(`DROP ROLE IF EXISTS ${quoteIdentifier(role)}`);
      });
    },
  };
}

async function withAdminClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'careline-test-admin' });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
