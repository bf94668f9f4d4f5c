// Forward-only, numbered migrations per service schema. Each service (and each library that owns
// tables inside a service's schema, as a "component") keeps files `NNNN_name.sql`; the service
// applies the missing ones at start, each in its own transaction, under an advisory lock so that
// replicas starting together do not race. Applied migrations are never edited: the checksum
// recorded with each one turns an edit into a start-up error instead of silent drift.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { type DbLogger, type Pool, type PoolClient, describeError } from './pool';
import { advisoryLockKey, assertIdentifier, quoteIdentifier } from './sql';

export interface Migration {
  readonly version: number;
  /** The file name's part after the number, e.g. `create_conversations`. */
  readonly name: string;
  readonly sql: string;
  /** SHA-256 (hex) of the SQL after line-ending normalisation. */
  readonly checksum: string;
}

export interface MigrationSource {
  version: number;
  name: string;
  sql: string;
}

export interface MigrationFile {
  fileName: string;
  sql: string;
}

/** A migration list, a migration file or a migration run is wrong; the message names which. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

const fileNamePattern = /^(\d{4})_([a-z0-9]+(?:_[a-z0-9]+)*)\.sql$/;
const namePattern = /^[a-z0-9]+(?:_[a-z0-9]+)*$/;

export function formatMigrationFileName(version: number, name: string): string {
  return `${String(version).padStart(4, '0')}_${name}.sql`;
}

/** `0003_add_status.sql` → `{ version: 3, name: 'add_status' }`; anything else throws. */
export function parseMigrationFileName(fileName: string): { version: number; name: string } {
  const match = fileNamePattern.exec(fileName);
  if (match === null) {
    throw new MigrationError(
      `migration file ${JSON.stringify(fileName)} is not named NNNN_name.sql (four digits, then lower-case words joined by _)`,
    );
  }
  return { version: Number(match[1]), name: match[2] ?? '' };
}

/**
 * Checksums are taken over the text with a byte-order mark removed and CRLF turned into LF, so a
 * checkout on Windows does not look like an edit. Any other change, whitespace included, does.
 */
export function migrationChecksum(sql: string): string {
  return createHash('sha256').update(normaliseSql(sql)).digest('hex');
}

function normaliseSql(sql: string): string {
  return sql.replace(/^\uFEFF/, '').replace(/\r\n/g, '\n');
}

/**
 * Validates and sorts a migration list written in code (libraries that are bundled into apps
 * cannot rely on .sql files next to them). Versions must run 1, 2, 3… without gaps or
 * duplicates: a gap usually means a deleted migration, a duplicate two branches that both added
 * the next number.
 */
export function defineMigrations(sources: readonly MigrationSource[]): Migration[] {
  const sorted = [...sources].sort((a, b) => a.version - b.version);
  sorted.forEach((source, index) => {
    const label = formatMigrationFileName(source.version, source.name);
    if (!Number.isInteger(source.version) || source.version < 1 || source.version > 9999) {
      throw new MigrationError(`migration ${label}: version must be an integer from 1 to 9999`);
    }
    if (!namePattern.test(source.name)) {
      throw new MigrationError(`migration ${label}: name must be lower-case words joined by _`);
    }
    if (normaliseSql(source.sql).trim() === '') {
      throw new MigrationError(`migration ${label} is empty`);
    }
    const previous = sorted[index - 1];
    if (previous !== undefined && previous.version === source.version) {
      throw new MigrationError(
        `migrations ${formatMigrationFileName(previous.version, previous.name)} and ${label} have the same number`,
      );
    }
    if (source.version !== index + 1) {
      throw new MigrationError(
        `migration ${label} is out of sequence: expected number ${String(index + 1).padStart(4, '0')} (numbering starts at 0001 and has no gaps)`,
      );
    }
  });
  return sorted.map((source) => ({
    version: source.version,
    name: source.name,
    sql: source.sql,
    checksum: migrationChecksum(source.sql),
  }));
}

/** {@link defineMigrations} for `NNNN_name.sql` files already read into memory. */
export function migrationsFromFiles(files: readonly MigrationFile[]): Migration[] {
  return defineMigrations(files.map((file) => ({ ...parseMigrationFileName(file.fileName), sql: file.sql })));
}

/**
 * Reads the `*.sql` files of a directory (other files, such as a README, are ignored), e.g.
 * `await loadMigrations(new URL('./migrations/', import.meta.url))`.
 */
export async function loadMigrations(dir: string | URL): Promise<Migration[]> {
  const path = dir instanceof URL || dir.startsWith('file:') ? fileURLToPath(dir) : dir;
  const entries = await readdir(path, { withFileTypes: true });
  const files: MigrationFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.') || !entry.name.toLowerCase().endsWith('.sql')) continue;
    files.push({ fileName: entry.name, sql: await readFile(`${path}/${entry.name}`, 'utf8') });
  }
  return migrationsFromFiles(files);
}

/**
 * The component under which this library keeps its own objects in every schema. Like any applied
 * migration these are never edited (hence the SQL is spelled out rather than built from
 * CURRENT_TENANT_SQL): a change is a new numbered entry.
 */
const libraryComponent = 'db';

const libraryMigrations = defineMigrations([
  {
    version: 1,
    name: 'current_tenant',
    sql: `
CREATE FUNCTION current_tenant() RETURNS uuid
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT nullif(pg_catalog.current_setting('app.tenant_id', true), '')::uuid $$;
COMMENT ON FUNCTION current_tenant() IS
  'The tenant set by withTenant for the current transaction, NULL when none (see @careline/db README).';
`,
  },
]);

export interface RunMigrationsOptions {
  /** The service's schema; created when missing. */
  schema: string;
  /** Whose migrations these are: `app` (default) for the service, e.g. `bus` for libs/bus. */
  component?: string;
  migrations: readonly Migration[];
  /** Limit for each statement of a migration. Default: none (a migration may rebuild a big index). */
  statementTimeoutMs?: number;
  logger?: DbLogger;
}

export interface MigrationRun {
  schema: string;
  component: string;
  /** Migrations applied by this call, in order; empty when the schema was already up to date. */
  applied: { version: number; name: string }[];
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Brings `schema` up to date for one component. Safe to call from every replica at start: the
 * first one to take the schema's advisory lock applies what is missing, the others wait and then
 * find nothing to do.
 *
 * Each migration runs in its own transaction with `search_path` set to the schema, so migration
 * files use unqualified names (`CREATE TABLE conversations …`, `current_tenant()`). Migrations
 * must not contain transaction control or statements that cannot run in a transaction
 * (`CREATE INDEX CONCURRENTLY`).
 */
export async function runMigrations(pool: Pool, options: RunMigrationsOptions): Promise<MigrationRun> {
  const { schema, migrations } = options;
  const component = options.component ?? 'app';
  assertIdentifier('schema', schema);
  assertIdentifier('component', component);
  if (component === libraryComponent) {
    throw new MigrationError(`component name "${libraryComponent}" is reserved for @careline/db itself`);
  }
  // The list may have been assembled by hand rather than by defineMigrations: check it again.
  defineMigrations(migrations);
  for (const migration of migrations) {
    if (migration.checksum !== migrationChecksum(migration.sql)) {
      throw new MigrationError(`migration ${component}/${label(migration)}: checksum does not match its SQL`);
    }
  }

  const lockKey = advisoryLockKey('migrations', schema);
  const client = await pool.connect();
  // Any failure destroys the connection instead of returning it to the pool: closing the session
  // also drops the advisory lock and any session setting, whatever state the failure left.
  let failure: Error | undefined;
  try {
    // Waiting for another replica's migrations may take longer than the pool's statement timeout.
    await client.query('SET statement_timeout = 0');
    await client.query('SELECT pg_advisory_lock($1::bigint)', [lockKey]);
    try {
      await ensureSchema(client, schema);
      const run = { schema, statementTimeoutMs: options.statementTimeoutMs ?? 0, logger: options.logger };
      await applyComponent(client, { ...run, component: libraryComponent, migrations: libraryMigrations });
      const applied = await applyComponent(client, { ...run, component, migrations });
      return { schema, component, applied };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1::bigint)', [lockKey]).catch((error: unknown) => {
        failure ??= toError(error);
      });
    }
  } catch (error) {
    failure ??= toError(error);
    throw error;
  } finally {
    if (failure === undefined) {
      await client.query('RESET statement_timeout').catch((error: unknown) => {
        failure = toError(error);
      });
    }
    client.release(failure);
  }
}

async function ensureSchema(client: PoolClient, schema: string): Promise<void> {
  // Checked before creating: CREATE SCHEMA IF NOT EXISTS needs the CREATE privilege on the
  // database even when the schema exists, and a service role owns its schema without having it.
  const { rowCount } = await client.query('SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1', [
    schema,
  ]);
  if (rowCount === 0) {
    await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  }
  const table = `${quoteIdentifier(schema)}.schema_migrations`;
  const { rows } = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
    table,
  ]);
  if (rows[0]?.exists !== true) {
    await client.query(`
      CREATE TABLE ${table} (
        component text NOT NULL,
        version integer NOT NULL,
        name text NOT NULL,
        checksum text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (component, version)
      )`);
  }
}

interface ComponentRun {
  schema: string;
  component: string;
  migrations: readonly Migration[];
  statementTimeoutMs: number;
  logger: DbLogger | undefined;
}

async function applyComponent(client: PoolClient, run: ComponentRun): Promise<MigrationRun['applied']> {
  const { schema, component, migrations } = run;
  const table = `${quoteIdentifier(schema)}.schema_migrations`;
  const { rows: appliedRows } = await client.query<AppliedRow>(
    `SELECT version, name, checksum FROM ${table} WHERE component = $1 ORDER BY version`,
    [component],
  );
  const appliedByVersion = new Map(appliedRows.map((row) => [row.version, row]));
  for (const migration of migrations) {
    const applied = appliedByVersion.get(migration.version);
    if (applied !== undefined && applied.checksum !== migration.checksum) {
      throw new MigrationError(
        `migration ${component}/${label(migration)} in schema "${schema}" differs from the one applied ` +
          `(${String(applied.version).padStart(4, '0')}_${applied.name}, checksum changed): ` +
          'applied migrations are never edited, add a new migration instead',
      );
    }
  }
  // Versions applied by a newer release that this code does not know are fine (rolling deploys
  // run old and new code side by side); a gap below the newest applied version is not.
  const latestApplied = appliedRows.at(-1)?.version ?? 0;
  const pending = migrations.filter((migration) => !appliedByVersion.has(migration.version));
  const outOfOrder = pending.find((migration) => migration.version < latestApplied);
  if (outOfOrder !== undefined) {
    throw new MigrationError(
      `migration ${component}/${label(outOfOrder)} in schema "${schema}" is missing although a later one ` +
        `(${String(latestApplied).padStart(4, '0')}) is applied: migrations must be applied in order`,
    );
  }

  const done: MigrationRun['applied'] = [];
  for (const migration of pending) {
    try {
      await client.query('BEGIN');
      await client.query(
        "SELECT set_config('search_path', $1, true), set_config('statement_timeout', $2, true)",
        [quoteIdentifier(schema), String(run.statementTimeoutMs)],
      );
      await client.query(migration.sql);
      await client.query(
        `INSERT INTO ${table} (component, version, name, checksum) VALUES ($1, $2, $3, $4)`,
        [component, migration.version, migration.name, migration.checksum],
      );
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      const { message, code } = describeError(error);
      throw new MigrationError(
        `migration ${component}/${label(migration)} in schema "${schema}" failed: ${message}${code === undefined ? '' : ` (${code})`}`,
        { cause: error },
      );
    }
    run.logger?.info(
      // `migration`, not `name`: loggers redact `name` (it usually holds a person's name)
      { schema, component, version: migration.version, migration: migration.name },
      'applied migration',
    );
    done.push({ version: migration.version, name: migration.name });
  }
  return done;
}

function label(migration: Pick<Migration, 'version' | 'name'>): string {
  return formatMigrationFileName(migration.version, migration.name);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error('non-error thrown');
}
