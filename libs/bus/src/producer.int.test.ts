// The producer and topic provisioning against the real broker, and against brokers that are not
// there or never answer: those must fail fast with one clear line, never hang.
import net from 'node:net';
import { freePort, testEnv, uniqueName } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromKafkaMessage, headerNames } from './envelope';
import { KafkaUnavailableError } from './errors';
import { memoryLogger, tenantId, testDescriptor } from './int-test-support';
import { type BusKafka, createKafka, dlqTopic, ensureTopics } from './kafka';
import { type BusProducer, createProducer } from './producer';
import { readTopic } from './testing';

const brokers = testEnv().kafkaBrokers.split(',');
const source = '/careline/bus-test';
const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('producer against the real broker', () => {
  let kafka: BusKafka;
  let producer: BusProducer;
  const topic = uniqueName('bus_producer');
  const descriptor = testDescriptor(topic);

  beforeAll(async () => {
    kafka = createKafka({ brokers, clientId: 'bus-producer-test' });
    await ensureTopics(kafka, [{ topic, numPartitions: 3, dlq: true }]);
    producer = createProducer(kafka, { sendTimeoutMs: 1_500 });
    await producer.start();
  });

  afterAll(async () => {
    await producer?.stop();
  });

  it('publishes a CloudEvents binary-mode record that reads back as the same event', async () => {
    const time = new Date('2025-01-02T03:04:05.678Z');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const published = await producer.publish(descriptor, {
      key: `${tenantId}:x`,
      tenantId,
      source,
      time,
      traceparent,
      payload: { n: 7, fail: 'never' },
    });
    expect(published.id).toMatch(uuid);
    expect(Number(published.offset)).toBeGreaterThanOrEqual(0);

    const [record] = await readTopic(kafka, topic, {
      until: (records) => records.some((r) => r.headers.ce_id === published.id),
    });
    expect(record!.key).toBe(`${tenantId}:x`);
    expect(record!.partition).toBe(published.partition);
    expect(record!.headers).toEqual({
      ce_specversion: '1.0',
      ce_id: published.id,
      ce_source: source,
      ce_type: descriptor.type,
      ce_time: '2025-01-02T03:04:05.678Z',
      ce_tenantid: tenantId,
      traceparent,
      'content-type': 'application/protobuf',
    });
    const event = fromKafkaMessage(descriptor, {
      key: Buffer.from(record!.key!),
      value: record!.value,
      headers: record!.headers,
    });
    expect(event).toMatchObject({
      id: published.id,
      tenantId,
      traceparent,
      time,
      payload: { n: 7, fail: 'never' },
    });
  });

  it('fails fast with one clear line on a topic the broker does not have', async () => {
    const started = Date.now();
    const missing = testDescriptor(uniqueName('bus_missing'));
    const error: unknown = await producer
      .publish(missing, { key: 'k', tenantId, source, payload: { n: 1, fail: 'never' } })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect((error as Error).message).toMatch(
      /^kafka did not (?:acknowledge within 1500 ms|accept the record) \(topic bus_missing_/,
    );
    expect(Date.now() - started).toBeLessThan(4_000);
  });

  it('creates topics and their dead-letter companions idempotently', async () => {
    const fresh = uniqueName('bus_topics');
    await ensureTopics(kafka, [{ topic: fresh, numPartitions: 2, dlq: true }]);
    await ensureTopics(kafka, [{ topic: fresh, numPartitions: 2, dlq: true }]);
    await ensureTopics(kafka, [{ topic: `${fresh}_wide`, numPartitions: 1, dlq: true, dlqPartitions: 3 }]);
    const admin = kafka.client.admin();
    await admin.connect();
    try {
      const { topics } = await admin.fetchTopicMetadata({
        topics: [fresh, dlqTopic(fresh), `${fresh}_wide.dlq`],
      });
      expect(topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual([
        [fresh, 2],
        [`${fresh}.dlq`, 1],
        [`${fresh}_wide.dlq`, 3],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses to publish before start', async () => {
    const idle = createProducer(kafka);
    await expect(
      idle.publish(descriptor, { key: 'k', tenantId, source, payload: { n: 1, fail: 'never' } }),
    ).rejects.toThrow('kafka producer is not started');
  });
});

describe('producer without a broker', () => {
  it('fails to start within seconds with one clear line when nothing listens', async () => {
    const port = await freePort();
    const logger = memoryLogger();
    const kafka = createKafka({ brokers: [`127.0.0.1:${port}`], clientId: 'bus-dead-broker-test', logger });
    const producer = createProducer(kafka);
    const started = Date.now();
    const error: unknown = await producer.start().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KafkaUnavailableError);
    expect((error as Error).message).toMatch(new RegExp(`^kafka unreachable at 127\\.0\\.0\\.1:${port} \\(`));
    expect((error as Error).message).not.toContain('\n');
    expect(Date.now() - started).toBeLessThan(8_000);
    // kafkajs' own complaints went to our logger (the console stays clean).
    expect(logger.entries.some((e) => e.message.startsWith('kafkajs: '))).toBe(true);
    await expect(
      producer.publish(testDescriptor('t'), { key: 'k', tenantId, source, payload: { n: 1, fail: 'never' } }),
    ).rejects.toThrow('kafka producer is not started');
  });

  it('fails to start within the start timeout when the broker accepts connections but never answers', async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as net.AddressInfo;
    try {
      const kafka = createKafka({
        brokers: [`127.0.0.1:${port}`],
        clientId: 'bus-black-hole-test',
        startTimeoutMs: 1_500,
      });
      const started = Date.now();
      await expect(createProducer(kafka).start()).rejects.toThrow(
        `kafka unreachable at 127.0.0.1:${port} (no answer within 1500 ms)`,
      );
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => blackHole.close(() => resolve()));
    }
  });
});

it('keeps the envelope header names DESIGN.md fixes', () => {
  expect(Object.values(headerNames).sort()).toEqual(
    [
      'ce_specversion',
      'ce_id',
      'ce_source',
      'ce_type',
      'ce_time',
      'ce_tenantid',
      'traceparent',
      'content-type',
    ].sort(),
  );
});
