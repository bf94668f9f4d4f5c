// Shared set-up for this library's integration tests (not exported): a database of the test
// file's own with the bus migrations applied, a Kafka client, and a logger that remembers.
import { type Pool, createPool, runMigrations } from '@careline/db';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { z } from 'zod';
import { type BusKafka, createKafka } from './kafka';
import { type BusLogger } from './logger';
import { busMigrations } from './outbox/migrations';
import { jsonTestDescriptor } from './testing';

export interface LogEntry {
  level: 'error' | 'warn' | 'info' | 'debug';
  fields: Record<string, unknown>;
  message: string;
}

export function memoryLogger(): BusLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const at =
    (level: LogEntry['level']) =>
    (fields: Record<string, unknown>, message: string): void => {
      entries.push({ level, fields, message });
    };
  return { entries, error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') };
}

export const schema = 'svc';

export interface BusTestEnv {
  db: TestDatabase;
  pool: Pool;
  kafka: BusKafka;
  brokers: string[];
  close(): Promise<void>;
}

/** `brokers` from `testEnv()` (this file is not a test file, so it may not use @careline/testing itself). */
export async function startBusTestEnv(brokers: string[]): Promise<BusTestEnv> {
  const db = await createTestDatabase();
  const pool = createPool({ url: db.url, applicationName: 'bus-int-test', max: 8 });
  await runMigrations(pool, { schema, component: 'bus', migrations: busMigrations });
  // What handlers write: one row per handled event, deliberately without a unique key, so that a
  // duplicate effect would show up as a second row.
  await pool.query(
    `CREATE TABLE ${schema}.effects (event_id uuid NOT NULL, n integer NOT NULL, handled_at timestamptz NOT NULL DEFAULT clock_timestamp())`,
  );
  const kafka = createKafka({ brokers, clientId: 'bus-int-test', requestTimeoutMs: 5_000 });
  return {
    db,
    pool,
    kafka,
    brokers,
    async close() {
      await pool.end();
      await db.drop();
    },
  };
}

export const testPayload = z.object({
  n: z.number().int(),
  fail: z.enum(['never', 'always', 'fatal']).default('never'),
});
export type TestPayload = z.infer<typeof testPayload>;

export function testDescriptor(topic: string) {
  return jsonTestDescriptor(topic, 'careline.test.v1.Thing', testPayload);
}

/** Consumer timings that keep a test file in seconds. */
export const fastConsumer = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 6_000,
  maxWaitTimeMs: 100,
} as const;

export const tenantId = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
