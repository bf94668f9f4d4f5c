// Drives generated inputs at the targets, a few at a time, and keeps the score: answers by class,
// every 5xx, broken connection, timeout and contract breach (with the seed and index that replay
// it, and the operation it aimed at — never the generated values), and the processes' memory
// before and after, so that growth with the number of inputs shows.
import { inputRng } from './rng';
import type { FuzzRequest, FuzzResponse, FuzzTarget } from './targets';

export type FailureKind = '5xx' | 'transport' | 'timeout' | 'contract';

export interface FuzzFailure {
  target: string;
  kind: FailureKind;
  /** Replays this input: `--seed=<seed> --only=<target>:<index>`. */
  index: number;
  label: string;
  detail: string;
}

export interface TargetScore {
  target: string;
  inputs: number;
  byClass: Record<'2xx' | '3xx' | '4xx' | '5xx', number>;
  failures: Record<FailureKind, number>;
}

export interface MemoryProbe {
  name: string;
  /** The process's Prometheus endpoint. */
  metricsUrl: string;
}

export interface MemorySample {
  name: string;
  heapUsedBytes: number;
  residentBytes: number;
}

export interface FuzzReport {
  seed: number;
  seconds: number;
  scores: TargetScore[];
  /** The first failures of each kind (all are counted in `scores`). */
  failures: FuzzFailure[];
  memory: { name: string; before: MemorySample | undefined; after: MemorySample | undefined }[];
}

export interface FuzzRunOptions {
  seed: number;
  /** Inputs per target. */
  inputs: number;
  targets: readonly FuzzTarget[];
  concurrency?: number;
  timeoutMs?: number;
  /** Only this input of this target (a replay). */
  only?: { target: string; index: number };
  memory?: readonly MemoryProbe[];
  /** Failures kept with their details, per kind (all are counted). */
  keepFailures?: number;
  log?: (line: string) => void;
  signal?: AbortSignal;
}

/** Each target's inputs come from their own stream, so adding a target does not change another's. */
function targetSeed(seed: number, name: string): number {
  let hash = seed >>> 0;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return hash;
}

export function classOf(status: number): keyof TargetScore['byClass'] {
  if (status >= 500) return '5xx';
  if (status >= 400) return '4xx';
  if (status >= 300) return '3xx';
  return '2xx';
}

async function send(target: FuzzTarget, request: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  const response = await fetch(`${target.baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body === undefined ? {} : { body: request.body }),
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = await response.text();
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', body };
}

function describe(error: unknown): { kind: FailureKind; detail: string } {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return { kind: 'timeout', detail: 'no answer in time' };
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : error instanceof Error ? error.message : String(error);
  return { kind: 'transport', detail: code };
}

function metricValue(text: string, name: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${name} `) || line.startsWith(`${name}{`)) {
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) return value;
    }
  }
  return undefined;
}

/** Heap in use and resident memory of one process, from its /metrics (undefined if unreachable). */
export async function sampleMemory(probe: MemoryProbe): Promise<MemorySample | undefined> {
  try {
    const response = await fetch(probe.metricsUrl, { signal: AbortSignal.timeout(5_000) });
    const text = await response.text();
    const heapUsedBytes = metricValue(text, 'nodejs_heap_size_used_bytes');
    const residentBytes = metricValue(text, 'process_resident_memory_bytes');
    if (heapUsedBytes === undefined || residentBytes === undefined) return undefined;
    return { name: probe.name, heapUsedBytes, residentBytes };
  } catch {
    return undefined;
  }
}

export async function runFuzz(options: FuzzRunOptions): Promise<FuzzReport> {
  const concurrency = options.concurrency ?? 16;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const keep = options.keepFailures ?? 20;
  const log = options.log ?? (() => undefined);
  const began = Date.now();
  const scores = new Map<string, TargetScore>(
    options.targets.map((target) => [
      target.name,
      { target: target.name, inputs: 0, byClass: { '2xx': 0, '3xx': 0, '4xx': 0, '5xx': 0 }, failures: { '5xx': 0, transport: 0, timeout: 0, contract: 0 } },
    ]),
  );
  const failures: FuzzFailure[] = [];
  const kept = { '5xx': 0, transport: 0, timeout: 0, contract: 0 };
  const fail = (failure: FuzzFailure, score: TargetScore): void => {
    score.failures[failure.kind] += 1;
    if (kept[failure.kind] < keep) {
      kept[failure.kind] += 1;
      failures.push(failure);
    }
  };

  // The work list: targets interleaved, so that every ingress is under load the whole time.
  const jobs: { target: FuzzTarget; index: number }[] = [];
  if (options.only !== undefined) {
    const target = options.targets.find((candidate) => candidate.name === options.only?.target);
    if (target === undefined) throw new Error(`no target named ${options.only.target}`);
    jobs.push({ target, index: options.only.index });
  } else {
    for (let index = 0; index < options.inputs; index += 1) {
      for (const target of options.targets) jobs.push({ target, index });
    }
  }

  const before = await Promise.all((options.memory ?? []).map(sampleMemory));
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(jobs.length / 10));
  const worker = async (): Promise<void> => {
    while (next < jobs.length && options.signal?.aborted !== true) {
      const job = jobs[next] as { target: FuzzTarget; index: number };
      next += 1;
      const { target, index } = job;
      const score = scores.get(target.name) as TargetScore;
      const request = target.generate(inputRng(targetSeed(options.seed, target.name), index));
      score.inputs += 1;
      try {
        const response = await send(target, request, timeoutMs);
        score.byClass[classOf(response.status)] += 1;
        if (response.status >= 500) {
          fail({ target: target.name, kind: '5xx', index, label: request.label, detail: String(response.status) }, score);
        } else {
          const breach = target.check?.(request, response);
          if (breach !== undefined) fail({ target: target.name, kind: 'contract', index, label: request.label, detail: breach }, score);
        }
      } catch (error) {
        fail({ target: target.name, index, label: request.label, ...describe(error) }, score);
      }
      done += 1;
      if (done % step === 0) log(`${done}/${jobs.length} inputs sent`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  const after = await Promise.all((options.memory ?? []).map(sampleMemory));

  return {
    seed: options.seed,
    seconds: (Date.now() - began) / 1000,
    scores: [...scores.values()],
    failures,
    memory: (options.memory ?? []).map((probe, i) => ({ name: probe.name, before: before[i], after: after[i] })),
  };
}

/** How many inputs broke something, over every target and kind. */
export function totalFailures(report: FuzzReport): number {
  return report.scores.reduce(
    (sum, score) => sum + score.failures['5xx'] + score.failures.transport + score.failures.timeout + score.failures.contract,
    0,
  );
}

const mb = (bytes: number | undefined): string => (bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(0)} MB`);

export function formatReport(report: FuzzReport): string {
  const lines = [
    `fuzz: seed ${report.seed}, ${report.scores.reduce((sum, s) => sum + s.inputs, 0)} inputs in ${report.seconds.toFixed(1)} s`,
    'target    inputs     2xx     3xx     4xx     5xx  transport  timeout  contract',
  ];
  for (const score of report.scores) {
    const cell = (value: number, width: number) => String(value).padStart(width);
    lines.push(
      `${score.target.padEnd(8)}${cell(score.inputs, 8)}${cell(score.byClass['2xx'], 8)}${cell(score.byClass['3xx'], 8)}${cell(score.byClass['4xx'], 8)}${cell(score.byClass['5xx'], 8)}${cell(score.failures.transport, 11)}${cell(score.failures.timeout, 9)}${cell(score.failures.contract, 10)}`,
    );
  }
  for (const { name, before, after } of report.memory) {
    lines.push(`memory ${name}: heap ${mb(before?.heapUsedBytes)} → ${mb(after?.heapUsedBytes)}, resident ${mb(before?.residentBytes)} → ${mb(after?.residentBytes)}`);
  }
  for (const failure of report.failures) {
    lines.push(`✗ ${failure.kind} ${failure.target}#${failure.index} ${failure.label}: ${failure.detail}`);
  }
  return lines.join('\n');
}
