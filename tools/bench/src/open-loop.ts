// The open-loop scheduler: request i is due at `start + i / rate` whether or not earlier requests
// have finished, the way Meta (or any crowd of patients) sends webhooks. A closed loop (send the
// next when the previous answered) would slow down with the server and hide its queueing; here a
// slow server shows up as latency and, past the in-flight bound, as shed requests.
//
// Latency is counted from the time a request was DUE, not from when the loop got round to sending
// it: a late timer (the machine is shared) must not make the server look faster than it is
// ("coordinated omission").

export interface OpenLoopOptions<T> {
  /** Requests per second offered. */
  ratePerSecond: number;
  /** How long requests are offered; `requestCount(rate, duration)` requests in all. */
  durationMs: number;
  /**
   * Requests allowed in flight at once. A request due while this many are outstanding is not sent
   * and counts as shed: memory and sockets stay bounded however slow the server gets.
   */
  maxInFlight: number;
  /** Sends the i-th request (0-based); whatever it resolves to is kept, a rejection is recorded. */
  send: (index: number) => Promise<T>;
  /** Monotonic milliseconds. Default `performance.now`. */
  now?: () => number;
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
}

export type Outcome<T> =
  | { kind: 'done'; index: number; dueAt: number; sentAt: number; finishedAt: number; value: T }
  | { kind: 'failed'; index: number; dueAt: number; sentAt: number; finishedAt: number; error: unknown }
  | { kind: 'shed'; index: number; dueAt: number };

export interface OpenLoopResult<T> {
  /** In index order. */
  outcomes: Outcome<T>[];
  startedAt: number;
  /** When the last request settled (not when the last one was due). */
  finishedAt: number;
  /** The largest delay between a request's due time and its send: how far the loop fell behind. */
  maxSendLagMs: number;
}

/** How many requests `rate` per second over `durationMs` makes (at least one). */
export function requestCount(ratePerSecond: number, durationMs: number): number {
  if (!(ratePerSecond > 0) || !(durationMs > 0)) {
    throw new RangeError('requestCount: rate and duration must be positive');
  }
  return Math.max(1, Math.round((ratePerSecond * durationMs) / 1000));
}

/** Milliseconds after the start at which request `index` is due. */
export function dueOffsetMs(index: number, ratePerSecond: number): number {
  return (index * 1000) / ratePerSecond;
}

const timerSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function runOpenLoop<T>(options: OpenLoopOptions<T>): Promise<OpenLoopResult<T>> {
  const { ratePerSecond, durationMs, maxInFlight, send } = options;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1) {
    throw new RangeError('runOpenLoop: maxInFlight must be a positive integer');
  }
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? timerSleep;
  const count = requestCount(ratePerSecond, durationMs);
  const outcomes: Outcome<T>[] = new Array<Outcome<T>>(count);
  const pending = new Set<Promise<void>>();
  let maxSendLagMs = 0;
  const startedAt = now();

  const launch = (index: number, dueAt: number): void => {
    const sentAt = now();
    maxSendLagMs = Math.max(maxSendLagMs, sentAt - dueAt);
    let call: Promise<T>;
    try {
      call = send(index);
    } catch (error) {
      // a send that throws instead of rejecting is recorded the same way
      call = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const settled = call.then(
      (value) => {
        outcomes[index] = { kind: 'done', index, dueAt, sentAt, finishedAt: now(), value };
      },
      (error: unknown) => {
        outcomes[index] = { kind: 'failed', index, dueAt, sentAt, finishedAt: now(), error };
      },
    );
    const tracked = settled.finally(() => pending.delete(tracked));
    pending.add(tracked);
  };

  let next = 0;
  while (next < count) {
    const current = now();
    // Everything due by now goes out at once: a loop that woke up late catches up rather than
    // stretching the step (which would lower the rate actually offered).
    while (next < count && startedAt + dueOffsetMs(next, ratePerSecond) <= current) {
      const dueAt = startedAt + dueOffsetMs(next, ratePerSecond);
      if (pending.size >= maxInFlight) outcomes[next] = { kind: 'shed', index: next, dueAt };
      else launch(next, dueAt);
      next += 1;
    }
    if (next < count) {
      await sleep(Math.max(0, startedAt + dueOffsetMs(next, ratePerSecond) - now()));
    }
  }
  while (pending.size > 0) await Promise.all([...pending]);
  return { outcomes, startedAt, finishedAt: now(), maxSendLagMs };
}
