// Meta's sending limits (fact sheet section 6), on the simulator's clock so that a test can
// freeze time and count sends to exactly the limit:
//   throughput   per business number, a token bucket of `throughput_mps` tokens refilled at
//                `throughput_mps` per second (one second of burst). Outbound sends take a token;
//                Meta counts inbound messages too, so a patient's message takes one when there is
//                one (it is never refused). Empty: 130429.
//   pair rate    per (business number, user), a bucket of `burst` tokens refilled one per
//                `interval_seconds` (Meta: 1 per 6 s, bursts of 45 borrowed from future quota).
//                Empty: 131056.
//   messaging    per WABA (standing in for the business portfolio), the unique users sent a
//   limit        business-initiated message (a template outside the customer service window) in a
//                moving 24 h; a user already counted does not count again. Over the tier: 131048.
// A refused send takes nothing from any bucket.
import type { Clock } from '../clock';
import type { Settings } from '../config';

interface Bucket {
  tokens: number;
  /** epoch ms of the last refill */
  at: number;
}

const DAY_MS = 24 * 3600 * 1000;

export interface RateLimits {
  /** which limit this send would break, without taking anything; null when it may go */
  check(phoneNumberId: string, waId: string): 'throughput' | 'pair' | null;
  /** takes the tokens of an accepted send */
  take(phoneNumberId: string, waId: string): void;
  /** a patient's message to the number uses throughput too, when there is some left */
  countInbound(phoneNumberId: string): void;
  /**
   * A business-initiated message from the WABA to this user: true when the messaging limit allows
   * it (the user is counted from now on), false when the WABA is at its limit.
   */
  admitBusinessInitiated(wabaId: string, waId: string): boolean;
  reset(): void;
}

export function createRateLimits(deps: { clock: Clock; settings: () => Settings }): RateLimits {
  let throughput = new Map<string, Bucket>();
  let pairs = new Map<string, Bucket>();
  let reached = new Map<string, Map<string, number>>();

  /** the bucket refilled up to now (created full) */
  function current(map: Map<string, Bucket>, key: string, capacity: number, perMs: number): Bucket {
    const now = deps.clock.now();
    const bucket = map.get(key) ?? { tokens: capacity, at: now };
    const elapsed = Math.max(0, now - bucket.at);
    bucket.tokens = Math.min(capacity, bucket.tokens + elapsed * perMs);
    bucket.at = now;
    map.set(key, bucket);
    return bucket;
  }

  function throughputBucket(phoneNumberId: string): Bucket {
    const mps = deps.settings().throughput_mps;
    return current(throughput, phoneNumberId, mps, mps / 1000);
  }

  function pairBucket(phoneNumberId: string, waId: string): Bucket {
    const { burst, interval_seconds } = deps.settings().pair_rate;
    return current(pairs, `${phoneNumberId}:${waId}`, burst, 1 / (interval_seconds * 1000));
  }

  // a token is there when at least one whole token is; float dust from refills must not count
  const EPSILON = 1e-9;

  return {
    check(phoneNumberId, waId) {
      if (throughputBucket(phoneNumberId).tokens < 1 - EPSILON) return 'throughput';
      if (pairBucket(phoneNumberId, waId).tokens < 1 - EPSILON) return 'pair';
      return null;
    },
    take(phoneNumberId, waId) {
      throughputBucket(phoneNumberId).tokens -= 1;
      pairBucket(phoneNumberId, waId).tokens -= 1;
    },
    countInbound(phoneNumberId) {
      const bucket = throughputBucket(phoneNumberId);
      bucket.tokens = Math.max(0, bucket.tokens - 1);
    },
    admitBusinessInitiated(wabaId, waId) {
      const limit = deps.settings().messaging_limit;
      const now = deps.clock.now();
      const users = reached.get(wabaId) ?? new Map<string, number>();
      reached.set(wabaId, users);
      for (const [user, at] of users) if (now - at >= DAY_MS) users.delete(user);
      if (users.has(waId)) return true;
      if (limit !== 'unlimited' && users.size >= limit) return false;
      users.set(waId, now);
      return true;
    },
    reset() {
      throughput = new Map();
      pairs = new Map();
      reached = new Map();
    },
  };
}
