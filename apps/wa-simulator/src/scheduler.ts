// Every delayed action of the simulator (status webhooks, retry back-off) goes through one
// scheduler so that `POST /_sim/reset` and shutdown can cancel all of it at once; a reset must not
// let a status from before it reach the receiver afterwards.

export type Cancel = () => void;

export interface Scheduler {
  /** runs `task` after `ms`; a task that throws is reported to `onError`, never lost */
  after(ms: number, task: () => void | Promise<void>): Cancel;
  /** resolves after `ms`, or at once with false when the scheduler is cancelled meanwhile */
  sleep(ms: number): Promise<boolean>;
  cancelAll(): void;
}

export function createScheduler(onError: (error: unknown) => void): Scheduler {
  const pending = new Map<NodeJS.Timeout, () => void>();

  function after(
    ms: number,
    task: () => void | Promise<void>,
    onCancel: () => void = () => undefined,
  ): Cancel {
    const handle = setTimeout(() => {
      pending.delete(handle);
      try {
        Promise.resolve(task()).catch(onError);
      } catch (error) {
        onError(error);
      }
    }, ms);
    pending.set(handle, onCancel);
    return () => {
      if (pending.delete(handle)) clearTimeout(handle);
    };
  }

  return {
    after: (ms, task) => after(ms, task),
    sleep: (ms) =>
      new Promise<boolean>((resolve) => {
        after(
          ms,
          () => resolve(true),
          () => resolve(false),
        );
      }),
    cancelAll: () => {
      const cancelled = [...pending.entries()];
      pending.clear();
      for (const [handle, onCancel] of cancelled) {
        clearTimeout(handle);
        onCancel();
      }
    },
  };
}
