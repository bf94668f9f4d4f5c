// Sending at WhatsApp's limits (fact sheet §6), applied before every Graph call:
//   - per sending number, a token bucket at this instance's share of the number's throughput cap
//     (80 mps by default, up to 1,000). Its capacity is half a second of the rate, not Meta's full
//     second: Meta's bucket starts full too, so the other half is slack for network jitter that
//     bunches our calls up on arrival — that slack is what keeps 130429 at zero at the full rate.
//   - AIMD on 130429: the number's rate halves (never below `minRatePerSec`), its bucket is emptied
//     and the number pauses for the given time; then the rate climbs back by `recoveryPerSec` per
//     second. Meta counts inbound messages against the same cap, so our bucket alone cannot
//     promise zero 130429s; this is how we settle just under what Meta actually lets through.
//     Several commands of a number are sent at once (the consumer's in-partition concurrency), so
//     one empty bucket at Meta answers several calls with 130429: a 130429 that arrives while the
//     number is already paused belongs to that same event (no call leaves during a pause, see
//     acquire) and only extends the pause; halving once per call would drop the rate to the floor.
//   - per (number, recipient), Meta's pair rate: a bucket of `burst` refilled one per
//     `intervalMs` (1 per 6 s, bursts of 45). On 131056 that recipient alone is blocked for 4^X
//     seconds (X = 0, 1, 2 … consecutive 131056s, as Meta advises), capped at `backoffMaxMs`.
// The state is in memory, per gateway instance. That is enough because `wa.outbound.requested.v1`
// is keyed by phone_number_id: all of a number's commands are in one partition, which one instance
// of the group consumes at a time (README, "Limits and replicas").
//
// Clock, sleep and jitter are injected: the unit tests run the limiter on a fake clock.
import { type TokenBucket, createTokenBucket } from './token-bucket';

export interface ThrottleConfig {
  /** This instance's share of each number's throughput cap, messages per second. */
  ratePerSec: number;
  /** Bucket capacity in seconds of rate (default 0.5, see above). */
  burstSeconds?: number;
  /** AIMD floor after repeated halving (default 1 mps). */
  minRatePerSec?: number;
  /** AIMD additive increase, mps regained per second without a throughput error (default rate / 20). */
  recoveryPerSec?: number;
  pair: {
    /** One message per this many ms to one recipient (Meta: 6 s). */
    intervalMs: number;
    /** Bursts of up to this many (Meta: 45). */
    burst: number;
    /** Cap of the 4^X s block after a 131056. */
    backoffMaxMs: number;
  };
  /** Pair buckets kept before idle (full, unblocked) ones are forgotten (default 50,000). */
  maxPairEntries?: number;
}

export type ThrottleCause = 'pair' | 'paused' | 'throughput';

export interface ThrottleDeps {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Called for every wait, with its cause and length. */
  onWait?: (cause: ThrottleCause, ms: number) => void;
  /** Called when a number's rate changes (AIMD). */
  onRate?: (phoneNumberId: string, ratePerSec: number) => void;
}

export interface SendThrottle {
  /**
   * Waits until one call from `phoneNumberId` (to `recipientKey`, when it sends a message: a
   * mark-as-read reaches no one and takes no pair token) may go; resolves with the ms waited.
   */
  acquire(phoneNumberId: string, recipientKey: string | undefined): Promise<number>;
  /**
   * Meta said 130429: halve the number's rate and pause it for `pauseMs` (while it is already
   * paused: only the pause may grow, see the top of this file). Returns the new rate.
   */
  throughputLimited(phoneNumberId: string, pauseMs: number): number;
  /** Meta said 131056: block this recipient for 4^X s. Returns the block in ms. */
  pairLimited(phoneNumberId: string, recipientKey: string): number;
  /** Meta accepted a message to this recipient: its 131056 streak ends. */
  accepted(phoneNumberId: string, recipientKey: string): void;
  /** The number's current rate (the configured one until a 130429). */
  ratePerSec(phoneNumberId: string): number;
}

interface NumberState {
  bucket: TokenBucket;
  rate: number;
  /** When the rate last grew (or was cut): recovery accrues from here. */
  rateAt: number;
  pausedUntil: number;
}

interface PairState {
  bucket: TokenBucket;
  blockedUntil: number;
  /** Consecutive 131056s: X of 4^X. */
  strikes: number;
}

export function createSendThrottle(config: ThrottleConfig, deps: ThrottleDeps): SendThrottle {
  const cap = config.ratePerSec;
  if (!(cap > 0)) throw new RangeError('ratePerSec must be positive');
  const burstSeconds = config.burstSeconds ?? 0.5;
  const minRate = Math.min(cap, config.minRatePerSec ?? 1);
  const recoveryPerSec = config.recoveryPerSec ?? cap / 20;
  const pairRate = 1000 / config.pair.intervalMs;
  const maxPairEntries = config.maxPairEntries ?? 50_000;
  const capacityFor = (rate: number): number => Math.max(1, rate * burstSeconds);

  const numbers = new Map<string, NumberState>();
  const pairs = new Map<string, PairState>();

  function numberState(id: string, now: number): NumberState {
    let state = numbers.get(id);
    if (state === undefined) {
      state = { bucket: createTokenBucket({ ratePerSec: cap, capacity: capacityFor(cap), nowMs: now }), rate: cap, rateAt: now, pausedUntil: 0 };
      numbers.set(id, state);
      deps.onRate?.(id, cap);
    }
    return state;
  }

  function pairState(key: string, now: number): PairState {
    let state = pairs.get(key);
    if (state === undefined) {
      if (pairs.size >= maxPairEntries) forgetIdlePairs(now);
      state = { bucket: createTokenBucket({ ratePerSec: pairRate, capacity: config.pair.burst, nowMs: now }), blockedUntil: 0, strikes: 0 };
      pairs.set(key, state);
    }
    return state;
  }

  /** A full, unblocked pair bucket carries no information: a new one would be the same. */
  function forgetIdlePairs(now: number): void {
    for (const [key, state] of pairs) {
      if (state.blockedUntil <= now && state.strikes === 0 && state.bucket.tokens(now) >= config.pair.burst - 1e-9) pairs.delete(key);
    }
  }

  /** Additive increase: the rate regained since the last change, outside pauses. */
  function recover(id: string, state: NumberState, now: number): void {
    if (state.rate >= cap || now <= state.pausedUntil) return;
    const since = Math.max(state.rateAt, state.pausedUntil);
    const rate = Math.min(cap, state.rate + (recoveryPerSec * (now - since)) / 1000);
    if (rate === state.rate) return;
    state.rate = rate;
    state.rateAt = now;
    state.bucket.configure(rate, capacityFor(rate), now);
    deps.onRate?.(id, rate);
  }

  async function wait(cause: ThrottleCause, ms: number): Promise<number> {
    if (ms <= 0) return 0;
    deps.onWait?.(cause, ms);
    await deps.sleep(ms);
    return ms;
  }

  return {
    async acquire(phoneNumberId, recipientKey) {
      let waited = 0;
      // The recipient first: a token of the number taken before a long pair wait would be wasted.
      if (recipientKey !== undefined) {
        const pair = pairState(`${phoneNumberId}:${recipientKey}`, deps.now());
        waited += await wait('pair', Math.max(0, pair.blockedUntil - deps.now()));
        waited += await wait('pair', pair.bucket.reserve(deps.now()));
      }
      const state = numberState(phoneNumberId, deps.now());
      // A 130429 to a call sent alongside may pause the number while this one waits for its
      // token: then the token is forfeit and the pause is waited for too, so no call goes out
      // during a pause.
      for (;;) {
        waited += await wait('paused', Math.max(0, state.pausedUntil - deps.now()));
        recover(phoneNumberId, state, deps.now());
        waited += await wait('throughput', state.bucket.reserve(deps.now()));
        if (state.pausedUntil <= deps.now()) return waited;
      }
    },
    throughputLimited(phoneNumberId, pauseMs) {
      const now = deps.now();
      const state = numberState(phoneNumberId, now);
      const sameEvent = now < state.pausedUntil;
      state.pausedUntil = Math.max(state.pausedUntil, now + pauseMs);
      if (sameEvent) return state.rate;
      state.rate = Math.max(minRate, state.rate / 2);
      state.rateAt = now;
      state.bucket.configure(state.rate, capacityFor(state.rate), now);
      state.bucket.drain(now);
      deps.onRate?.(phoneNumberId, state.rate);
      return state.rate;
    },
    pairLimited(phoneNumberId, recipientKey) {
      const now = deps.now();
      const pair = pairState(`${phoneNumberId}:${recipientKey}`, now);
      const blockMs = Math.min(config.pair.backoffMaxMs, 1000 * 4 ** pair.strikes);
      pair.strikes = Math.min(pair.strikes + 1, 10);
      // Meta's advice is the whole answer: retry after the block. Draining our pair bucket too
      // would add a full interval (6 s) on top.
      pair.blockedUntil = Math.max(pair.blockedUntil, now + blockMs);
      return blockMs;
    },
    accepted(phoneNumberId, recipientKey) {
      const pair = pairs.get(`${phoneNumberId}:${recipientKey}`);
      if (pair !== undefined) pair.strikes = 0;
    },
    ratePerSec(phoneNumberId) {
      return numbers.get(phoneNumberId)?.rate ?? cap;
    },
  };
}
