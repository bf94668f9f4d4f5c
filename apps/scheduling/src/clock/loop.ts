// A periodic job as a lifecycle Resource: runs `work` every `intervalMs` (immediately again while
// it reports a full batch), never two runs at once, and stop() waits for the run in progress.
// Errors are logged and the next interval tries again: the clock's state is in the database.
import { type Logger, type Resource } from '@careline/runtime';

export function createLoop(options: {
  name: string;
  intervalMs: number;
  logger: Logger;
  /** returns true when there is more to do right away */
  work: () => Promise<boolean>;
}): Resource {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let stopped = true;

  const schedule = (delay: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = run();
    }, delay);
  };

  async function run(): Promise<void> {
    let more = false;
    try {
      more = await options.work();
    } catch (error) {
      options.logger.error({ err: error, job: options.name }, 'periodic job failed; retrying next interval');
    }
    schedule(more ? 0 : options.intervalMs);
  }

  return {
    name: options.name,
    start() {
      stopped = false;
      schedule(0);
      return Promise.resolve();
    },
    async stop() {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      await running;
    },
  };
}
