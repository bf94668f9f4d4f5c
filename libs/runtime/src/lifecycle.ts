// Start resources in order, stop them in reverse: the composition root adds the pool, the
// producer, the consumers and the servers, and this is the only place that knows the order rules.
//
// Draining (SIGTERM from Kubernetes): every resource's `drain()` runs first, which flips the HTTP
// and gRPC readiness to not-ready so the load balancer stops sending; after `drainDelayMs` the
// resources stop in reverse order, each bounded by `shutdownTimeoutMs` so one stuck client cannot
// hold the pod until SIGKILL.
import { describeError } from './run-main';
import type { Logger } from './logger';

export interface Resource {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Called once when a drain begins, before any resource stops: stop taking new work, report not ready. */
  drain?(): void;
}

export type LifecycleState = 'idle' | 'starting' | 'running' | 'draining' | 'stopped';

export class StartupError extends Error {
  readonly resource: string;

  constructor(resource: string, cause: unknown) {
    super(`${resource} failed to start: ${describeError(cause)}`, { cause });
    this.name = 'StartupError';
    this.resource = resource;
  }
}

export interface LifecycleOptions {
  logger: Logger;
  /** Upper bound for each resource's stop(). Default 10 s. */
  shutdownTimeoutMs?: number;
  /** Pause between flipping readiness and stopping resources, for load balancers to notice. Default 0. */
  drainDelayMs?: number;
}

export interface SignalHandlerOptions {
  signals?: readonly NodeJS.Signals[];
  exit?: (code: number) => void;
}

export interface Lifecycle {
  /** Registers a resource; returns it, so `const http = lifecycle.add(createHttpServer(…).resource)` reads well. */
  add<R extends Resource>(resource: R): R;
  /** Starts every resource in order. On a failure stops those already started, in reverse, and throws StartupError. */
  start(): Promise<void>;
  /** Drains and stops in reverse order. Idempotent: later calls return the same promise. */
  stop(): Promise<void>;
  /** SIGTERM/SIGINT drain once and exit 0; a second signal exits 1 at once. Returns an uninstaller. */
  installSignalHandlers(options?: SignalHandlerOptions): () => void;
  state(): LifecycleState;
  isDraining(): boolean;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

class TimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`${what} timed out after ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(what, ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function createLifecycle(options: LifecycleOptions): Lifecycle {
  const logger = options.logger;
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 10_000;
  const drainDelayMs = options.drainDelayMs ?? 0;
  const resources: Resource[] = [];
  const started: Resource[] = [];
  let state: LifecycleState = 'idle';
  let starting: Promise<void> | undefined;
  let stopping: Promise<void> | undefined;

  async function stopStarted(): Promise<void> {
    while (started.length > 0) {
      const resource = started.pop();
      if (!resource) break;
      const began = Date.now();
      try {
        await withTimeout(Promise.resolve().then(() => resource.stop()), shutdownTimeoutMs, `stopping ${resource.name}`);
        logger.info({ resource: resource.name, duration_ms: Date.now() - began }, 'resource stopped');
      } catch (error) {
        // Keep going: the remaining resources still deserve a clean stop.
        logger.error({ resource: resource.name, err: error }, 'resource failed to stop');
      }
    }
  }

  function drainAll(): void {
    for (const resource of [...resources].reverse()) {
      try {
        resource.drain?.();
      } catch (error) {
        logger.error({ resource: resource.name, err: error }, 'resource failed to drain');
      }
    }
  }

  async function runStart(): Promise<void> {
    state = 'starting';
    for (const resource of resources) {
      if (stopping) {
        logger.info({ resource: resource.name }, 'startup interrupted by shutdown');
        return;
      }
      const began = Date.now();
      try {
        await resource.start();
      } catch (error) {
        logger.error({ resource: resource.name, err: error }, 'resource failed to start');
        if (!stopping) {
          state = 'stopped';
          stopping = stopStarted();
          await stopping;
        }
        throw new StartupError(resource.name, error);
      }
      started.push(resource);
      logger.info({ resource: resource.name, duration_ms: Date.now() - began }, 'resource started');
    }
    if (!stopping) state = 'running';
  }

  async function runStop(): Promise<void> {
    state = 'draining';
    logger.info({ resources: started.length }, 'draining');
    drainAll();
    if (starting) {
      // Let an in-flight start settle so its resource is stopped too, but never wait forever.
      await withTimeout(
        starting.catch(() => undefined),
        shutdownTimeoutMs,
        'waiting for startup',
      ).catch((error: unknown) => logger.warn({ err: error }, 'startup still running; stopping what started'));
    }
    if (drainDelayMs > 0) await delay(drainDelayMs);
    await stopStarted();
    state = 'stopped';
    logger.info('stopped');
  }

  function stop(): Promise<void> {
    if (!stopping) stopping = runStop();
    return stopping;
  }

  return {
    add(resource) {
      if (state !== 'idle') throw new Error(`cannot add ${resource.name}: the lifecycle has already started`);
      resources.push(resource);
      return resource;
    },
    start() {
      if (!starting) starting = runStart();
      return starting;
    },
    stop,
    installSignalHandlers(signalOptions = {}) {
      const signals = signalOptions.signals ?? ['SIGTERM', 'SIGINT'];
      const exit = signalOptions.exit ?? ((code: number) => process.exit(code));
      let received: NodeJS.Signals | undefined;
      const handler = (signal: NodeJS.Signals): void => {
        if (received) {
          logger.warn({ signal }, 'second signal: exiting without finishing the drain');
          exit(1);
          return;
        }
        received = signal;
        logger.info({ signal }, 'signal received: draining');
        void stop().finally(() => exit(0));
      };
      for (const signal of signals) process.on(signal, handler);
      return () => {
        for (const signal of signals) process.off(signal, handler);
      };
    },
    state: () => state,
    isDraining: () => stopping !== undefined,
  };
}
