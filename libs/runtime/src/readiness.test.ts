import { describe, expect, it } from 'vitest';
import { unavailable } from './errors';
import { cachedCheck, evaluateReadiness } from './readiness';

describe('evaluateReadiness', () => {
  it('runs probes in parallel and reports each one', async () => {
    let inFlight = 0;
    let maxInFlight = 0;
    const slow = async () => {
      maxInFlight = Math.max(maxInFlight, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, 20));
      inFlight--;
    };
    const checks = await evaluateReadiness([
      { name: 'a', check: slow },
      { name: 'b', check: slow },
      { name: 'c', check: () => false },
    ]);
    expect(maxInFlight).toBe(2);
    expect(checks).toEqual([
      { name: 'a', ok: true },
      { name: 'b', ok: true },
      { name: 'c', ok: false, reason: 'not ready' },
    ]);
  });

  it("reports a DomainError's safe message, otherwise only the error's code or name", async () => {
    const checks = await evaluateReadiness([
      { name: 'kafka', check: () => Promise.reject(unavailable('kafka_down', 'No broker answers.')) },
      { name: 'pg', check: () => Promise.reject(Object.assign(new Error('postgres://u:pw@db refused'), { code: 'ECONNREFUSED' })) },
      { name: 'other', check: () => Promise.reject(new TypeError('pw=secret')) },
    ]);
    expect(checks.map((c) => c.reason)).toEqual(['No broker answers.', 'ECONNREFUSED', 'TypeError']);
  });

  it('accepts a function that returns check results, and treats its failure as one failed check', async () => {
    expect(await evaluateReadiness(() => [{ name: 'x', ok: true }])).toEqual([{ name: 'x', ok: true }]);
    expect(await evaluateReadiness(() => Promise.reject(new Error('boom')))).toEqual([
      { name: 'readiness', ok: false, reason: 'Error' },
    ]);
    expect(await evaluateReadiness(undefined)).toEqual([]);
  });
});

describe('cachedCheck', () => {
  it('runs the check at most once per ttl, shares a run in flight, and never caches a failure', async () => {
    let clock = 0;
    let calls = 0;
    let fail = false;
    const check = cachedCheck(
      1_000,
      () => {
        calls += 1;
        return fail ? Promise.reject(new Error('down')) : Promise.resolve();
      },
      () => clock,
    );
    await Promise.all([check(), check()]);
    expect(calls).toBe(1);
    clock = 999;
    await check();
    expect(calls).toBe(1);
    clock = 1_000;
    fail = true;
    await expect(check()).rejects.toThrow('down');
    expect(calls).toBe(2);
    fail = false;
    await check();
    expect(calls).toBe(3);
  });
});
