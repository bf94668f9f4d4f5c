import { describe, expect, it } from 'vitest';
import { summarizeStep } from './http-load';
import { dueOffsetMs, type Outcome, requestCount, runOpenLoop } from './open-loop';

/** A clock that only moves when the scheduler sleeps (optionally oversleeping, like a busy machine). */
function virtualClock(oversleepMs = 0) {
  let time = 0;
  return {
    now: () => time,
    sleep: async (ms: number) => {
      time += ms + oversleepMs;
      await Promise.resolve();
    },
    advance: (ms: number) => {
      time += ms;
    },
  };
}

/** Requests that stay pending until the test answers them. */
function manualServer() {
  const waiting: { index: number; answer: (status: number) => void; fail: (error: Error) => void }[] = [];
  return {
    waiting,
    send: (index: number) =>
      new Promise<number>((resolve, reject) => {
        waiting.push({ index, answer: resolve, fail: reject });
      }),
  };
}

/** Lets every queued microtask (the scheduler's whole virtual-time loop) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('requestCount and dueOffsetMs', () => {
  it('offers rate × duration requests, request i due at i / rate', () => {
    expect(requestCount(800, 5_000)).toBe(4_000);
    expect(requestCount(50, 2_000)).toBe(100);
    expect(requestCount(0.1, 1_000)).toBe(1);
    expect(dueOffsetMs(0, 200)).toBe(0);
    expect(dueOffsetMs(3, 200)).toBe(15);
    expect(() => requestCount(0, 1_000)).toThrow(RangeError);
  });
});

describe('runOpenLoop', () => {
  it('sends every request at its due time without waiting for earlier answers (open loop)', async () => {
    const clock = virtualClock();
    const server = manualServer();
    const run = runOpenLoop({
      ratePerSecond: 100,
      durationMs: 1_000,
      maxInFlight: 1_000,
      send: server.send,
      ...clock,
    });
    await settle();
    // all 100 went out although not one has been answered
    expect(server.waiting.map((request) => request.index)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    clock.advance(5);
    for (const request of server.waiting) request.answer(200);
    const result = await run;
    expect(result.outcomes).toHaveLength(100);
    result.outcomes.forEach((outcome, index) => {
      expect(outcome.kind).toBe('done');
      expect(outcome.dueAt).toBe(index * 10);
    });
    expect(result.maxSendLagMs).toBe(0);
  });

  it('sheds a request that is due while maxInFlight are outstanding, and keeps to the schedule', async () => {
    const clock = virtualClock();
    const server = manualServer();
    const run = runOpenLoop({
      ratePerSecond: 100,
      durationMs: 200,
      maxInFlight: 3,
      send: server.send,
      ...clock,
    });
    await settle();
    expect(server.waiting).toHaveLength(3);
    for (const request of server.waiting) request.answer(200);
    const result = await run;
    const kinds = result.outcomes.map((outcome) => outcome.kind);
    expect(kinds.slice(0, 3)).toEqual(['done', 'done', 'done']);
    expect(kinds.slice(3)).toEqual(Array.from({ length: 17 }, () => 'shed'));
    expect(result.outcomes.at(-1)?.dueAt).toBe(190);
  });

  it('frees a slot as soon as an answer comes back', async () => {
    const clock = virtualClock();
    const sent: number[] = [];
    // answers at once: one in flight is enough for any rate
    const result = await runOpenLoop({
      ratePerSecond: 1_000,
      durationMs: 50,
      maxInFlight: 1,
      send: (index) => {
        sent.push(index);
        return Promise.resolve(200);
      },
      ...clock,
    });
    expect(sent).toHaveLength(50);
    expect(result.outcomes.every((outcome) => outcome.kind === 'done')).toBe(true);
  });

  it('catches up when it wakes late, and counts latency from the due time (no coordinated omission)', async () => {
    const clock = virtualClock(40); // every sleep oversleeps by 40 ms
    const result = await runOpenLoop({
      ratePerSecond: 100,
      durationMs: 1_000,
      maxInFlight: 1_000,
      send: () => Promise.resolve(200),
      ...clock,
    });
    expect(result.outcomes).toHaveLength(100);
    expect(result.maxSendLagMs).toBeGreaterThanOrEqual(40);
    const late = result.outcomes.filter(
      (outcome): outcome is Extract<Outcome<number>, { kind: 'done' }> =>
        outcome.kind === 'done' && outcome.sentAt > outcome.dueAt,
    );
    expect(late.length).toBeGreaterThan(50);
    // the summary's latency includes the time the request waited for the late loop
    const summary = summarizeStep(result, 100);
    expect(summary.latency.max).toBeGreaterThanOrEqual(40);
    // the whole step still ends about on schedule: the late loop sent several at once
    expect(result.finishedAt - result.startedAt).toBeLessThan(1_100);
  });

  it('records failures (rejections and throws) as outcomes instead of failing the run', async () => {
    const clock = virtualClock();
    const result = await runOpenLoop({
      ratePerSecond: 100,
      durationMs: 30,
      maxInFlight: 10,
      send: (index) => {
        if (index === 1) throw new Error('sync failure');
        if (index === 2) return Promise.reject(Object.assign(new Error('reset'), { code: 'ECONNRESET' }));
        return Promise.resolve(200);
      },
      ...clock,
    });
    expect(result.outcomes.map((outcome) => outcome.kind)).toEqual(['done', 'failed', 'failed']);
    const summary = summarizeStep(result, 100);
    expect(summary.errors).toEqual({ error: 1, ECONNRESET: 1 });
  });

  it('refuses a maxInFlight that is not a positive integer', async () => {
    await expect(
      runOpenLoop({ ratePerSecond: 1, durationMs: 1_000, maxInFlight: 0, send: () => Promise.resolve(1) }),
    ).rejects.toThrow(RangeError);
  });
});
