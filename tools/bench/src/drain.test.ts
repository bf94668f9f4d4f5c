import { describe, expect, it } from 'vitest';
import { waitDrained } from './drain';

function clock() {
  let time = 0;
  return {
    now: () => time,
    sleep: (ms: number) => {
      time += ms;
      return Promise.resolve();
    },
  };
}

describe('waitDrained', () => {
  it('is drained at the first of two zero readings in a row, not at a zero between two hops', async () => {
    const readings = [30, 0, 12, 0, 0, 0];
    const result = await waitDrained({
      readLag: () => Promise.resolve(readings.shift() ?? 0),
      timeoutMs: 10_000,
      intervalMs: 100,
      ...clock(),
    });
    expect(result).toEqual({ drained: true, ms: 300, lag: 0 });
  });

  it('gives up after the timeout with the last lag, and reads again after a failed reading', async () => {
    let calls = 0;
    const result = await waitDrained({
      readLag: () => {
        calls += 1;
        return calls === 2 ? Promise.reject(new Error('broker busy')) : Promise.resolve(7);
      },
      timeoutMs: 1_000,
      intervalMs: 250,
      ...clock(),
    });
    expect(result).toEqual({ drained: false, ms: 1_000, lag: 7 });
    expect(calls).toBe(5);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await waitDrained({
      readLag: () => Promise.resolve(1),
      timeoutMs: 60_000,
      signal: controller.signal,
      ...clock(),
    });
    expect(result.drained).toBe(false);
  });
});
