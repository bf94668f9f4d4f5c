// The bus's metrics against the real Kafka and Postgres, read the way Prometheus reads them (the
// registry's text exposition, what every app serves at /metrics): consumer lag from the broker,
// dead letters by reason, and the outbox backlog while the relay cannot finish a batch.
import { withTransaction } from '@careline/db';
import { createMetrics } from '@careline/runtime';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer, defineHandler } from './consumer';
import { toKafkaMessage } from './envelope';
import {
  type BusTestEnv,
  type TestPayload,
  fastConsumer,
  schema,
  startBusTestEnv,
  tenantId,
  testDescriptor,
} from './int-test-support';
import { ensureTopics } from './kafka';
import { createBusMetrics } from './metrics';
import { enqueue } from './outbox/enqueue';
import { createOutboxRelay } from './outbox/relay';
import { type BusProducer, createProducer } from './producer';

let env: BusTestEnv;
let producer: BusProducer;
const source = '/careline/bus-test';

beforeAll(async () => {
  env = await startBusTestEnv(testEnv().kafkaBrokers.split(','));
  producer = createProducer(env.kafka, { sendTimeoutMs: 2_000 });
  await producer.start();
});

afterAll(async () => {
  await producer?.stop();
  await env?.close();
});

/** The value of one series in the exposition text, undefined when the series is absent. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const close = line.lastIndexOf('}');
    const found = new Map([...line.slice(name.length + 1, close).matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => found.get(key) === value)) return Number(line.slice(close + 1));
  }
  return undefined;
}

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('consumer metrics', () => {
  it('reports the lag per partition from the broker, and dead letters by reason', async () => {
    const topic = uniqueName('bus_metrics');
    const group = uniqueName('bus_metrics_group');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 2, dlq: true }]);
    const registry = createMetrics({ defaultMetrics: false });
    const metrics = createBusMetrics(registry);

    // Three records on partition of one key, written before the group ever ran.
    const key = `${tenantId}:lag`;
    const published = [];
    for (const n of [1, 2, 3]) published.push(await producer.publish(descriptor, { key, tenantId, source, payload: { n, fail: 'never' } }));
    const partition = String(published[0]?.partition);
    const other = partition === '0' ? '1' : '0';

    const release = gate();
    const seen: number[] = [];
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: group,
      pool: env.pool,
      schema,
      producer,
      metrics,
      maxAttempts: 2,
      backoff: { initialMs: 10, maxMs: 20 },
      ...fastConsumer,
      handlers: [
        defineHandler(descriptor, async (payload: TestPayload) => {
          await release.opened;
          seen.push(payload.n);
          if (payload.fail === 'always') throw new Error('cannot handle this one');
          if (payload.fail === 'fatal') throw Object.assign(new Error('invalid'), { code: 'thing_invalid', retryable: false });
        }),
      ],
    });
    await consumer.start();
    try {
      // Held at the first record: nothing committed, all three waiting.
      const held = await registry.metrics();
      expect(sample(held, 'kafka_consumer_lag', { group, topic, partition })).toBe(3);
      expect(sample(held, 'kafka_consumer_lag', { group, topic, partition: other })).toBe(0);

      release.open();
      await waitFor(async () => sample(await registry.metrics(), 'kafka_consumer_lag', { group, topic, partition }) === 0, {
        message: 'the lag to drop to 0 once the records are handled and committed',
      });
      expect(seen).toEqual([1, 2, 3]);

      // Dead letters: one poison record, one that exhausts its attempts, one non-retryable.
      const poison = toKafkaMessage(descriptor, { key, tenantId, source, payload: { n: 4, fail: 'never' } });
      poison.value = Buffer.from('not the payload type');
      await producer.sendRecords([poison]);
      await producer.publish(descriptor, { key, tenantId, source, payload: { n: 5, fail: 'always' } });
      await producer.publish(descriptor, { key, tenantId, source, payload: { n: 6, fail: 'fatal' } });
      await waitFor(async () => sample(await registry.metrics(), 'kafka_consumer_lag', { group, topic, partition }) === 0 && seen.includes(6), {
        message: 'the three failing records to be dead-lettered and committed',
      });
      const after = await registry.metrics();
      const dead = (reason: string) => sample(after, 'bus_dead_letters_total', { group, topic, reason });
      expect([dead('poison'), dead('attempts_exhausted'), dead('non_retryable')]).toEqual([1, 1, 1]);
    } finally {
      await consumer.stop();
    }
    // A stopped consumer reports nothing rather than its last lag.
    expect(sample(await registry.metrics(), 'kafka_consumer_lag', { group, topic, partition })).toBeUndefined();
  });
});

describe('outbox metrics', () => {
  it('reports the events waiting in the outbox and the age of the oldest, down to 0 once sent', async () => {
    const topic = uniqueName('bus_metrics_outbox');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const registry = createMetrics({ defaultMetrics: false });
    const metrics = createBusMetrics(registry);

    await withTransaction(env.pool, async (client) => {
      for (const n of [1, 2]) await enqueue(client, schema, descriptor, { key: `${tenantId}:o`, tenantId, source, payload: { n, fail: 'never' } });
    });
    // The relay sends the batch, then waits here before deleting it: the rows still count.
    const release = gate();
    const sending = gate();
    const relay = createOutboxRelay({
      pool: env.pool,
      schema,
      producer,
      metrics,
      pollIntervalMs: 50,
      afterSend: async () => {
        sending.open();
        await release.opened;
      },
    });
    await relay.start();
    try {
      await sending.opened;
      await new Promise((resolve) => setTimeout(resolve, 20));
      const waiting = await registry.metrics();
      expect(sample(waiting, 'outbox_backlog', { schema })).toBe(2);
      expect(sample(waiting, 'outbox_oldest_event_age_seconds', { schema })).toBeGreaterThan(0);

      release.open();
      await waitFor(async () => sample(await registry.metrics(), 'outbox_backlog', { schema }) === 0, {
        message: 'the backlog to drop to 0 once the batch is deleted',
      });
      expect(sample(await registry.metrics(), 'outbox_oldest_event_age_seconds', { schema })).toBe(0);
    } finally {
      await relay.stop();
    }
    expect(sample(await registry.metrics(), 'outbox_backlog', { schema })).toBeUndefined();
  });
});
