// Time as the simulator sees it. Tests need to be "25 hours later" without waiting, so the
// simulator's clock is the real one plus an offset that `POST /_sim/clock/advance` moves. Timers
// (status delays, webhook retries) still run in real time: only "what time is it" shifts.
// Rate limits (token buckets) read this clock too; a test that counts sends "at exactly the
// limit" freezes it (`POST /_sim/clock/freeze`) so that no token refills while its requests run.

export interface Clock {
  /** epoch milliseconds */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SimClock extends Clock {
  advance(ms: number): void;
  /** stops "now" where it is; `advance` still moves it */
  freeze(): void;
  /** lets time run again from where it stands (it never jumps back) */
  unfreeze(): void;
  frozen(): boolean;
  reset(): void;
  offsetMs(): number;
}

export function createSimClock(base: Clock): SimClock {
  let offset = 0;
  let frozenAt: number | null = null;
  return {
    now: () => frozenAt ?? base.now() + offset,
    advance: (ms) => {
      offset += ms;
      if (frozenAt !== null) frozenAt += ms;
    },
    freeze: () => {
      frozenAt ??= base.now() + offset;
    },
    unfreeze: () => {
      if (frozenAt === null) return;
      offset = frozenAt - base.now();
      frozenAt = null;
    },
    frozen: () => frozenAt !== null,
    reset: () => {
      offset = 0;
      frozenAt = null;
    },
    offsetMs: () => offset,
  };
}

/** Unix seconds as a string, the way Meta writes every webhook `timestamp`. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
