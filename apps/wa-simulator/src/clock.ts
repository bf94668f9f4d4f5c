// Time as the simulator sees it. Tests need to be "25 hours later" without waiting, so the
// simulator's clock is the real one plus an offset that `POST /_sim/clock/advance` moves. Timers
// (status delays, webhook retries) still run in real time: only "what time is it" shifts.

export interface Clock {
  /** epoch milliseconds */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface SimClock extends Clock {
  advance(ms: number): void;
  reset(): void;
  offsetMs(): number;
}

export function createSimClock(base: Clock): SimClock {
  let offset = 0;
  return {
    now: () => base.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
    reset: () => {
      offset = 0;
    },
    offsetMs: () => offset,
  };
}

/** Unix seconds as a string, the way Meta writes every webhook `timestamp`. */
export function unixSeconds(ms: number): string {
  return String(Math.floor(ms / 1000));
}
