// `inPartitionConcurrency` against the real Kafka and Postgres: messages of ONE partition run side
// by side across ordering keys, in order per key; a message that keeps failing holds its key (and
// the committed offset) but not the others; and a consumer stopped while a message is unfinished
// commits below it, so a restarted one processes everything exactly once in effect.
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusConsumer, type TransactionalContext, createConsumer, defineHandler } from './consumer';
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
import { dlqTopic, ensureTopics, physicalName } from './kafka';
import { type BusProducer, createProducer } from './producer';
import { readTopic } from './testing';

let env: BusTestEnv;
let producer: BusProducer;
const source = '/careline/bus-test';

beforeAll(async () => {
  env = await startBusTestEnv(testEnv().kafkaBrokers.split(','));
  producer = createProducer(env.kafka, { sendTimeoutMs: 5_000 });
  await producer.start();
});

afterAll(async () => {
  await producer?.stop();
  await env?.close();
});

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function effectCounts(ids: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await env.pool.query<{ event_id: string; count: string }>(
    `SELECT event_id, count(*) FROM ${schema}.effects WHERE event_id = ANY($1::uuid[]) GROUP BY event_id`,
    [ids],
  );
  return new Map(rows.map((row) => [row.event_id, Number(row.count)]));
}

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = env.kafka.client.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: physicalName(env.kafka, groupId), topics: [physicalName(env.kafka, topic)] });
    return Number(committed?.partitions.find((p) => p.partition === 0)?.offset ?? '-1');
  } finally {
    await admin.disconnect();
  }
}

/** `count` events on one partition (one Kafka key), payload n = 0…count-1, sent in one ordered batch. */
async function produce(topic: string, count: number, fail: (n: number) => TestPayload['fail'] = () => 'never') {
  const descriptor = testDescriptor(topic);
  const records = Array.from({ length: count }, (_, n) =>
    toKafkaMessage(descriptor, { key: `${tenantId}:one-number`, tenantId, source, payload: { n, fail: fail(n) } }),
  );
  await producer.sendRecords(records);
  return records.map((record) => record.id);
}

describe('in-partition concurrency', () => {
  const consumers: BusConsumer[] = [];
  afterAll(async () => {
    for (const consumer of consumers) await consumer.stop();
  });

  it('runs one partition in parallel across keys, in order per key, a failing message holding only its key', async () => {
    const topic = uniqueName('bus_inpart_order');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const startedPerKey = new Map<string, number[]>();
    let running = 0;
    let maxRunning = 0;
    let overlapWithinKey = false;
    const runningPerKey = new Map<string, number>();
    const keyOf = (payload: TestPayload) => `r${payload.n % 4}`;
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_inpart_order_group'),
      pool: env.pool,
      schema,
      logger: memoryLogger(),
      producer,
      maxAttempts: 2,
      backoff: { initialMs: 100, maxMs: 100 },
      ...fastConsumer,
      inPartitionConcurrency: { max: 4 },
      handlers: [
        defineHandler(
          descriptor,
          async (payload: TestPayload, ctx: TransactionalContext) => {
            const key = keyOf(payload);
            startedPerKey.set(key, [...(startedPerKey.get(key) ?? []), payload.n]);
            runningPerKey.set(key, (runningPerKey.get(key) ?? 0) + 1);
            if ((runningPerKey.get(key) ?? 0) > 1) overlapWithinKey = true;
            running += 1;
            maxRunning = Math.max(maxRunning, running);
            try {
              await ctx.heartbeat();
              await sleep(10 + ((payload.n * 7) % 20));
              await ctx.client.query(`INSERT INTO ${schema}.effects (event_id, n) VALUES ($1, $2)`, [ctx.id, payload.n]);
              if (payload.fail === 'always') throw new Error(`handler refused thing ${payload.n}`);
            } finally {
              running -= 1;
              runningPerKey.set(key, (runningPerKey.get(key) ?? 1) - 1);
            }
          },
          { orderingKey: keyOf },
        ),
      ],
    });
    consumers.push(consumer);
    await consumer.start();
    const ids = await produce(topic, 40, (n) => (n === 6 ? 'always' : 'never'));

    const handled = ids.filter((_, n) => n !== 6);
    await waitFor(async () => (await effectCounts(handled)).size === handled.length, {
      message: 'every event but the failing one to be handled',
      timeoutMs: 30_000,
    });
    const dead = await readTopic(env.kafka, dlqTopic(topic), { until: (records) => records.length >= 1 });
    expect(dead).toHaveLength(1);

    expect(overlapWithinKey).toBe(false);
    expect(maxRunning).toBeGreaterThan(1);
    expect(maxRunning).toBeLessThanOrEqual(4);
    for (const [key, started] of startedPerKey) {
      expect(started, `order of key ${key}`).toEqual([...started].sort((a, b) => a - b));
    }
    // Key r2 waited for n = 6's two attempts and its dead letter before n = 10 ran.
    expect(startedPerKey.get('r2')?.slice(0, 4)).toEqual([2, 6, 6, 10]);
    const counts = await effectCounts(ids);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    expect(counts.has(ids[6] ?? '')).toBe(false);
  });

  it('never commits past an unfinished message: stopped mid-batch and restarted, everything happens exactly once', async () => {
    const topic = uniqueName('bus_inpart_commit');
    const descriptor = testDescriptor(topic);
    const groupId = uniqueName('bus_inpart_commit_group');
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    let release: ((error: Error) => void) | undefined;
    const stuck = new Promise<never>((_, reject) => {
      release = reject;
    });
    const handledBy = { first: new Set<number>(), second: new Set<number>() };
    const build = (run: keyof typeof handledBy) =>
      createConsumer({
        kafka: env.kafka,
        groupId,
        pool: env.pool,
        schema,
        logger: memoryLogger(),
        producer,
        backoff: { initialMs: 5_000, maxMs: 5_000 },
        ...fastConsumer,
        inPartitionConcurrency: { max: 8 },
        handlers: [
          defineHandler(
            descriptor,
            async (payload: TestPayload, ctx: TransactionalContext) => {
              await ctx.client.query(`INSERT INTO ${schema}.effects (event_id, n) VALUES ($1, $2)`, [ctx.id, payload.n]);
              // The first consumer never finishes n = 3: it is still in its transaction at stop.
              if (run === 'first' && payload.n === 3) await stuck;
              handledBy[run].add(payload.n);
            },
            { orderingKey: (payload) => String(payload.n) },
          ),
        ],
      });

    const first = build('first');
    consumers.push(first);
    await first.start();
    const ids = await produce(topic, 30);
    const others = ids.filter((_, n) => n !== 3);
    await waitFor(async () => (await effectCounts(others)).size === others.length, {
      message: 'every event but n = 3 to be handled',
      timeoutMs: 30_000,
    });
    // Commits happen during the batch (every second): the group's offset reaches n = 3, not past it.
    await waitFor(async () => (await committedOffset(groupId, topic)) === 3, {
      message: 'the committed offset to reach the unfinished message',
      timeoutMs: 15_000,
    });
    await sleep(1_500);
    expect(await committedOffset(groupId, topic)).toBe(3);

    // Stop while n = 3 is in flight; its handler then fails (rolled back) and the stop interrupts the retry.
    const stopped = first.stop();
    release?.(new Error('interrupted by the test'));
    await stopped;
    expect(await committedOffset(groupId, topic)).toBe(3);
    expect((await effectCounts([ids[3] ?? ''])).size).toBe(0);

    const second = build('second');
    consumers.push(second);
    await second.start();
    await waitFor(async () => (await effectCounts([ids[3] ?? ''])).get(ids[3] ?? '') === 1, {
      message: 'n = 3 to be handled after the restart',
      timeoutMs: 30_000,
    });
    // The 26 that finished above the committed offset came again and were skipped by the dedupe.
    expect([...handledBy.second]).toEqual([3]);
    const counts = await effectCounts(ids);
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    await waitFor(async () => (await committedOffset(groupId, topic)) === 30, {
      message: 'the committed offset to reach the end',
      timeoutMs: 15_000,
    });
  });
});
