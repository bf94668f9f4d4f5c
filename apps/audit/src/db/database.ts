// The Postgres pool as a lifecycle resource: start checks the connection and applies audit's
// migrations and the bus tables (outbox, processed_events) in schema `audit`; stop closes the pool.
import { busMigrations } from '@careline/bus';
import { type Pool, checkDatabase, createPool, runMigrations } from '@careline/db';
import { type Logger, type Resource } from '@careline/runtime';
import { AUDIT_SCHEMA, auditMigrations } from './migrations';

export interface Database extends Resource {
  readonly pool: Pool;
  /** For readiness: throws (a one-line, credential-free error) when Postgres does not answer. */
  ping(): Promise<void>;
}

export function createDatabase(options: { url: string; max: number; logger: Logger }): Database {
  const pool = createPool({
    url: options.url,
    applicationName: 'careline-audit',
    max: options.max,
    logger: options.logger,
  });
  return {
    name: 'postgres',
    pool,
    async start() {
      await checkDatabase(pool);
      await runMigrations(pool, {
        schema: AUDIT_SCHEMA,
        migrations: auditMigrations,
        logger: options.logger,
      });
      await runMigrations(pool, {
        schema: AUDIT_SCHEMA,
        component: 'bus',
        migrations: busMigrations,
        logger: options.logger,
      });
    },
    async stop() {
      await pool.end();
    },
    ping: () => checkDatabase(pool),
  };
}
