// Construction rules of the consumer and the fit with @careline/contracts' descriptors; no broker
// is contacted (nothing is started).
import {
  EVENTS,
  type EventDescriptor as ContractDescriptor,
  MalformedPayloadError,
  webhookReceivedEvent,
} from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type MessageContext,
  type TransactionalContext,
  createConsumer,
  createStatelessConsumer,
  defineHandler,
} from './consumer';
import { type EventDescriptor, fromKafkaMessage, toKafkaMessage } from './envelope';
import { PoisonMessageError } from './errors';
import { createKafka } from './kafka';
import { jsonTestDescriptor } from './testing';

const kafka = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'bus-unit-test' });
const descriptor = jsonTestDescriptor('thing.v1', 'careline.thing.v1', z.object({ n: z.number() }));
const tenantId = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';

describe('createConsumer / createStatelessConsumer', () => {
  it('refuses two handlers for one topic, no handlers, and a maxAttempts below 1', () => {
    const handle = defineHandler(descriptor, (_payload, _ctx: MessageContext) => Promise.resolve());
    expect(() => createStatelessConsumer({ kafka, groupId: 'g', handlers: [handle, handle] })).toThrow(
      'two handlers for topic thing.v1',
    );
    expect(() => createStatelessConsumer({ kafka, groupId: 'g', handlers: [] })).toThrow(
      'at least one handler',
    );
    expect(() =>
      createStatelessConsumer({ kafka, groupId: 'g', handlers: [handle], maxAttempts: 0 }),
    ).toThrow('maxAttempts');
  });

  it('types handlers so that one needing the transaction cannot go to a consumer without a database', () => {
    const needsClient = defineHandler(descriptor, async (_payload, ctx: TransactionalContext) => {
      await ctx.client.query('SELECT 1');
    });
    const plain = defineHandler(descriptor, (_payload, _ctx: MessageContext) => Promise.resolve());
    // @ts-expect-error a stateless consumer has no transaction to give
    createStatelessConsumer({ kafka, groupId: 'g', handlers: [needsClient] });
    // The other way round is fine: a stateless handler ignores the client.
    const typeCheckOnly = (pool: Parameters<typeof createConsumer>[0]['pool']) =>
      createConsumer({ kafka, groupId: 'g', pool, schema: 's', handlers: [plain, needsClient] });
    expect(typeCheckOnly).toBeTypeOf('function');
  });
});

describe('with @careline/contracts descriptors', () => {
  it('accepts them as they are', () => {
    const all: EventDescriptor<unknown>[] = Object.values(EVENTS);
    const _sameShape: ContractDescriptor<unknown> = descriptor;
    expect(all.length).toBeGreaterThan(0);
  });

  it('round-trips a protobuf payload and treats malformed protobuf as poison', () => {
    const payload = webhookReceivedEvent.decode(new Uint8Array());
    payload.tenantId = tenantId;
    payload.phoneNumberIds = ['1234567890'];
    const record = toKafkaMessage(webhookReceivedEvent, {
      key: '1234567890',
      tenantId,
      source: '/careline/gateway',
      payload,
    });
    expect(record.headers.ce_type).toBe('careline.wa.webhook.received.v1');
    const message = { key: Buffer.from(record.key), value: record.value, headers: record.headers };
    expect(fromKafkaMessage(webhookReceivedEvent, message).payload).toEqual(payload);

    const malformed = { ...message, value: Buffer.from([0x0a, 0x05, 0x41]) };
    expect(() => webhookReceivedEvent.decode(malformed.value)).toThrow(MalformedPayloadError);
    expect(() => fromKafkaMessage(webhookReceivedEvent, malformed)).toThrow(PoisonMessageError);
  });
});
