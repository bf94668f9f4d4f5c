// The consumer runner against the real Kafka and Postgres: retries then dead letters, poison
// messages, non-retryable errors, and infrastructure outages that must cost nothing.
import net from 'node:net';
import { createPool } from '@careline/db';
import { currentTraceId } from '@careline/runtime';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BusConsumer,
  type MessageContext,
  type TransactionalContext,
  createConsumer,
  createStatelessConsumer,
  defineHandler,
} from './consumer';
import { headerNames, toKafkaMessage } from './envelope';
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
import { dlqTopic, ensureTopics } from './kafka';
import { type BusProducer, createProducer } from './producer';
import { pruneProcessedEvents } from './outbox/processed';
import { readTopic } from './testing';

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

class ValidationError extends Error {
  readonly code = 'thing_invalid';
  readonly retryable = false;
}

/** A handler that records its effect, and fails as the payload says. Counts calls per event. */
function recordingHandler(
  descriptor: ReturnType<typeof testDescriptor>,
  calls: Map<string, number>,
  traces = new Map<string, string>(),
) {
  return defineHandler(descriptor, async (payload: TestPayload, ctx: TransactionalContext) => {
    calls.set(ctx.id, (calls.get(ctx.id) ?? 0) + 1);
    traces.set(ctx.id, currentTraceId() ?? 'none');
    await ctx.client.query(`INSERT INTO ${schema}.effects (event_id, n) VALUES ($1, $2)`, [
      ctx.id,
      payload.n,
    ]);
    if (payload.fail === 'always') throw new Error(`handler refused thing ${payload.n}`);
    if (payload.fail === 'fatal') throw new ValidationError('thing is not valid for this tenant');
  });
}

async function effectCount(eventId: string): Promise<number> {
  const { rows } = await env.pool.query<{ count: string }>(
    `SELECT count(*) FROM ${schema}.effects WHERE event_id = $1`,
    [eventId],
  );
  return Number(rows[0]?.count);
}

async function topicSize(topic: string): Promise<number> {
  const admin = env.kafka.client.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('consumer runner', () => {
  const topic = uniqueName('bus_consumer');
  const descriptor = testDescriptor(topic);
  const calls = new Map<string, number>();
  const traces = new Map<string, string>();
  const logger = memoryLogger();
  const groupId = uniqueName('bus_consumer_group');
  let consumer: BusConsumer;

  beforeAll(async () => {
    await ensureTopics(env.kafka, [{ topic, numPartitions: 3, dlq: true }]);
    consumer = createConsumer({
      kafka: env.kafka,
      groupId,
      pool: env.pool,
      schema,
      logger,
      producer,
      maxAttempts: 3,
      backoff: { initialMs: 20, maxMs: 50 },
      ...fastConsumer,
      handlers: [recordingHandler(descriptor, calls, traces)],
    });
    await consumer.start();
  });

  afterAll(async () => {
    await consumer?.stop();
  });

  it('dead-letters a message whose handler always throws after maxAttempts, then moves on', async () => {
    const key = `${tenantId}:retry`;
    const failing = await producer.publish(descriptor, {
      key,
      tenantId,
      source,
      payload: { n: 10, fail: 'always' },
    });
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    const later = await producer.publish(descriptor, {
      key,
      tenantId,
      source,
      traceparent,
      payload: { n: 11, fail: 'never' },
    });
    expect(later.partition).toBe(failing.partition);

    await waitFor(async () => (await effectCount(later.id)) === 1, {
      message: 'the later event to be handled',
    });
    // The handler ran inside the producer's trace.
    expect(traces.get(later.id)).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(calls.get(failing.id)).toBe(3);
    // Every failed attempt rolled back, its effect included.
    expect(await effectCount(failing.id)).toBe(0);

    const [dead] = await readTopic(env.kafka, dlqTopic(topic), {
      until: (records) => records.some((r) => r.headers.ce_id === failing.id),
    }).then((records) => records.filter((r) => r.headers.ce_id === failing.id));
    expect(dead).toBeDefined();
    expect(dead!.key).toBe(key);
    expect(JSON.parse(dead!.value!.toString())).toEqual({ n: 10, fail: 'always' });
    expect(dead!.headers).toMatchObject({
      [headerNames.type]: descriptor.type,
      [headerNames.tenantId]: tenantId,
      'dlq-error-code': 'handler_failed',
      // A plain Error's message may quote data: only its class name is kept.
      'dlq-error-message': 'unexpected Error',
      'dlq-source-topic': topic,
      'dlq-source-partition': String(failing.partition),
      'dlq-source-offset': failing.offset,
      'dlq-attempts': '3',
      'dlq-consumer-group': groupId,
    });
    expect(Date.parse(dead!.headers['dlq-failed-at']!)).not.toBeNaN();
    expect(JSON.stringify(dead!.headers)).not.toContain('handler refused');
  });

  it('dead-letters an error marked retryable: false after one attempt, with its safe message', async () => {
    const key = `${tenantId}:fatal`;
    const fatal = await producer.publish(descriptor, {
      key,
      tenantId,
      source,
      payload: { n: 20, fail: 'fatal' },
    });
    const dead = await readTopic(env.kafka, dlqTopic(topic), {
      until: (records) => records.some((r) => r.headers.ce_id === fatal.id),
    });
    expect(calls.get(fatal.id)).toBe(1);
    expect(dead.find((r) => r.headers.ce_id === fatal.id)!.headers).toMatchObject({
      'dlq-error-code': 'thing_invalid',
      'dlq-error-message': 'thing is not valid for this tenant',
      'dlq-attempts': '1',
    });
  });

  it('dead-letters poison messages at once and never calls the handler', async () => {
    const key = `${tenantId}:poison`;
    const valid = toKafkaMessage(descriptor, { key, tenantId, source, payload: { n: 30, fail: 'never' } });
    const undecodable = toKafkaMessage(descriptor, {
      key,
      tenantId,
      source,
      payload: { n: 31, fail: 'never' },
    });
    undecodable.value = Buffer.from('this is not the payload type');
    const headerless = toKafkaMessage(descriptor, {
      key,
      tenantId,
      source,
      payload: { n: 32, fail: 'never' },
    });
    const { [headerNames.tenantId]: _dropped, ...withoutTenant } = headerless.headers;
    headerless.headers = withoutTenant;
    await producer.sendRecords([undecodable, headerless, valid]);

    await waitFor(async () => (await effectCount(valid.id)) === 1, {
      message: 'the valid event after the poison ones',
    });
    const dead = await readTopic(env.kafka, dlqTopic(topic), {
      until: (records) => records.filter((r) => r.key === key).length >= 2,
    });
    const poison = dead.filter((r) => r.key === key);
    expect(
      poison.map((r) => [r.headers.ce_id, r.headers['dlq-error-code'], r.headers['dlq-attempts']]),
    ).toEqual([
      [undecodable.id, 'undecodable_payload', '0'],
      [headerless.id, 'invalid_envelope', '0'],
    ]);
    expect(poison[1]!.headers['dlq-error-message']).toBe(
      'missing or invalid CloudEvents headers: ce_tenantid',
    );
    expect(calls.has(undecodable.id)).toBe(false);
    expect(calls.has(headerless.id)).toBe(false);
  });
});

/** A TCP proxy in front of Postgres that a test can cut and restore, to play a database outage. */
async function startCuttableProxy(target: { host: string; port: number }) {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listen = (port: number) => new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  await listen(0);
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
    restore: () => listen(port),
    async close() {
      for (const socket of sockets) socket.destroy();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('consumer runner under infrastructure failure', () => {
  it('waits out a database outage without burning attempts or dead-lettering', async () => {
    const topic = uniqueName('bus_outage');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const url = new URL(env.db.url);
    const proxy = await startCuttableProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = `127.0.0.1:${proxy.port}`;
    const pool = createPool({
      url: url.toString(),
      applicationName: 'bus-outage-test',
      max: 3,
      connectionTimeoutMs: 1_000,
    });
    const logger = memoryLogger();
    const calls = new Map<string, number>();
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_outage_group'),
      pool,
      schema,
      logger,
      producer,
      // One attempt only: had the outage counted as a handler failure, the event would be dead.
      maxAttempts: 1,
      infrastructureBackoff: { initialMs: 50, maxMs: 200 },
      ...fastConsumer,
      handlers: [recordingHandler(descriptor, calls)],
    });
    try {
      await consumer.start();
      const warmUp = await producer.publish(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 40, fail: 'never' },
      });
      await waitFor(async () => (await effectCount(warmUp.id)) === 1, { message: 'the warm-up event' });

      await proxy.cut();
      const during = await producer.publish(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 41, fail: 'never' },
      });
      await waitFor(
        () =>
          logger.entries.filter((e) => e.message === 'infrastructure unavailable; partition waits').length >=
          3,
        {
          message: 'the consumer to hit the outage a few times',
        },
      );
      expect(await effectCount(during.id)).toBe(0);

      await proxy.restore();
      await waitFor(async () => (await effectCount(during.id)) === 1, {
        message: 'the event to be handled after the outage',
      });
      expect(await topicSize(dlqTopic(topic))).toBe(0);
      expect(logger.entries.some((e) => e.message === 'message dead-lettered')).toBe(false);
    } finally {
      await consumer.stop();
      await pool.end();
      await proxy.close();
    }
  });

  it('holds the partition while the dead-letter topic does not take the record', async () => {
    const topic = uniqueName('bus_dlq_down');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const logger = memoryLogger();
    const calls = new Map<string, number>();
    const dlqProducer = createProducer(env.kafka, { sendTimeoutMs: 500 });
    await dlqProducer.start();
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_dlq_down_group'),
      pool: env.pool,
      schema,
      logger,
      producer: dlqProducer,
      maxAttempts: 1,
      infrastructureBackoff: { initialMs: 100, maxMs: 300 },
      ...fastConsumer,
      handlers: [recordingHandler(descriptor, calls)],
    });
    const admin = env.kafka.client.admin();
    await admin.connect();
    try {
      await consumer.start();
      // The dead-letter topic disappears after start (an operator mistake, a broker problem).
      await admin.deleteTopics({ topics: [dlqTopic(topic)] });
      await waitFor(async () => !(await admin.listTopics()).includes(dlqTopic(topic)), {
        message: 'the DLQ topic to be gone',
      });

      const failing = await producer.publish(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 50, fail: 'always' },
      });
      const later = await producer.publish(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 51, fail: 'never' },
      });
      await waitFor(
        () => logger.entries.filter((e) => e.message === 'dead letter not accepted; retrying').length >= 2,
        {
          message: 'the dead letter to be refused twice',
        },
      );
      // The partition does not move past the message it could not dead-letter.
      expect(await effectCount(later.id)).toBe(0);

      await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
      await waitFor(async () => (await effectCount(later.id)) === 1, {
        message: 'the later event once the DLQ is back',
        timeoutMs: 20_000,
      });
      const dead = await readTopic(env.kafka, dlqTopic(topic), {
        until: (records) => records.some((r) => r.headers.ce_id === failing.id),
      });
      expect(dead.filter((r) => r.headers.ce_id === failing.id).length).toBeGreaterThanOrEqual(1);
      // Retrying the dead letter never re-ran the handler.
      expect(calls.get(failing.id)).toBe(1);
    } finally {
      await consumer.stop();
      await dlqProducer.stop();
      await admin.disconnect();
    }
  });

  it('refuses to start when a dead-letter topic is missing', async () => {
    const topic = uniqueName('bus_no_dlq');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1 }]);
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_no_dlq_group'),
      pool: env.pool,
      schema,
      producer,
      ...fastConsumer,
      handlers: [recordingHandler(descriptor, new Map())],
    });
    await expect(consumer.start()).rejects.toThrow(`kafka topics missing: ${dlqTopic(topic)}`);
  });
});

describe('consumer set-up and housekeeping', () => {
  it('refuses to start on a schema without the bus migrations', async () => {
    const topic = uniqueName('bus_unmigrated');
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const consumer = createConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_unmigrated_group'),
      pool: env.pool,
      schema: 'not_migrated',
      producer,
      handlers: [recordingHandler(testDescriptor(topic), new Map())],
    });
    await expect(consumer.start()).rejects.toThrow(
      '"not_migrated"."processed_events" does not exist: apply busMigrations',
    );
  });

  it('prunes dedupe rows older than the window only', async () => {
    await env.pool.query(
      `INSERT INTO ${schema}.processed_events (consumer_group, event_id, processed_at)
       VALUES ('prune', gen_random_uuid(), now() - interval '10 days'), ('prune', gen_random_uuid(), now() - interval '1 hour')`,
    );
    expect(await pruneProcessedEvents(env.pool, schema, 7 * 24 * 3_600_000)).toBe(1);
    const { rows } = await env.pool.query<{ count: string }>(
      `SELECT count(*) FROM ${schema}.processed_events WHERE consumer_group = 'prune'`,
    );
    expect(Number(rows[0]?.count)).toBe(1);
  });

  it('runs handlers without a database in the stateless variant: no dedupe, same dead letters', async () => {
    const topic = uniqueName('bus_stateless');
    const descriptor = testDescriptor(topic);
    await ensureTopics(env.kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const seen: string[] = [];
    const consumer = createStatelessConsumer({
      kafka: env.kafka,
      groupId: uniqueName('bus_stateless_group'),
      producer,
      maxAttempts: 2,
      backoff: { initialMs: 10, maxMs: 10 },
      ...fastConsumer,
      handlers: [
        defineHandler(descriptor, (payload, ctx: MessageContext) => {
          seen.push(`${payload.n}:${ctx.id}`);
          return payload.fail === 'never'
            ? Promise.resolve()
            : Promise.reject(new ValidationError('thing is not valid'));
        }),
      ],
    });
    try {
      await consumer.start();
      const record = toKafkaMessage(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 60, fail: 'never' },
      });
      await producer.sendRecords([record, record]);
      const fatal = await producer.publish(descriptor, {
        key: 'k',
        tenantId,
        source,
        payload: { n: 61, fail: 'fatal' },
      });
      await readTopic(env.kafka, dlqTopic(topic), {
        until: (records) => records.some((r) => r.headers.ce_id === fatal.id),
      });
      // Without processed_events nothing is deduplicated: the handler itself must be idempotent.
      expect(seen).toEqual([`60:${record.id}`, `60:${record.id}`, `61:${fatal.id}`]);
    } finally {
      await consumer.stop();
    }
  });
});
