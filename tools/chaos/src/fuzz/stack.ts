// Fuzzing a running stack: the three ingresses of the seeded hospital, tokens holding every role
// (so that inputs reach the handlers rather than stopping at 403), and the memory of the processes
// behind them. Used by `npm run chaos -- fuzz` and by the e2e suite.
import { ROLES } from '@careline/auth';
import type { Stack } from '@careline/stack';
import { type FuzzReport, type FuzzRunOptions, runFuzz } from './run';
import { type FuzzTarget, apiTarget, releaseTarget, webhookTarget } from './targets';

export interface StackFuzzOptions extends Pick<FuzzRunOptions, 'seed' | 'inputs' | 'concurrency' | 'only' | 'log' | 'signal'> {
  /** Real release-page tokens to aim at besides random ones. */
  releaseTokens?: readonly string[];
}

export async function stackTargets(stack: Stack, releaseTokens: readonly string[] = []): Promise<FuzzTarget[]> {
  const openapi: unknown = await (await fetch(stack.urls.openapi)).json();
  const tokens = [await stack.mintToken({ roles: [...ROLES] }), await stack.mintToken({ roles: ['nurse'] })];
  const targets: FuzzTarget[] = [
    apiTarget({ baseUrl: stack.urls.api, openapi, tokens }),
    webhookTarget({
      baseUrl: stack.urls.gateway,
      appSecret: stack.seed.whatsapp.appSecret,
      phoneNumberId: stack.seed.whatsapp.phoneNumberId,
      displayPhoneNumber: stack.seed.whatsapp.displayPhoneNumber,
      wabaId: stack.seed.whatsapp.wabaId,
    }),
  ];
  if (stack.urls.records !== undefined) targets.push(releaseTarget({ baseUrl: stack.urls.records, tokens: releaseTokens }));
  return targets;
}

export interface StackFuzzReport extends FuzzReport {
  /** Apps no longer running or not ready after the run (a crash, a wedged dependency). */
  notReady: string[];
}

/** The apps of `stack` that stopped or answer /readyz with anything but 200. */
export async function appsNotReady(stack: Stack): Promise<string[]> {
  const notReady: string[] = [];
  for (const name of stack.apps) {
    const app = stack.app(name);
    if (!app.running()) {
      notReady.push(`${name} (exited)`);
      continue;
    }
    if (app.url === undefined) continue;
    const status = await fetch(`${app.url}/readyz`, { signal: AbortSignal.timeout(5_000) }).then(
      (response) => response.status,
      () => 0,
    );
    if (status !== 200) notReady.push(`${name} (readyz ${status || 'unreachable'})`);
  }
  return notReady;
}

export async function fuzzStack(stack: Stack, options: StackFuzzOptions): Promise<StackFuzzReport> {
  const targets = await stackTargets(stack, options.releaseTokens);
  const memory = [
    { name: 'api', metricsUrl: `${stack.urls.api}/metrics` },
    { name: 'gateway', metricsUrl: `${stack.urls.gateway}/metrics` },
    ...(stack.urls.records === undefined ? [] : [{ name: 'records', metricsUrl: `${stack.urls.records}/metrics` }]),
  ];
  const report = await runFuzz({ ...options, targets, memory });
  return { ...report, notReady: await appsNotReady(stack) };
}
