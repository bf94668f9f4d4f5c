// A token bucket that hands out reservations: `reserve` takes a token now and says how long the
// caller must wait before using it (the balance may go below zero, which queues callers in arrival
// order instead of letting them race for the next token). Time is passed in, never read, so the
// bucket is pure and a test drives it with a fake clock.

export interface TokenBucket {
  /** Takes one token; returns the milliseconds to wait before it may be used (0: at once). */
  reserve(nowMs: number): number;
  /** Changes the refill rate (tokens per second) and the capacity, keeping what has accrued. */
  configure(ratePerSec: number, capacity: number, nowMs: number): void;
  /** Throws away any accrued tokens (never forgives a debt): after a limit error nothing is saved up. */
  drain(nowMs: number): void;
  /** Tokens available now (negative: reservations waiting). */
  tokens(nowMs: number): number;
  readonly ratePerSec: number;
  readonly capacity: number;
}

export function createTokenBucket(options: { ratePerSec: number; capacity: number; nowMs: number }): TokenBucket {
  let rate = positive(options.ratePerSec, 'ratePerSec');
  let capacity = positive(options.capacity, 'capacity');
  // Starts full, like Meta's (and the simulator's) buckets.
  let balance = capacity;
  let at = options.nowMs;

  function refill(nowMs: number): void {
    // A clock that steps back must not mint tokens later; it only stops refilling meanwhile.
    if (nowMs <= at) return;
    balance = Math.min(capacity, balance + ((nowMs - at) * rate) / 1000);
    at = nowMs;
  }

  return {
    reserve(nowMs) {
      refill(nowMs);
      balance -= 1;
      // A token is whole once the balance is back to zero; float dust from refills must not count.
      return balance >= -1e-9 ? 0 : Math.ceil((-balance * 1000) / rate);
    },
    configure(ratePerSec, newCapacity, nowMs) {
      refill(nowMs);
      rate = positive(ratePerSec, 'ratePerSec');
      capacity = positive(newCapacity, 'capacity');
      balance = Math.min(balance, capacity);
    },
    drain(nowMs) {
      refill(nowMs);
      balance = Math.min(balance, 0);
    },
    tokens(nowMs) {
      refill(nowMs);
      return balance;
    },
    get ratePerSec() {
      return rate;
    },
    get capacity() {
      return capacity;
    },
  };
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number`);
  return value;
}
