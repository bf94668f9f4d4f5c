// Concurrency inside one partition (createConsumer's `inPartitionConcurrency`). The messages of a
// fetched batch are started in offset order, up to `max` at a time; messages with the same
// ordering key run one after the other, in offset order, each only after the previous one
// FINISHED (if it did not, the later ones are not started at all: on redelivery they would come
// after it, and the key's order must hold then too). Different keys overlap.
//
// The offset handed to `resolve` is always the highest one below which every message finished, so
// a commit never passes a message that is still running, retrying or was interrupted. What
// finished above it is redelivered after a crash and skipped by the consumer's dedupe.
//
// Pure scheduling: no Kafka here, so the unit tests drive it with plain promises.

export interface PreparedMessage {
  /** Messages with equal keys run one at a time, in offset order. */
  key: string;
  /** Processes the message; a throw stops the schedule (nothing after it of its key starts). */
  run: () => Promise<void>;
}

export interface PartitionScheduleOptions<M> {
  /** Messages in flight at once (started or waiting for their key's predecessor). */
  max: number;
  /**
   * Most messages dispatched past the last resolved offset: a message that takes long (a retry
   * loop, an outage) lets the others run only this far ahead of it, which bounds what a crash
   * makes the partition redeliver.
   */
  maxWindow: number;
  offsetOf: (message: M) => string;
  /** Decodes the message and says its key; a throw stops the schedule. */
  prepare: (message: M) => PreparedMessage;
  /** Everything up to and including this offset has finished. Called with increasing offsets. */
  resolve: (offset: string) => void;
  /** Runs at least every `tickMs` while the dispatcher waits (heartbeat, commit); a throw stops dispatching. */
  tick: () => Promise<void>;
  tickMs: number;
  /** True once no further message should be started (stopping, revoked). */
  stopped: () => boolean;
}

export interface PartitionScheduleOutcome {
  /** The first failure (a run, prepare or tick that threw); later messages were not started. */
  error?: unknown;
  /** The most messages that were running at the same moment. */
  maxRunning: number;
  /** Messages that finished. */
  finished: number;
}

export async function runPartitionSchedule<M>(
  messages: readonly M[],
  options: PartitionScheduleOptions<M>,
): Promise<PartitionScheduleOutcome> {
  if (!Number.isInteger(options.max) || options.max < 1) throw new TypeError('max must be a positive integer');
  const maxWindow = Math.max(options.max, options.maxWindow);
  /** Dispatched messages not yet resolved, in offset order. */
  const window: { offset: string; done: boolean }[] = [];
  /** Per key, the last dispatched message's completion (true: it finished). */
  const lanes = new Map<string, Promise<boolean>>();
  let inFlight = 0;
  let running = 0;
  let maxRunning = 0;
  let finished = 0;
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;

  const halted = (): boolean => failure !== undefined || options.stopped();

  function advance(): void {
    let last: string | undefined;
    while (window[0]?.done === true) last = window.shift()?.offset;
    if (last !== undefined) options.resolve(last);
  }

  /** Until a message settles or `tickMs` passed; then ticks. */
  async function waitForProgress(): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, options.tickMs);
      function done(): void {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
    try {
      await options.tick();
    } catch (error) {
      failure ??= { error };
    }
  }

  for (const message of messages) {
    while (!halted() && (inFlight >= options.max || window.length >= maxWindow)) await waitForProgress();
    if (halted()) break;
    let prepared: PreparedMessage;
    try {
      prepared = options.prepare(message);
    } catch (error) {
      failure ??= { error };
      break;
    }
    const { key, run } = prepared;
    const entry = { offset: options.offsetOf(message), done: false };
    window.push(entry);
    inFlight += 1;
    const previous = lanes.get(key) ?? Promise.resolve(true);
    const lane: Promise<boolean> = previous
      .then(async (previousFinished) => {
        if (!previousFinished || halted()) return false;
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        try {
          await run();
          entry.done = true;
          finished += 1;
          return true;
        } catch (error) {
          failure ??= { error };
          return false;
        } finally {
          running -= 1;
        }
      })
      .then((ok) => {
        inFlight -= 1;
        if (lanes.get(key) === lane) lanes.delete(key);
        advance();
        wake?.();
        return ok;
      });
    lanes.set(key, lane);
  }
  // Everything started must settle before the batch is handed back (kafkajs rejoins or refetches
  // only after eachBatch returns); ticking keeps the session meanwhile.
  while (inFlight > 0) await waitForProgress();
  advance();
  return { ...(failure === undefined ? {} : { error: failure.error }), maxRunning, finished };
}
