// Runs under this project's globalSetup: proves that what the setup provides reaches the
// workers through the environment, and that both parts answer.
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '@careline/db/testing';
import { testEnv } from './env';

describe('global setup', { timeout: 60_000 }, () => {
  it('hands DATABASE_URL and KAFKA_BROKERS to the test workers, and both answer', async () => {
    const env = testEnv();
    const client = new pg.Client({ connectionString: env.databaseUrl });
    await client.connect();
    const { rows } = await client.query<{ one: number }>('SELECT 1 AS one');
    await client.end();
    expect(rows).toEqual([{ one: 1 }]);

    const admin = new Kafka({
      clientId: 'testing-int',
      brokers: env.kafkaBrokers.split(','),
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.disconnect();
    expect(cluster.brokers.length).toBeGreaterThan(0);
  });

  it('creates a private database per call and drops it', async () => {
    const db = await createTestDatabase();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    await client.end();
    expect(rows[0]?.name).toBe(db.name);

    await db.drop();
    const admin = new pg.Client({ connectionString: testEnv().databaseUrl });
    await admin.connect();
    const left = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [db.name]);
    await admin.end();
    expect(left.rowCount).toBe(0);
  });
});
