import { describe, expect, it } from 'vitest';
import { type ThrottleCause, type ThrottleConfig, createSendThrottle } from './throttle';
import { createTokenBucket } from './token-bucket';

/** A fake clock whose sleep advances it, recording every wait. */
function fakeTime(start = 1_000_000) {
  let now = start;
  const waits: { cause: ThrottleCause; ms: number }[] = [];
  return {
    now: () => now,
    advance: (ms: number) => {
      now += ms;
    },
    sleep: (ms: number) => {
      now += ms;
      return Promise.resolve();
    },
    onWait: (cause: ThrottleCause, ms: number) => waits.push({ cause, ms }),
    waits,
  };
}

const PAIR = { intervalMs: 6_000, burst: 45, backoffMaxMs: 8_000 };

function throttle(config: Partial<ThrottleConfig> = {}) {
  const time = fakeTime();
  const rates: number[] = [];
  const t = createSendThrottle(
    { ratePerSec: 80, pair: PAIR, ...config },
    { now: time.now, sleep: time.sleep, onWait: time.onWait, onRate: (_id, rate) => rates.push(rate) },
  );
  return { t, time, rates };
}

describe('token bucket', () => {
  it('starts full, then hands out reservations spaced at the rate, in arrival order', () => {
    const bucket = createTokenBucket({ ratePerSec: 10, capacity: 2, nowMs: 0 });
    expect([bucket.reserve(0), bucket.reserve(0)]).toEqual([0, 0]);
    expect(bucket.reserve(0)).toBe(100);
    expect(bucket.reserve(0)).toBe(200);
    // 250 ms later 2.5 tokens accrued against a debt of 2
    expect(bucket.reserve(250)).toBe(50);
  });

  it('never saves more than its capacity, and a drain forgives no debt', () => {
    const bucket = createTokenBucket({ ratePerSec: 10, capacity: 2, nowMs: 0 });
    expect(bucket.tokens(60_000)).toBe(2);
    bucket.reserve(60_000);
    bucket.reserve(60_000);
    bucket.reserve(60_000);
    bucket.drain(60_000);
    expect(bucket.tokens(60_000)).toBeCloseTo(-1);
  });

  it('does not mint tokens when the clock steps back', () => {
    const bucket = createTokenBucket({ ratePerSec: 10, capacity: 1, nowMs: 1_000 });
    bucket.reserve(1_000);
    expect(bucket.reserve(500)).toBe(100);
  });

  it('refuses a rate or capacity that is not positive', () => {
    expect(() => createTokenBucket({ ratePerSec: 0, capacity: 1, nowMs: 0 })).toThrow(RangeError);
    expect(() => createTokenBucket({ ratePerSec: 1, capacity: -1, nowMs: 0 })).toThrow(RangeError);
  });
});

describe('send throttle: per-number throughput', () => {
  it('lets half a second of burst through, then holds the number to exactly its rate', async () => {
    const { t, time } = throttle({ ratePerSec: 80 });
    const start = time.now();
    for (let i = 0; i < 40; i += 1) await t.acquire('n1', `r${i}`);
    expect(time.now()).toBe(start); // the 40-message burst costs nothing
    for (let i = 40; i < 840; i += 1) await t.acquire('n1', `r${i}`);
    // 800 more at 80/s take 10 s: never faster than the cap
    expect(time.now() - start).toBeGreaterThanOrEqual(10_000);
    expect(time.now() - start).toBeLessThanOrEqual(10_000 + 800);
    expect(time.waits.every((w) => w.cause === 'throughput')).toBe(true);
  });

  it('keeps numbers apart', async () => {
    const { t, time } = throttle({ ratePerSec: 2 });
    await t.acquire('n1', 'r');
    await t.acquire('n2', 'r');
    expect(time.waits).toEqual([]);
    await t.acquire('n1', 'r2');
    expect(time.waits).toEqual([{ cause: 'throughput', ms: 500 }]);
  });

  it('on 130429 halves the rate, pauses the number, and recovers additively', async () => {
    const { t, time, rates } = throttle({ ratePerSec: 80 });
    await t.acquire('n1', 'r');
    expect(t.throughputLimited('n1', 500)).toBe(40);
    time.advance(500); // the pause is over: a new 130429 is a new event
    expect(t.throughputLimited('n1', 1_000)).toBe(20);
    expect(rates).toEqual([80, 40, 20]); // the cap when the number is first seen, then each cut
    const before = time.now();
    await t.acquire('n1', 'r2');
    // paused for the whole second, then a token at 20/s after the drain
    expect(time.waits[0]).toEqual({ cause: 'paused', ms: 1_000 });
    expect(time.now() - before).toBeGreaterThanOrEqual(1_000);
    // recovery: rate / 20 = 4 mps per second; 5 s without errors → back to 40
    time.advance(5_000);
    await t.acquire('n1', 'r3');
    expect(t.ratePerSec('n1')).toBeCloseTo(40, 0);
    time.advance(60_000);
    await t.acquire('n1', 'r4');
    expect(t.ratePerSec('n1')).toBe(80); // never above the cap
  });

  it('never halves below the floor', () => {
    const { t, time } = throttle({ ratePerSec: 4, minRatePerSec: 1 });
    for (let i = 0; i < 10; i += 1) {
      t.throughputLimited('n1', 10);
      time.advance(10);
    }
    expect(t.ratePerSec('n1')).toBe(1);
  });

  it('counts 130429s to calls sent together as one event: one cut, the pause extended', () => {
    const { t, rates } = throttle({ ratePerSec: 80 });
    // 16 calls in flight at once all meet Meta's empty bucket
    for (let i = 0; i < 16; i += 1) t.throughputLimited('n1', 300 + i * 10);
    expect(t.ratePerSec('n1')).toBe(40);
    expect(rates).toEqual([80, 40]);
  });

  it('sends nothing during a pause that began while a call waited for its token', async () => {
    const time = fakeTime();
    let onFirstThroughputWait: (() => void) | undefined;
    const t = createSendThrottle(
      { ratePerSec: 10, pair: PAIR },
      {
        now: time.now,
        onWait: time.onWait,
        sleep: (ms) => {
          const hook = onFirstThroughputWait;
          onFirstThroughputWait = undefined;
          if (hook === undefined) return time.sleep(ms);
          // 50 ms into this call's wait for its token, a call sent before it comes back 130429.
          time.advance(50);
          hook();
          return time.sleep(ms - 50);
        },
      },
    );
    for (let i = 0; i < 5; i += 1) await t.acquire('n1', `r${i}`); // the burst (half a second) is spent
    const start = time.now();
    onFirstThroughputWait = () => t.throughputLimited('n1', 1_000);
    await t.acquire('n1', 'late');
    // It went out only after the pause (ending 1 050 ms after start), not when its token came due.
    expect(time.now() - start).toBeGreaterThanOrEqual(1_050);
    expect(time.waits.map((w) => w.cause)).toEqual(['throughput', 'paused']);
  });
});

describe('send throttle: pair rate', () => {
  it('allows a burst of 45 to one recipient, then one per 6 s; other recipients go at once', async () => {
    const { t, time } = throttle({ ratePerSec: 1_000 });
    for (let i = 0; i < 45; i += 1) await t.acquire('n1', 'patient');
    expect(time.waits.filter((w) => w.cause === 'pair')).toEqual([]);
    await t.acquire('n1', 'patient');
    expect(time.waits.filter((w) => w.cause === 'pair')).toEqual([{ cause: 'pair', ms: 6_000 }]);
    const waitsBefore = time.waits.length;
    await t.acquire('n1', 'another patient');
    expect(time.waits.slice(waitsBefore).filter((w) => w.cause === 'pair')).toEqual([]);
  });

  it('is per number too: the same recipient from another number has its own budget', async () => {
    const { t, time } = throttle({ pair: { ...PAIR, burst: 1 } });
    await t.acquire('n1', 'patient');
    await t.acquire('n2', 'patient');
    expect(time.waits).toEqual([]);
  });

  it('on 131056 blocks only that recipient for 4^X s, capped, and resets after an acceptance', async () => {
    const { t, time } = throttle({ pair: { ...PAIR, backoffMaxMs: 20_000 } });
    expect([t.pairLimited('n1', 'p'), t.pairLimited('n1', 'p'), t.pairLimited('n1', 'p'), t.pairLimited('n1', 'p')]).toEqual([1_000, 4_000, 16_000, 20_000]);
    await t.acquire('n1', 'someone else');
    expect(time.waits).toEqual([]);
    await t.acquire('n1', 'p');
    expect(time.waits[0]).toEqual({ cause: 'pair', ms: 20_000 });
    t.accepted('n1', 'p');
    expect(t.pairLimited('n1', 'p')).toBe(1_000);
  });

  it('a mark-as-read (no recipient) takes no pair token', async () => {
    const { t, time } = throttle({ pair: { ...PAIR, burst: 1 } });
    await t.acquire('n1', undefined);
    await t.acquire('n1', undefined);
    expect(time.waits.filter((w) => w.cause === 'pair')).toEqual([]);
  });

  it('forgets idle recipients when it holds too many, keeping blocked ones', async () => {
    const { t, time } = throttle({ pair: { ...PAIR, burst: 1 }, maxPairEntries: 2 });
    t.pairLimited('n1', 'blocked');
    await t.acquire('n1', 'idle');
    time.advance(10_000); // 'idle' refilled; 'blocked' block ended but its streak stands
    await t.acquire('n1', 'third'); // evicts 'idle' only
    const waits = time.waits.length;
    await t.acquire('n1', 'idle'); // a fresh, full bucket: no wait
    expect(time.waits.length).toBe(waits);
    expect(t.pairLimited('n1', 'blocked')).toBe(4_000); // its streak survived
  });
});
