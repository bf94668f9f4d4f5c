// The in-partition schedule on plain promises: order per key, parallelism across keys, and an
// offset that never passes a message that has not finished.
import { describe, expect, it } from 'vitest';
import { type PartitionScheduleOptions, runPartitionSchedule } from './partition-schedule';

interface Msg {
  offset: number;
  key: string;
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function messages(count: number, keyOf: (i: number) => string): Msg[] {
  return Array.from({ length: count }, (_, offset) => ({ offset, key: keyOf(offset) }));
}

/** Options around a `run(message)`; records every resolved offset. */
function harness(run: (m: Msg) => Promise<void>, overrides: Partial<PartitionScheduleOptions<Msg>> = {}) {
  const resolved: number[] = [];
  const options: PartitionScheduleOptions<Msg> = {
    max: 4,
    maxWindow: 1_000,
    offsetOf: (m) => String(m.offset),
    prepare: (m) => ({ key: m.key, run: () => run(m) }),
    resolve: (offset) => resolved.push(Number(offset)),
    tick: () => Promise.resolve(),
    tickMs: 5,
    stopped: () => false,
    ...overrides,
  };
  return { resolved, options };
}

describe('runPartitionSchedule', () => {
  it('runs different keys side by side and each key in offset order, one at a time', async () => {
    const started: Msg[] = [];
    const runningPerKey = new Map<string, number>();
    let overlapWithinKey = false;
    const { resolved, options } = harness(async (m) => {
      started.push(m);
      const now = (runningPerKey.get(m.key) ?? 0) + 1;
      runningPerKey.set(m.key, now);
      if (now > 1) overlapWithinKey = true;
      await sleep(1 + ((m.offset * 7) % 5)); // uneven durations: later messages often finish first
      runningPerKey.set(m.key, (runningPerKey.get(m.key) ?? 1) - 1);
    });
    const batch = messages(60, (i) => `k${i % 5}`);
    const outcome = await runPartitionSchedule(batch, options);

    expect(outcome.error).toBeUndefined();
    expect(outcome.finished).toBe(60);
    expect(overlapWithinKey).toBe(false);
    for (const key of ['k0', 'k1', 'k2', 'k3', 'k4']) {
      const order = started.filter((m) => m.key === key).map((m) => m.offset);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
    expect(outcome.maxRunning).toBeGreaterThan(1);
    expect(outcome.maxRunning).toBeLessThanOrEqual(4);
    // Resolved offsets only grow, and end at the last message.
    expect(resolved).toEqual([...resolved].sort((a, b) => a - b));
    expect(resolved.at(-1)).toBe(59);
  });

  it('never resolves past a message that has not finished, however many after it did', async () => {
    const gate = deferred();
    const { resolved, options } = harness(async (m) => {
      if (m.offset === 2) await gate.promise;
    });
    const done = runPartitionSchedule(messages(20, (i) => `k${i}`), options);
    await sleep(50);
    expect(Math.max(...resolved)).toBe(1);
    gate.resolve();
    const outcome = await done;
    expect(outcome.finished).toBe(20);
    expect(resolved.at(-1)).toBe(19);
  });

  it('after a failure starts nothing more, keeps the failed key closed and resolves below it only', async () => {
    const ran: number[] = [];
    const failing = deferred();
    const { resolved, options } = harness(async (m) => {
      if (m.offset === 1) await failing.promise;
      ran.push(m.offset);
    });
    // offsets 0..9; key 'a' at 1 and 5, the rest on keys of their own
    const batch = messages(10, (i) => (i === 1 || i === 5 ? 'a' : `k${i}`));
    const done = runPartitionSchedule(batch, options);
    await sleep(30);
    failing.reject(new Error('interrupted'));
    const outcome = await done;

    expect(outcome.error).toEqual(new Error('interrupted'));
    expect(ran).not.toContain(1);
    expect(ran).not.toContain(5); // same key, after the failed one: never started
    expect(Math.max(...resolved)).toBe(0);
  });

  it('stops dispatching once stopped() holds, letting what runs finish', async () => {
    let stop = false;
    const ran: number[] = [];
    const { options } = harness(
      async (m) => {
        ran.push(m.offset);
        if (m.offset === 3) stop = true;
        await sleep(5);
      },
      { max: 2, stopped: () => stop },
    );
    const outcome = await runPartitionSchedule(messages(30, (i) => `k${i}`), options);
    expect(outcome.error).toBeUndefined();
    expect(ran.length).toBeLessThan(8);
    expect(outcome.finished).toBe(ran.length);
  });

  it('lets the others run at most maxWindow past an unfinished message', async () => {
    const gate = deferred();
    let dispatched = 0;
    const { options } = harness(
      async (m) => {
        if (m.offset === 0) await gate.promise;
      },
      {
        maxWindow: 10,
        prepare: (m) => {
          dispatched += 1;
          return { key: m.key, run: async () => (m.offset === 0 ? gate.promise : undefined) };
        },
      },
    );
    const done = runPartitionSchedule(messages(50, (i) => `k${i}`), options);
    await sleep(40);
    expect(dispatched).toBe(10);
    gate.resolve();
    expect((await done).finished).toBe(50);
  });

  it('stops dispatching when a tick fails (a rebalance) and reports it', async () => {
    let ticks = 0;
    const { options } = harness(() => sleep(20), {
      max: 1,
      tickMs: 1,
      tick: () => {
        ticks += 1;
        return ticks > 2 ? Promise.reject(new Error('rebalancing')) : Promise.resolve();
      },
    });
    const outcome = await runPartitionSchedule(messages(20, (i) => `k${i}`), options);
    expect(outcome.error).toEqual(new Error('rebalancing'));
    expect(outcome.finished).toBeLessThan(20);
  });
});
