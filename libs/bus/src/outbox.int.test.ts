// The transactional outbox end to end against the real Postgres and Kafka: an event written with
// the business change reaches a consumer whose effect exists exactly once, even when Kafka
// delivers the message twice or the relay crashes between send and delete.
import { randomUUID } from 'node:crypto';
import { withTransaction } from '@careline/db';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusConsumer, createConsumer, defineHandler } from './consumer';
import { toKafkaMessage } from './envelope';
import {
  type BusTestEnv,
  type TestPayload,
  fastConsumer,
  memoryLogger,
  schema,
  startBusTestEnv,
  tenantId,
  testDescriptor,
} from './int-test-support';
import { ensureTopics } from './kafka';
import { enqueue } from './outbox/enqueue';
import { type OutboxRelay, createOutboxRelay } from './outbox/relay';
import { type BusProducer, createProducer } from './producer';
import { readTopic } from './testing';

let env: BusTestEnv;
let producer: BusProducer;
let consumer: BusConsumer;
const topic = uniqueName('bus_outbox');
const descriptor = testDescriptor(topic);
const source = '/careline/bus-test';

beforeAll(async () => {
  env = await startBusTestEnv(testEnv().kafkaBrokers.split(','));
  await ensureTopics(env.kafka, [{ topic, numPartitions: 3, dlq: true }]);
  producer = createProducer(env.kafka);
  await producer.start();
  consumer = createConsumer({
    kafka: env.kafka,
    groupId: uniqueName('bus_outbox_group'),
    pool: env.pool,
    schema,
    producer,
    ...fastConsumer,
    handlers: [
      defineHandler(descriptor, async (payload, ctx) => {
        await ctx.client.query(`INSERT INTO ${schema}.effects (event_id, n) VALUES ($1, $2)`, [
          ctx.id,
          payload.n,
        ]);
      }),
    ],
  });
  await consumer.start();
});

afterAll(async () => {
  await consumer?.stop();
  await producer?.stop();
  await env?.close();
});

async function effectCount(eventId: string): Promise<number> {
  const { rows } = await env.pool.query<{ count: string }>(
    `SELECT count(*) FROM ${schema}.effects WHERE event_id = $1`,
    [eventId],
  );
  return Number(rows[0]?.count);
}

async function outboxSize(): Promise<number> {
  const { rows } = await env.pool.query<{ count: string }>(`SELECT count(*) FROM ${schema}.outbox`);
  return Number(rows[0]?.count);
}

/** Writes an event through the outbox in a committed transaction; returns its ce_id. */
function enqueueCommitted(key: string, payload: TestPayload): Promise<string> {
  return withTransaction(env.pool, (client) =>
    enqueue(client, schema, descriptor, { key, tenantId, source, payload }),
  );
}

/**
 * Sends a later event on the same key (so the same partition) through the outbox and waits until
 * its effect exists: everything before it on that partition has then been handled too.
 */
async function flush(relay: OutboxRelay | undefined, key: string): Promise<void> {
  const id = await enqueueCommitted(key, { n: -1, fail: 'never' });
  const ownRelay = relay ?? createOutboxRelay({ pool: env.pool, schema, producer, pollIntervalMs: 200 });
  if (relay === undefined) await ownRelay.start();
  try {
    await waitFor(async () => (await effectCount(id)) === 1, {
      message: 'the flush event to be handled',
      timeoutMs: 20_000,
    });
  } finally {
    if (relay === undefined) await ownRelay.stop();
  }
}

describe('transactional outbox', () => {
  it('delivers a committed event whose effect exists once, even when Kafka delivers it twice', async () => {
    const relay = createOutboxRelay({ pool: env.pool, schema, producer, pollIntervalMs: 200 });
    await relay.start();
    try {
      const key = `${tenantId}:a`;
      const id = await enqueueCommitted(key, { n: 1, fail: 'never' });
      await waitFor(async () => (await effectCount(id)) === 1, {
        message: 'the outbox event to be handled',
        timeoutMs: 20_000,
      });
      expect(await outboxSize()).toBe(0);

      // The identical message (same ce_id, same bytes) twice more, as a redelivery would bring it.
      const duplicate = toKafkaMessage(descriptor, {
        id,
        key,
        tenantId,
        source,
        payload: { n: 1, fail: 'never' },
      });
      await producer.sendRecords([duplicate, duplicate]);
      await flush(relay, key);
      const copies = await readTopic(env.kafka, topic, {
        until: (records) => records.filter((r) => r.headers.ce_id === id).length >= 3,
      });
      expect(copies.filter((r) => r.headers.ce_id === id)).toHaveLength(3);
      expect(await effectCount(id)).toBe(1);
    } finally {
      await relay.stop();
    }
  });

  it('re-sends a batch when the relay crashes between send and delete; the effect still happens once', async () => {
    const key = `${tenantId}:b`;
    const id = await enqueueCommitted(key, { n: 2, fail: 'never' });
    let crashed = false;
    // The first relay dies right after Kafka acknowledged the batch, before deleting the rows.
    const crashing: OutboxRelay = createOutboxRelay({
      pool: env.pool,
      schema,
      producer,
      pollIntervalMs: 200,
      afterSend: () => {
        crashed = true;
        void crashing.stop();
        throw new Error('simulated crash between send and commit');
      },
    });
    await crashing.start();
    await waitFor(() => crashed, { message: 'the relay to send and crash' });
    await crashing.stop();
    expect(await outboxSize()).toBe(1);

    const successor = createOutboxRelay({ pool: env.pool, schema, producer, pollIntervalMs: 200 });
    await successor.start();
    try {
      await waitFor(async () => (await outboxSize()) === 0, {
        message: 'the successor to re-send and delete',
      });
      await flush(successor, key);
    } finally {
      await successor.stop();
    }
    const copies = await readTopic(env.kafka, topic, {
      until: (records) => records.filter((r) => r.headers.ce_id === id).length >= 2,
    });
    expect(copies.filter((r) => r.headers.ce_id === id)).toHaveLength(2);
    expect(await effectCount(id)).toBe(1);
  });

  it('publishes nothing for a rolled-back transaction', async () => {
    const key = `${tenantId}:c`;
    const id = randomUUID();
    await expect(
      withTransaction(env.pool, async (client) => {
        await enqueue(client, schema, descriptor, {
          id,
          key,
          tenantId,
          source,
          payload: { n: 3, fail: 'never' },
        });
        throw new Error('business rule failed');
      }),
    ).rejects.toThrow('business rule failed');
    expect(await outboxSize()).toBe(0);
    // The flush event follows on the same partition: once it is handled, the rolled-back one
    // would have been too, had it been sent.
    await flush(undefined, key);
    expect(await effectCount(id)).toBe(0);
    const records = await readTopic(env.kafka, topic, { until: (all) => all.some((r) => r.key === key) });
    expect(records.some((r) => r.headers.ce_id === id)).toBe(false);
  });

  it('keeps one active relay per schema; a standby takes over when it stops', async () => {
    const firstLog = memoryLogger();
    const secondLog = memoryLogger();
    const options = { pool: env.pool, schema, producer, pollIntervalMs: 200, standbyIntervalMs: 100 };
    const first = createOutboxRelay({ ...options, logger: firstLog });
    const second = createOutboxRelay({ ...options, logger: secondLog });
    await first.start();
    await waitFor(() => first.isActive(), { message: 'the first relay to become active' });
    await second.start();
    try {
      // The standby tried the lock several times and never got it.
      await waitFor(
        () => secondLog.entries.filter((e) => e.message === 'outbox relay standing by').length >= 3,
        {
          message: 'the standby to try the lock three times',
        },
      );
      expect(second.isActive()).toBe(false);
      expect(secondLog.entries.some((e) => e.message === 'outbox relay active')).toBe(false);

      await first.stop();
      await waitFor(() => second.isActive(), { message: 'the standby to take over' });
      const id = await enqueueCommitted(`${tenantId}:d`, { n: 4, fail: 'never' });
      await waitFor(async () => (await effectCount(id)) === 1, {
        message: 'the event sent by the new active relay',
      });
    } finally {
      await first.stop();
      await second.stop();
    }
  });
});
