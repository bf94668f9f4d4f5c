// Pools with guardrails: server-side timeouts so a stuck query or an abandoned transaction cannot
// hold locks forever, a connect timeout so start-up fails instead of hanging, and error listeners
// so a connection dropped by the server (failover, restart, pg_terminate_backend) is reported
// instead of crashing the process with an unhandled 'error' event.
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: a pool or a client inside a transaction. */
export type Queryable = Pick<pg.PoolClient, 'query'>;

/** The slice of a logger this library uses; a pino logger fits. */
export interface DbLogger {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface PoolOptions {
  /** `postgres://role[:password]@host:port/database`; the password is never logged. */
  url: string;
  /** Shown in `pg_stat_activity.application_name`, so operators can tell services apart. */
  applicationName: string;
  /** Connections kept at most; size it against the server's `max_connections` and replicas. Default 10. */
  max?: number;
  /** Server cancels any statement running longer. Default 10 000 ms; 0 disables. */
  statementTimeoutMs?: number;
  /** Server closes a session idle inside an open transaction this long. Default 60 000 ms; 0 disables. */
  idleInTransactionTimeoutMs?: number;
  /** How long to wait for a new connection before failing. Default 10 000 ms. */
  connectionTimeoutMs?: number;
  /** Receives connection errors that happen outside a query. Without it they are swallowed. */
  logger?: DbLogger;
}

export function createPool(options: PoolOptions): Pool {
  const target = describeDatabaseTarget(options.url);
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: options.applicationName,
    max: options.max ?? 10,
    statement_timeout: options.statementTimeoutMs ?? 10_000,
    idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 60_000,
    connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
    keepAlive: true,
  });
  const report = (error: Error): void => {
    options.logger?.warn({ err: describeError(error), database: target }, 'database connection error');
  };
  // An 'error' event without a listener throws. The pool emits it for idle clients; a client that
  // is checked out emits it on itself when the server drops it between two queries (the next
  // query then fails on its own). The client listener reports both cases, once; the pool listener
  // only keeps the event from becoming an uncaught exception.
  pool.on('connect', (client) => {
    client.on('error', report);
  });
  pool.on('error', () => undefined);
  return pool;
}

/** Thrown by {@link checkDatabase}; `message` is one line, without credentials. */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(
    message: string,
    /** The driver's or the server's code, e.g. `ECONNREFUSED`, `28P01`, `3D000`, or `TIMEOUT`. */
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Resolves when the database answers `SELECT 1`; otherwise throws a {@link DatabaseUnavailableError}
 * whose message is a single line such as `database unreachable at 127.0.0.1:5432 (ECONNREFUSED)`.
 * Meant for start-up and readiness checks, where a wall of nested driver errors hides the cause.
 */
export async function checkDatabase(pool: Pool): Promise<void> {
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    throw toUnavailableError(error, describePoolTarget(pool));
  }
}

function toUnavailableError(error: unknown, target: DatabaseTarget): DatabaseUnavailableError {
  const code = errorCode(error);
  const message = error instanceof Error ? firstLine(error.message) : '';
  // A server-side code (five characters, SQLSTATE) means we reached Postgres and it said no.
  if (code !== undefined && /^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) {
    return new DatabaseUnavailableError(
      `database at ${target.hostPort}/${target.database} refused the connection: ${message} (${code})`,
      code,
    );
  }
  if (code !== undefined) {
    return new DatabaseUnavailableError(`database unreachable at ${target.hostPort} (${code})`, code);
  }
  if (/timeout/i.test(message)) {
    return new DatabaseUnavailableError(
      `database unreachable at ${target.hostPort} (connection timeout)`,
      'TIMEOUT',
    );
  }
  return new DatabaseUnavailableError(
    `database unreachable at ${target.hostPort} (${message || 'unknown error'})`,
    'UNKNOWN',
  );
}

/**
 * The code of a driver or server error. Node reports "localhost" attempts on several addresses
 * as an AggregateError; its code (or the first inner one) is the useful part, the rest is noise.
 */
function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const innerCode = errorCode(inner);
      if (innerCode !== undefined) return innerCode;
    }
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause === undefined ? undefined : errorCode(cause);
}

function firstLine(text: string): string {
  return text.split('\n', 1)[0] ?? '';
}

/** Only what is safe to log about an error: its message's first line and its code. */
export function describeError(error: unknown): { message: string; code?: string } {
  const message = error instanceof Error ? firstLine(error.message) : 'non-error thrown';
  const code = errorCode(error);
  return code === undefined ? { message } : { message, code };
}

export interface DatabaseTarget {
  /** `host:port`, or the socket directory and port. */
  hostPort: string;
  database: string;
}

/** Where a connection URL points, without user or password, for messages and logs. */
export function describeDatabaseTarget(url: string): DatabaseTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { hostPort: 'an unparsable URL', database: '?' };
  }
  // A socket directory travels as ?host=/path when the URL has no host part.
  const host = parsed.hostname || parsed.searchParams.get('host') || 'localhost';
  const port = parsed.port || '5432';
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || '?';
  return { hostPort: `${host}:${port}`, database };
}

function describePoolTarget(pool: Pool): DatabaseTarget {
  const { connectionString, host, port, database } = pool.options;
  if (connectionString !== undefined) return describeDatabaseTarget(connectionString);
  return { hostPort: `${host ?? 'localhost'}:${port ?? 5432}`, database: database ?? '?' };
}
