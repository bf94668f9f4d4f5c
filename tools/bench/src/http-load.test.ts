import { describe, expect, it } from 'vitest';
import { formatErrors, outcomeKind, summarizeStep } from './http-load';
import { type OpenLoopResult, type Outcome } from './open-loop';

const done = (index: number, status: number, dueAt: number, finishedAt: number): Outcome<number> => ({
  kind: 'done',
  index,
  dueAt,
  sentAt: dueAt,
  finishedAt,
  value: status,
});

describe('outcomeKind', () => {
  it('names 200 ok, other statuses by number, socket errors by code', () => {
    expect(outcomeKind(done(0, 200, 0, 1))).toBe('ok');
    expect(outcomeKind(done(0, 503, 0, 1))).toBe('http_503');
    expect(outcomeKind({ kind: 'shed', index: 0, dueAt: 0 })).toBe('shed');
    const failed = (error: unknown): Outcome<number> => ({
      kind: 'failed',
      index: 0,
      dueAt: 0,
      sentAt: 0,
      finishedAt: 1,
      error,
    });
    expect(outcomeKind(failed(Object.assign(new Error('x'), { code: 'ECONNRESET' })))).toBe('ECONNRESET');
    expect(outcomeKind(failed(new Error('no code')))).toBe('error');
  });
});

describe('summarizeStep', () => {
  it('counts 200s per second over the step until its last answer, latency from due time of the 200s only', () => {
    const result: OpenLoopResult<number> = {
      startedAt: 1_000,
      finishedAt: 3_000,
      maxSendLagMs: 3,
      outcomes: [
        done(0, 200, 1_000, 1_010),
        done(1, 200, 1_500, 1_520),
        done(2, 503, 2_000, 2_900), // slow failure: not in the latency
        { kind: 'shed', index: 3, dueAt: 2_500 },
        done(4, 200, 2_600, 2_630),
      ],
    };
    const summary = summarizeStep(result, 2);
    expect(summary).toMatchObject({
      offeredPerSecond: 2,
      requests: 5,
      accepted: 3,
      acceptedPerSecond: 1.5,
      errors: { http_503: 1, shed: 1 },
      elapsedMs: 2_000,
      maxSendLagMs: 3,
    });
    expect(summary.latency).toMatchObject({ count: 3, p50: 20, p99: 30, max: 30 });
  });
});

describe('formatErrors', () => {
  it('lists kinds largest first, or none', () => {
    expect(formatErrors({})).toBe('none');
    expect(formatErrors({ shed: 2, http_503: 40 })).toBe('http_503: 40, shed: 2');
  });
});
