// The stack's database and the services' own roles. Test stacks get a fresh database each
// (dropped by stop()); the dev launcher keeps one named database across runs. Either way every
// service connects as its own non-superuser role, named like its schema so that the role's default
// search_path finds its tables, and runs its own migrations at start.
import { createHmac } from 'node:crypto';
import { createPool, provisionServiceRole, serviceDatabaseUrl } from '@careline/db';
import { createTestDatabase } from '@careline/testing';
import pg from 'pg';

/** The services that own a schema (api keeps no state; the simulator keeps it in memory). */
export const DATABASE_SERVICES = ['gateway', 'ingest', 'messaging', 'scheduling', 'records', 'audit'] as const;
export type DatabaseService = (typeof DATABASE_SERVICES)[number];

export interface StackDatabase {
  name: string;
  /** Superuser URL of the stack's database (for the launcher's own checks, never for an app). */
  adminUrl: string;
  /** Per service: its own role, on the stack's database. */
  serviceUrls: Record<DatabaseService, string>;
  /** Drops the database when the stack created it fresh; a no-op for a persistent one. */
  release(): Promise<void>;
}

/**
 * Roles belong to the whole server, and several stacks (a running `npm start` and a test run) may
 * share one: a random password per stack would reset it under the other stack's feet. The
 * password is therefore derived from the admin URL (which holds the admin's own credentials when
 * the server has any): the same on every stack of one server, unknown to anyone without admin
 * access. Local servers trust loopback and ignore it anyway.
 */
export function serviceRolePassword(adminUrl: string, role: string): string {
  return createHmac('sha256', adminUrl).update(`careline-stack-role:${role}`).digest('base64url');
}

export async function prepareDatabase(
  adminUrl: string,
  persistentName: string | undefined,
): Promise<StackDatabase> {
  if (persistentName === undefined) {
    const db = await createTestDatabase(adminUrl);
    try {
      const serviceUrls = await provisionRoles(db.adminPool, adminUrl, db.url);
      return { name: db.name, adminUrl: db.url, serviceUrls, release: () => db.drop() };
    } catch (error) {
      await db.drop();
      throw error;
    }
  }
  await createDatabaseIfMissing(adminUrl, persistentName);
  const url = new URL(adminUrl);
  url.pathname = `/${persistentName}`;
  const databaseAdminUrl = url.toString();
  const pool = createPool({ url: databaseAdminUrl, applicationName: 'careline-stack', max: 2 });
  try {
    const serviceUrls = await provisionRoles(pool, adminUrl, databaseAdminUrl);
    return {
      name: persistentName,
      adminUrl: databaseAdminUrl,
      serviceUrls,
      release: () => Promise.resolve(),
    };
  } finally {
    await pool.end();
  }
}

async function provisionRoles(
  adminPool: Parameters<typeof provisionServiceRole>[0],
  serverAdminUrl: string,
  databaseAdminUrl: string,
): Promise<Record<DatabaseService, string>> {
  const urls: Partial<Record<DatabaseService, string>> = {};
  // Extensions a service role cannot create itself (CREATE EXTENSION needs CREATE on the database):
  // scheduling's no-double-booking exclusion constraint needs btree_gist (apps/scheduling/README.md).
  await adminPool.query('CREATE EXTENSION IF NOT EXISTS btree_gist');
  for (const service of DATABASE_SERVICES) {
    const password = serviceRolePassword(serverAdminUrl, service);
    await provisionServiceRole(adminPool, { role: service, schema: service, password });
    urls[service] = serviceDatabaseUrl(databaseAdminUrl, service, password);
  }
  return urls as Record<DatabaseService, string>;
}

async function createDatabaseIfMissing(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name))
    throw new TypeError(`database name must be a plain identifier: ${name}`);
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'careline-stack' });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) {
      try {
        await client.query(`CREATE DATABASE "${name}" TEMPLATE template0`);
      } catch (error) {
        // another launcher created it meanwhile
        if ((error as { code?: unknown }).code !== '42P04') throw error;
      }
    }
  } finally {
    await client.end();
  }
}
