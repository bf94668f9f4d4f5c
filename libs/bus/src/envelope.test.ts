import { runWithTrace } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type IncomingKafkaMessage, fromKafkaMessage, headerNames, toKafkaMessage } from './envelope';
import { InvalidEventError, PoisonMessageError } from './errors';
import { jsonTestDescriptor } from './testing';

const descriptor = jsonTestDescriptor(
  'thing.happened.v1',
  'careline.test.v1.ThingHappened',
  z.object({ note: z.string() }),
);
const tenantId = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
const event = {
  key: `${tenantId}:15550001111`,
  tenantId,
  source: '/careline/test',
  payload: { note: 'secret patient words' },
};

function asIncoming(record: ReturnType<typeof toKafkaMessage>): IncomingKafkaMessage {
  return { key: Buffer.from(record.key), value: record.value, headers: { ...record.headers } };
}

function poisonOf(message: IncomingKafkaMessage): PoisonMessageError {
  try {
    fromKafkaMessage(descriptor, message);
  } catch (error) {
    if (error instanceof PoisonMessageError) return error;
    throw error;
  }
  throw new Error('expected a poison message');
}

describe('toKafkaMessage', () => {
  it('fills the CloudEvents binary-mode headers and keeps the payload bytes as the value', () => {
    const record = toKafkaMessage(descriptor, { ...event, time: new Date('2025-05-06T07:08:09.010Z') });
    expect(record.topic).toBe('thing.happened.v1');
    expect(record.key).toBe(event.key);
    expect(record.value.toString()).toBe('{"note":"secret patient words"}');
    expect(record.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: record.id,
      ce_source: '/careline/test',
      ce_type: 'careline.test.v1.ThingHappened',
      ce_time: '2025-05-06T07:08:09.010Z',
      ce_tenantid: tenantId,
      'content-type': 'application/protobuf',
    });
    expect(record.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  });

  it('gives every event a fresh UUID unless one is passed', () => {
    const a = toKafkaMessage(descriptor, event);
    const b = toKafkaMessage(descriptor, event);
    expect(a.id).not.toBe(b.id);
    const fixed = toKafkaMessage(descriptor, { ...event, id: '0b5c8a3e-1d2f-4e6a-9b7c-8d9e0f1a2b3c' });
    expect(fixed.headers.ce_id).toBe('0b5c8a3e-1d2f-4e6a-9b7c-8d9e0f1a2b3c');
  });

  it('refuses events it could not send correctly', () => {
    expect(() => toKafkaMessage(descriptor, { ...event, id: 'not-a-uuid' })).toThrow(InvalidEventError);
    expect(() => toKafkaMessage(descriptor, { ...event, tenantId: 'hospital-1' })).toThrow(InvalidEventError);
    expect(() => toKafkaMessage(descriptor, { ...event, key: '' })).toThrow(InvalidEventError);
    expect(() => toKafkaMessage(descriptor, { ...event, source: '' })).toThrow(InvalidEventError);
    expect(() => toKafkaMessage(descriptor, { ...event, time: new Date(Number.NaN) })).toThrow(
      InvalidEventError,
    );
    expect(() => toKafkaMessage(descriptor, { ...event, traceparent: '00-abc' })).toThrow(InvalidEventError);
  });
});

describe('fromKafkaMessage', () => {
  it('reads back what toKafkaMessage wrote', () => {
    const time = new Date('2025-05-06T07:08:09.010Z');
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const record = toKafkaMessage(descriptor, { ...event, time, traceparent });
    expect(fromKafkaMessage(descriptor, asIncoming(record))).toEqual({
      id: record.id,
      source: '/careline/test',
      type: descriptor.type,
      time,
      tenantId,
      traceparent,
      key: event.key,
      payload: { note: 'secret patient words' },
    });
  });

  it('accepts header values as bytes, as kafkajs delivers them', () => {
    const record = toKafkaMessage(descriptor, event);
    const headers = Object.fromEntries(
      Object.entries(record.headers).map(([name, value]) => [name, Buffer.from(value)]),
    );
    expect(fromKafkaMessage(descriptor, { key: null, value: record.value, headers }).id).toBe(record.id);
  });

  it.each(Object.values(headerNames))('treats a message without %s as poison, naming the header', (name) => {
    const message = asIncoming(toKafkaMessage(descriptor, event));
    delete message.headers![name];
    const error = poisonOf(message);
    expect(error.code).toBe('invalid_envelope');
    expect(error.message).toBe(`missing or invalid CloudEvents headers: ${name}`);
  });

  it.each([
    [headerNames.specversion, '0.3'],
    [headerNames.id, 'abc'],
    [headerNames.time, 'yesterday'],
    [headerNames.time, '2025-05-06 07:08:09'],
    [headerNames.tenantId, 'hospital-1'],
    [headerNames.traceparent, '00-00000000000000000000000000000000-b7ad6b7169203331-01'],
    [headerNames.contentType, 'application/json'],
  ])('treats %s = %j as poison without echoing the value', (name, value) => {
    const message = asIncoming(toKafkaMessage(descriptor, event));
    message.headers![name] = value;
    const error = poisonOf(message);
    expect(error.code).toBe('invalid_envelope');
    expect(error.message).toContain(name);
    expect(error.message).not.toContain(value);
  });

  it('treats a header sent twice as missing rather than guessing', () => {
    const record = toKafkaMessage(descriptor, event);
    const message = asIncoming(record);
    message.headers![headerNames.id] = [record.id, record.id];
    expect(poisonOf(message).message).toBe('missing or invalid CloudEvents headers: ce_id');
  });

  it('treats a ce_type of another payload type as poison', () => {
    const message = asIncoming(toKafkaMessage(descriptor, event));
    message.headers![headerNames.type] = 'careline.test.v1.SomethingElse';
    expect(poisonOf(message).code).toBe('type_mismatch');
  });

  it('treats an undecodable or missing value as poison, without quoting it', () => {
    const record = toKafkaMessage(descriptor, event);
    const garbage = poisonOf({
      ...asIncoming(record),
      value: Buffer.from('{"note": 42, "patient": "Jane Doe"}'),
    });
    expect(garbage.code).toBe('undecodable_payload');
    expect(garbage.message).not.toContain('Jane');
    expect(poisonOf({ ...asIncoming(record), value: null }).code).toBe('undecodable_payload');
  });

  it('normalises ids to lower case, so the dedupe key does not depend on spelling', () => {
    const record = toKafkaMessage(descriptor, event);
    const message = asIncoming(record);
    message.headers![headerNames.id] = record.id.toUpperCase();
    expect(fromKafkaMessage(descriptor, message).id).toBe(record.id);
  });
});

describe('trace context', () => {
  it('takes the traceparent of the work that emits the event', () => {
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const record = runWithTrace(parent, () => toKafkaMessage(descriptor, event));
    // Same trace, the emitting work's own span.
    expect(record.headers.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(record.headers.traceparent).not.toBe(parent);
  });
});
