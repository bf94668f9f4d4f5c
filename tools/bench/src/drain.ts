// Waiting for the stack's consumers to catch up (see ./kafka-lag.ts), bounded in time.

export interface DrainResult {
  drained: boolean;
  /** From the call until the lag was seen at zero (or until giving up). */
  ms: number;
  /** Lag at the last reading (0 when drained). */
  lag: number;
}

export interface DrainOptions {
  /** Total lag of the stack's consumer groups. */
  readLag: () => Promise<number>;
  timeoutMs: number;
  /** Between readings. Default 250 ms. */
  intervalMs?: number;
  /**
   * Readings at zero in a row needed (default 2): the outbox relays put records on the next topic
   * shortly after the previous consumer committed, so one zero can be a gap between two hops.
   */
  zerosInARow?: number;
  signal?: AbortSignal;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

export async function waitDrained(options: DrainOptions): Promise<DrainResult> {
  const now = options.now ?? (() => performance.now());
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const intervalMs = options.intervalMs ?? 250;
  const needed = options.zerosInARow ?? 2;
  const began = now();
  let zeros = 0;
  let firstZeroAt: number | undefined;
  let lag = Number.NaN;
  for (;;) {
    try {
      lag = await options.readLag();
    } catch {
      // a reading that failed (broker busy) is neither progress nor a failure: read again
      lag = Number.NaN;
    }
    if (lag === 0) {
      zeros += 1;
      firstZeroAt ??= now();
      if (zeros >= needed) return { drained: true, ms: firstZeroAt - began, lag: 0 };
    } else {
      zeros = 0;
      firstZeroAt = undefined;
    }
    if (now() - began >= options.timeoutMs || options.signal?.aborted === true) {
      return { drained: false, ms: now() - began, lag };
    }
    await sleep(intervalMs);
  }
}
