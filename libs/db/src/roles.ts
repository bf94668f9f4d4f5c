// One Postgres role and schema per service. Services must connect as their own role: superusers
// and BYPASSRLS roles skip row-level security, so tenant isolation only holds for a role that is
// neither. Provisioning runs with an admin connection (dev launcher, tests, a deploy job).
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { type Pool, type PoolClient } from './pool';
import { advisoryLockKey, assertIdentifier, quoteIdentifier, quoteLiteral } from './sql';
import { withTransaction } from './transactions';

export interface ServiceRoleOptions {
  /** Role name; naming it like the schema puts the schema first on the role's default search_path ("$user"). */
  role: string;
  schema: string;
  /** Set (or reset) the role's password. Sent to the server as a SCRAM verifier, never in clear text. */
  password?: string;
}

interface RoleRow {
  rolsuper: boolean;
  rolbypassrls: boolean;
  rolcanlogin: boolean;
}

/**
 * Idempotently creates a LOGIN, NOSUPERUSER, NOBYPASSRLS role and a schema owned by it in the
 * admin connection's database. An existing superuser or BYPASSRLS role is refused rather than
 * demoted: that role is somebody else's.
 *
 * Roles belong to the whole server while schemas belong to one database, so calling this for the
 * same role in several databases (parallel test databases) is expected and safe.
 */
export async function provisionServiceRole(adminPool: Pool, options: ServiceRoleOptions): Promise<void> {
  const { role, schema, password } = options;
  assertIdentifier('role', role);
  assertIdentifier('schema', schema);
  if (password !== undefined && password === '') throw new TypeError('password must not be empty');

  await retryOnCatalogRace(() => ensureRole(adminPool, role, password));
  await withTransaction(adminPool, async (client) => {
    // Per-database lock: two provisioners of the same schema in one database take turns.
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryLockKey('provision', schema)]);
    await ensureSchemaOwnedBy(client, schema, role);
  });
}

async function ensureRole(adminPool: Pool, role: string, password: string | undefined): Promise<void> {
  const passwordClause =
    password === undefined ? '' : ` PASSWORD ${quoteLiteral(scramSha256Verifier(password))}`;
  const { rows } = await adminPool.query<RoleRow>(
    'SELECT rolsuper, rolbypassrls, rolcanlogin FROM pg_catalog.pg_roles WHERE rolname = $1',
    [role],
  );
  const existing = rows[0];
  if (existing === undefined) {
    await adminPool.query(
      `CREATE ROLE ${quoteIdentifier(role)} LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE${passwordClause}`,
    );
    return;
  }
  if (existing.rolsuper || existing.rolbypassrls) {
    throw new Error(
      `role "${role}" exists with SUPERUSER or BYPASSRLS; a service role must be subject to row-level security`,
    );
  }
  if (!existing.rolcanlogin || passwordClause !== '') {
    await adminPool.query(`ALTER ROLE ${quoteIdentifier(role)} LOGIN${passwordClause}`);
  }
}

async function ensureSchemaOwnedBy(client: PoolClient, schema: string, role: string): Promise<void> {
  const { rows } = await client.query<{ owner: string }>(
    'SELECT pg_catalog.pg_get_userbyid(nspowner) AS owner FROM pg_catalog.pg_namespace WHERE nspname = $1',
    [schema],
  );
  const owner = rows[0]?.owner;
  if (owner === undefined) {
    await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)} AUTHORIZATION ${quoteIdentifier(role)}`);
  } else if (owner !== role) {
    await client.query(`ALTER SCHEMA ${quoteIdentifier(schema)} OWNER TO ${quoteIdentifier(role)}`);
  }
}

/**
 * Two provisioners creating or altering the same role at once (parallel test files, replicas of a
 * deploy job) collide in the shared role catalog: a duplicate on CREATE, "tuple concurrently
 * updated" on ALTER. The second attempt sees the role and converges.
 */
async function retryOnCatalogRace(action: () => Promise<void>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await action();
      return;
    } catch (error) {
      if (attempt >= 5 || !isCatalogRace(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20 * attempt));
    }
  }
}

function isCatalogRace(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  return (
    code === '42710' /* duplicate_object */ ||
    code === '23505' /* unique_violation on pg_authid */ ||
    (code === 'XX000' && error.message.includes('tuple concurrently updated'))
  );
}

/**
 * The SCRAM-SHA-256 verifier Postgres stores for a password (RFC 5802/7677), computed here so the
 * clear-text password never reaches the server's statement log. Like node-postgres, the password
 * is used as its UTF-8 bytes without SASLprep, which is the same for ASCII passwords.
 */
export function scramSha256Verifier(
  password: string,
  salt: Buffer = randomBytes(16),
  iterations = 4096,
): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

/**
 * The admin URL with another role and password (or none): same host, port, database and
 * parameters. The admin's password never survives into the result.
 */
export function serviceDatabaseUrl(adminUrl: string, role: string, password?: string): string {
  assertIdentifier('role', role);
  let url: URL;
  try {
    url = new URL(adminUrl);
  } catch {
    throw new TypeError('database URL is not a valid URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TypeError(`database URL must start with postgres:// (got ${url.protocol}//)`);
  }
  url.username = role;
  url.password = password ?? '';
  // libpq-style ?user=/?password= parameters would override the URL's own user and password.
  url.searchParams.delete('user');
  url.searchParams.delete('password');
  return url.toString();
}
