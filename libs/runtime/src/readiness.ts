// Readiness checks, shared by HTTP /readyz and gRPC health so both always agree.
// A failing check's reason is the error's code or name (or a DomainError's safe message), never
// an arbitrary error message: a connection error can carry a DSN with its password.
import { isDomainError } from './errors';

export interface Check {
  name: string;
  ok: boolean;
  /** Why it failed; safe to show. */
  reason?: string;
}

export interface ReadinessProbe {
  name: string;
  /** Resolves (to anything but `false`) when ready; throws or returns `false` when not. */
  check: () => unknown;
}

/** Either probes to run, or a function that runs its own and returns their results. */
export type Readiness = readonly ReadinessProbe[] | (() => Promise<readonly Check[]> | readonly Check[]);

function reasonFor(error: unknown): string {
  if (isDomainError(error)) return error.message;
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? code : error.name;
  }
  return 'failed';
}

async function runProbe(probe: ReadinessProbe, timeoutMs: number): Promise<Check> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = Symbol('timeout');
  try {
    const result = await Promise.race([
      Promise.resolve().then(() => probe.check()),
      new Promise<typeof timedOut>((resolve) => {
        timer = setTimeout(() => resolve(timedOut), timeoutMs);
        timer.unref();
      }),
    ]);
    if (result === timedOut)
      return { name: probe.name, ok: false, reason: `timed out after ${timeoutMs} ms` };
    return result === false
      ? { name: probe.name, ok: false, reason: 'not ready' }
      : { name: probe.name, ok: true };
  } catch (error) {
    return { name: probe.name, ok: false, reason: reasonFor(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check in parallel, each bounded by `timeoutMs`; a check that throws is a failed check. */
export async function evaluateReadiness(
  readiness: Readiness | undefined,
  timeoutMs = 2000,
): Promise<Check[]> {
  if (readiness === undefined) return [];
  if (typeof readiness === 'function') {
    try {
      return [...(await readiness())];
    } catch (error) {
      return [{ name: 'readiness', ok: false, reason: reasonFor(error) }];
    }
  }
  return Promise.all(readiness.map((probe) => runProbe(probe, timeoutMs)));
}

/**
 * A readiness check that runs `check` at most once per `ttlMs` and shares a run in flight: probes
 * come every few seconds from several places (HTTP /readyz, gRPC health), and some checks are not
 * free (a Kafka metadata request opens an admin connection). A failure is never cached beyond its
 * own run, so recovery shows at the next probe.
 */
export function cachedCheck(
  ttlMs: number,
  check: () => Promise<unknown>,
  now: () => number = Date.now,
): () => Promise<unknown> {
  let last: { at: number; result: Promise<unknown> } | undefined;
  return () => {
    const at = now();
    if (last === undefined || at - last.at >= ttlMs) {
      const result = check();
      last = { at, result };
      result.catch(() => {
        if (last?.result === result) last = undefined;
      });
    }
    return last.result;
  };
}
