// The outbox relay: sends what services wrote to their outbox, in id order, then deletes it.
//
// Replicas: every replica of a service runs a relay, but only one per schema is active. It holds a
// session-level advisory lock on a dedicated connection for as long as it runs; the others stand
// by, trying the lock every `standbyIntervalMs`. When the active one stops or dies its session ends,
// Postgres drops the lock, and a standby takes over. One sender per schema is what keeps the
// outbox order (and so per-key order) on the topic; throughput is one batch in flight at a time.
//
// Delivery: rows are deleted only after Kafka acknowledged them. A crash between the two re-sends
// the batch (at-least-once); the messages are identical, and consumers drop them by ce_id.
import { type Pool, type PoolClient } from '@careline/db';
import { z } from 'zod';
import { type KafkaRecord } from '../envelope';
import { describeFailure } from '../errors';
import { type BusLogger, silentLogger } from '../logger';
import { type BusMetrics, type OutboxBacklog } from '../metrics';
import { type BusProducer } from '../producer';
import { type Resource } from '../resource';
import { outboxChannel } from './migrations';
import { advisoryLockKey, qualified } from './sql';

export interface OutboxRelayOptions {
  pool: Pool;
  /** The service schema whose outbox to drain (bus migrations applied). */
  schema: string;
  /** A started producer (start it before the relay, stop it after). */
  producer: Pick<BusProducer, 'sendRecords'>;
  logger?: BusLogger;
  /** Rows sent per Kafka batch. Default 100. */
  batchSize?: number;
  /** Fallback poll when no notification arrives (a lost NOTIFY, rows from before start). Default 1 000 ms. */
  pollIntervalMs?: number;
  /** How often a standby replica tries to become active. Default 2 000 ms. */
  standbyIntervalMs?: number;
  /**
   * Test seam: runs after a batch was acknowledged by Kafka and before its rows are deleted. A hook
   * that throws behaves like a crash at that point (rows stay, connection and lock are dropped).
   */
  afterSend?: (eventIds: readonly string[]) => Promise<void> | void;
  /** Where the backlog is reported (`createBusMetrics(registry)`). Default: not reported. */
  metrics?: BusMetrics;
}

export interface OutboxRelay extends Resource {
  /** True while this replica holds the lock and sends. */
  isActive(): boolean;
}

const rowSchema = z.object({
  id: z.string(),
  event_id: z.string(),
  topic: z.string(),
  key: z.string(),
  headers: z.record(z.string(), z.string()),
  payload: z.instanceof(Buffer),
});

export function createOutboxRelay(options: OutboxRelayOptions): OutboxRelay {
  const { pool, schema, producer } = options;
  const logger = options.logger ?? silentLogger;
  const batchSize = options.batchSize ?? 100;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const standbyIntervalMs = options.standbyIntervalMs ?? 2_000;
  const outbox = qualified(schema, 'outbox');
  const lockKey = advisoryLockKey('outbox-relay', schema);

  let running = false;
  let loop: Promise<void> | undefined;
  let connection: PoolClient | undefined;
  let active = false;
  // Wake-up signalling between LISTEN notifications, stop() and the loop.
  let pendingWake = false;
  let wake: (() => void) | undefined;

  const signal = (): void => {
    pendingWake = true;
    wake?.();
  };
  const onNotification = (message: { channel: string; payload?: string }): void => {
    if (message.channel === outboxChannel && message.payload === schema) signal();
  };

  const backlogRow = z.object({ count: z.coerce.number(), oldest_age_seconds: z.coerce.number().nullable() });
  /** What waits in the outbox, read through the pool (any replica can answer, active or not). */
  async function readBacklog(): Promise<OutboxBacklog> {
    const { rows } = await pool.query(
      `SELECT count(*) AS count, extract(epoch FROM clock_timestamp() - min(created_at)) AS oldest_age_seconds FROM ${outbox}`,
    );
    const row = backlogRow.parse(rows[0]);
    return { count: row.count, oldestAgeSeconds: Math.max(0, row.oldest_age_seconds ?? 0) };
  }
  let untrackBacklog: (() => void) | undefined;

  function sleep(ms: number): Promise<void> {
    if (pendingWake || !running) {
      pendingWake = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        pendingWake = false;
        resolve();
      }
      wake = done;
    });
  }

  /** Drops the dedicated connection; destroying it (not returning it to the pool) ends the lock and LISTEN. */
  function dropConnection(): void {
    if (connection === undefined) return;
    connection.removeListener('notification', onNotification);
    connection.removeListener('error', signal);
    connection.release(true);
    connection = undefined;
    if (active) logger.info({ schema }, 'outbox relay stood down');
    active = false;
  }

  /** Tries to become the active relay; true when this replica holds the lock. */
  async function acquire(): Promise<boolean> {
    const client = await pool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1::bigint) AS locked', [lockKey]);
      if (rows[0]?.locked !== true) {
        client.release();
        logger.debug({ schema }, 'outbox relay standing by');
        return false;
      }
      client.on('notification', onNotification);
      // A dropped connection wakes the loop, whose next query then fails and starts over.
      client.on('error', signal);
      connection = client;
      await client.query(`LISTEN ${outboxChannel}`);
      active = true;
      logger.info({ schema }, 'outbox relay active');
      return true;
    } catch (error) {
      if (connection === client) dropConnection();
      else client.release(true);
      throw error;
    }
  }

  /** Sends one batch; returns how many rows it sent. */
  async function drain(client: PoolClient): Promise<number> {
    const { rows } = await client.query(
      `SELECT id::text AS id, event_id::text AS event_id, topic, key, headers, payload FROM ${outbox} ORDER BY id LIMIT $1`,
      [batchSize],
    );
    if (rows.length === 0) return 0;
    const parsed = rows.map((row) => rowSchema.parse(row));
    const records: KafkaRecord[] = parsed.map((row) => ({
      topic: row.topic,
      key: row.key,
      value: row.payload,
      headers: row.headers,
    }));
    await producer.sendRecords(records);
    await options.afterSend?.(parsed.map((row) => row.event_id));
    await client.query(`DELETE FROM ${outbox} WHERE id = ANY($1::bigint[])`, [parsed.map((row) => row.id)]);
    logger.debug({ schema, count: parsed.length }, 'outbox batch sent');
    return parsed.length;
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (running) {
      try {
        if (connection === undefined && !(await acquire())) {
          await sleep(standbyIntervalMs);
          continue;
        }
        // Checked above or just acquired.
        const sent = await drain(connection as PoolClient);
        failures = 0;
        // A full batch means more may be waiting: go again without sleeping.
        if (sent < batchSize) await sleep(pollIntervalMs);
      } catch (error) {
        failures += 1;
        logger.warn({ schema, failures, err: describeFailure(error) }, 'outbox relay failed; retrying');
        dropConnection();
        await sleep(Math.min(200 * 2 ** Math.min(failures, 6), 10_000));
      }
    }
    dropConnection();
  }

  return {
    name: `outbox-relay:${schema}`,
    isActive: () => active,
    async start() {
      if (running) return;
      running = true;
      untrackBacklog = options.metrics?.trackOutbox(schema, readBacklog);
      loop = run();
      await Promise.resolve();
    },
    async stop() {
      if (!running) return;
      running = false;
      untrackBacklog?.();
      untrackBacklog = undefined;
      signal();
      await loop;
      loop = undefined;
    },
  };
}
