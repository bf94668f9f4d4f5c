import { TOPICS } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { contractTopicSpecs } from './contract-topics';

describe('contract topic specs', () => {
  it('gives consumed topics dead letters and produced ones none', () => {
    const specs = contractTopicSpecs({
      consumed: [TOPICS.webhookReceived],
      produced: [TOPICS.patientMessageReceived],
    });
    expect(specs).toEqual([
      {
        topic: 'wa.webhook.received.v1',
        numPartitions: 12,
        dlq: true,
        dlqPartitions: 1,
        config: { 'max.message.bytes': String(5 * 1024 * 1024) },
      },
      { topic: 'patient.message.received.v1', numPartitions: 12 },
    ]);
  });

  it('provisions every contract topic with its dead letters', () => {
    const specs = contractTopicSpecs({ all: true, partitions: 2 });
    expect(specs.map((s) => s.topic).sort()).toEqual(Object.values(TOPICS).sort());
    expect(specs.every((s) => s.dlq === true && s.numPartitions === 2)).toBe(true);
  });

  it('refuses a topic that is not in the contracts', () => {
    expect(() => contractTopicSpecs({ produced: ['made.up.v1'] })).toThrow(
      'made.up.v1 is not a contract topic',
    );
  });
});
