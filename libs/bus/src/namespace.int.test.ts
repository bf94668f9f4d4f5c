// KAFKA_TOPIC_PREFIX: two deployments (or two test suites) on one broker use the same contract
// topic names and consumer groups, and neither sees the other's events.
import { createKafka } from './kafka';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BusConsumer, createConsumer, defineHandler } from './consumer';
import {
  type BusTestEnv,
  fastConsumer,
  schema,
  startBusTestEnv,
  tenantId,
  testDescriptor,
} from './int-test-support';
import { ensureTopics, logicalTopic, physicalName } from './kafka';
import { type BusProducer, createProducer } from './producer';
import { jsonTestDescriptor, readTopic } from './testing';
import { contractTopicSpecs } from './contract-topics';
import { TOPICS } from '@careline/contracts';
import { z } from 'zod';

const topic = 'careline.shared.contract.v1';
const descriptor = testDescriptor(topic);
const groupId = 'careline-same-group';
let env: BusTestEnv;
const prefixes = [`${uniqueName('ns_a')}.`, `${uniqueName('ns_b')}.`] as const;
const sides: { producer: BusProducer; consumer: BusConsumer; seen: number[] }[] = [];

beforeAll(async () => {
  env = await startBusTestEnv(testEnv().kafkaBrokers.split(','));
  for (const [i, topicPrefix] of prefixes.entries()) {
    const kafka = createKafka({ brokers: env.brokers, clientId: `ns-${i}`, topicPrefix });
    await ensureTopics(kafka, [{ topic, numPartitions: 1, dlq: true }]);
    const producer = createProducer(kafka);
    await producer.start();
    const seen: number[] = [];
    // each side keeps its own dedupe rows: a second schema would be the real setup; the group
    // differs on the wire, so one table with distinct group ids is enough here
    const consumer = createConsumer({
      kafka,
      groupId,
      pool: env.pool,
      schema,
      producer,
      ...fastConsumer,
      handlers: [
        defineHandler(descriptor, (payload) => {
          seen.push(payload.n);
          return Promise.resolve();
        }),
      ],
    });
    await consumer.start();
    sides.push({ producer, consumer, seen });
  }
});

afterAll(async () => {
  for (const side of sides) {
    await side.consumer.stop();
    await side.producer.stop();
  }
  await env?.close();
});

describe('topic namespaces', () => {
  it('maps contract names to the wire and back', () => {
    const kafka = { topicPrefix: 'e2e_1.' };
    expect(physicalName(kafka, 'wa.webhook.received.v1')).toBe('e2e_1.wa.webhook.received.v1');
    expect(logicalTopic(kafka, 'e2e_1.wa.webhook.received.v1')).toBe('wa.webhook.received.v1');
    expect(physicalName({ topicPrefix: '' }, 'x.v1')).toBe('x.v1');
  });

  it('refuses a prefix that is not a valid topic fragment', () => {
    expect(() => createKafka({ brokers: env.brokers, clientId: 'x', topicPrefix: 'bad prefix/' })).toThrow(
      'topic prefix may contain only',
    );
  });

  it('keeps two namespaces with the same topic and group apart', async () => {
    const [a, b] = sides;
    await a!.producer.publish(descriptor, {
      key: 'k',
      tenantId,
      payload: { n: 1, fail: 'never' },
      source: '/test/a',
    });
    await b!.producer.publish(descriptor, {
      key: 'k',
      tenantId,
      payload: { n: 2, fail: 'never' },
      source: '/test/b',
    });
    await waitFor(() => a!.seen.length >= 1 && b!.seen.length >= 1, { message: 'both namespaces consumed' });
    expect(a!.seen).toEqual([1]);
    expect(b!.seen).toEqual([2]);

    const raw = createKafka({ brokers: env.brokers, clientId: 'ns-raw' });
    const onWire = await readTopic(raw, `${prefixes[0]}${topic}`, {
      until: (records) => records.length >= 1,
      timeoutMs: 10_000,
    });
    expect(onWire).toHaveLength(1);
  });

  it('carries a 3 MB record (a large Meta webhook) through a topic provisioned from the contracts', async () => {
    const kafka = createKafka({ brokers: env.brokers, clientId: 'ns-large', topicPrefix: prefixes[1] });
    const [spec] = contractTopicSpecs({ consumed: [TOPICS.webhookReceived] });
    await ensureTopics(kafka, [{ ...spec!, numPartitions: 1 }]);
    const large = jsonTestDescriptor(
      TOPICS.webhookReceived,
      'careline.test.v1.Large',
      z.object({ body: z.string() }),
    );
    const body = 'x'.repeat(3 * 1024 * 1024);
    await sides[1]!.producer.publish(large, { key: 'k', tenantId, payload: { body }, source: '/test/large' });
    const [record] = await readTopic(kafka, TOPICS.webhookReceived, {
      until: (r) => r.length >= 1,
      timeoutMs: 15_000,
    });
    expect(record?.value?.length).toBeGreaterThan(3 * 1024 * 1024);
  });

  it('reports a started consumer healthy and a stopped one not', async () => {
    const kafka = createKafka({ brokers: env.brokers, clientId: 'ns-health', topicPrefix: prefixes[0] });
    const consumer = createConsumer({
      kafka,
      groupId: 'careline-health-check',
      pool: env.pool,
      schema,
      ...fastConsumer,
      handlers: [defineHandler(descriptor, () => Promise.resolve())],
    });
    expect(consumer.healthy()).toBe(false);
    await consumer.start();
    expect(consumer.healthy()).toBe(true);
    await consumer.stop();
    expect(consumer.healthy()).toBe(false);
  });
});
