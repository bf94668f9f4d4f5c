// The headers this library writes are the ones docs/asyncapi.yaml promises integrators (the
// document is generated from @careline/contracts' ENVELOPE_HEADERS and DEAD_LETTER_HEADERS).
import { DEAD_LETTER_HEADERS, ENVELOPE_HEADERS } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { dlqHeaderNames } from './dlq';
import { contentType, headerNames, specVersion, toKafkaMessage } from './envelope';
import { jsonTestDescriptor } from './testing';
import { z } from 'zod';

describe('documented headers', () => {
  it('writes exactly the documented CloudEvents headers, with the documented constants', () => {
    const descriptor = jsonTestDescriptor('docs.check.v1', 'careline.docs.check.v1', z.object({ n: z.number() }));
    const record = toKafkaMessage(descriptor, {
      key: 'k',
      tenantId: '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f',
      source: '/careline/test',
      payload: { n: 1 },
    });
    expect(Object.keys(record.headers).sort()).toEqual(Object.keys(ENVELOPE_HEADERS).sort());
    expect(Object.values(headerNames).sort()).toEqual(Object.keys(ENVELOPE_HEADERS).sort());
    expect(ENVELOPE_HEADERS.ce_specversion.const).toBe(specVersion);
    expect(ENVELOPE_HEADERS['content-type'].const).toBe(contentType);
    expect(record.headers.traceparent).toMatch(new RegExp(ENVELOPE_HEADERS.traceparent.pattern));
  });

  it('dead-letters with exactly the documented dlq-* headers', () => {
    expect(Object.values(dlqHeaderNames).sort()).toEqual(Object.keys(DEAD_LETTER_HEADERS).sort());
  });
});
