// The webhook benchmark (`npm run bench -- webhooks [--quick]`): how fast the gateway acknowledges
// Meta's webhooks compared with a bare fastify endpoint measured in the same run, and how long a
// patient message takes from Meta's POST until a nurse can read it through the api. The machine
// is shared and noisy: the ratios are the figures to compare between runs, the absolute numbers
// only describe this run. Not a test: it fails (exit 1) only when something broke, never for a
// slow figure.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureInfra } from '@careline/infra';
import { startStack } from '@careline/stack';
import { waitFor } from '@careline/testing';
import { type ApiClient, createApiClient } from './api-client';
import { createArrivalTracker, watchArrivals } from './arrivals';
import { type Baseline, startBaseline } from './baseline';
import { type DrainResult, waitDrained } from './drain';
import {
  type HttpPoster,
  type SignedBody,
  type StepSummary,
  createHttpPoster,
  formatErrors,
  outcomeKind,
  runHttpStep,
  summarizeStep,
} from './http-load';
import { type LagProbe, createLagProbe } from './kafka-lag';
import { requestCount } from './open-loop';
import { type HistogramTotals, histogramTotals, meanBetween } from './prometheus';
import { type WebhookChannel, newWamid, prepareWebhooks, randomWaId, signedInboundText } from './payloads';
import { type LatencySummary, perSecond, ratio, summarizeLatencies } from './stats';
import { formatMs, formatRate, formatRatio, formatTable } from './table';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export interface WebhookBenchConfig {
  name: 'full' | 'quick';
  /** Offered rates of the acknowledgement steps, requests per second. */
  rates: readonly number[];
  stepMs: number;
  /** Offered to both targets before the first step (JIT, connections, Kafka metadata); not reported. */
  warmup: { ratePerSecond: number; durationMs: number };
  /** Requests in flight at most (per target); beyond it a due request is shed. */
  maxInFlight: number;
  requestTimeoutMs: number;
  /** Patients the acknowledgement webhooks come from (spread over partitions and conversations). */
  ackPatients: number;
  /** Bound of the wait for ingest and messaging to catch up after a gateway step. */
  drainTimeoutMs: number;
  /** Spaced end-to-end messages from one patient. */
  e2e: { count: number; intervalMs: number };
  /** A burst sent at once, spread over a few patients. */
  burst: { count: number; patients: number };
  /** How long after the last POST a message may take to become visible before it counts as lost. */
  arrivalTimeoutMs: number;
  pollIntervalMs: number;
}

export const FULL_CONFIG: WebhookBenchConfig = {
  name: 'full',
  rates: [50, 100, 200, 400, 800],
  stepMs: 5_000,
  warmup: { ratePerSecond: 100, durationMs: 3_000 },
  maxInFlight: 256,
  requestTimeoutMs: 10_000,
  ackPatients: 50,
  drainTimeoutMs: 180_000,
  e2e: { count: 100, intervalMs: 100 },
  burst: { count: 200, patients: 4 },
  arrivalTimeoutMs: 60_000,
  pollIntervalMs: 25,
};

export const QUICK_CONFIG: WebhookBenchConfig = {
  ...FULL_CONFIG,
  name: 'quick',
  rates: [50, 200],
  stepMs: 2_000,
  warmup: { ratePerSecond: 50, durationMs: 1_000 },
  drainTimeoutMs: 60_000,
  e2e: { count: 20, intervalMs: 100 },
  burst: { count: 50, patients: 2 },
  arrivalTimeoutMs: 30_000,
};

export interface AckStep {
  offered: number;
  baseline: StepSummary;
  gateway: StepSummary;
  /**
   * Mean time the gateway spent sealing and publishing one webhook (acks=all) during its step, ms,
   * from its `gateway_webhook_publish_duration_seconds` histogram.
   */
  gatewayPublishMeanMs: number | undefined;
  /** Ingest and messaging catching up after the gateway step. */
  drain: DrainResult;
}

export interface EndToEndResult {
  count: number;
  /** POSTs answered 200. */
  posted: number;
  postErrors: Record<string, number>;
  arrived: number;
  /** POST start → visible through the api (ms). */
  latency: LatencySummary;
}

export interface BurstResult {
  count: number;
  posted: number;
  postErrors: Record<string, number>;
  /** Burst start → 200 (ms). */
  ack: LatencySummary;
  arrived: number;
  /** Burst start → visible through the api (ms). */
  visible: LatencySummary;
  /** Messages visible per second, burst start → last one visible. */
  throughputPerSecond: number;
}

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  loadAverageBefore: number[];
  loadAverageAfter?: number[];
}

export interface WebhookBenchResult {
  config: WebhookBenchConfig;
  startedAt: string;
  machine: MachineInfo;
  steps: AckStep[];
  endToEnd?: EndToEndResult;
  burst?: BurstResult;
  /** What broke; empty for a good run (slow figures are not problems). */
  problems: string[];
}

/** Kinds of non-200 outcome that overload explains; anything else (401, 400, a reset…) is a fault. */
const PUBLISH_HISTOGRAM = 'gateway_webhook_publish_duration_seconds';

/** The gateway's publish histogram right now; undefined when /metrics cannot be read (not a failure). */
async function readPublishTotals(gatewayUrl: string): Promise<HistogramTotals | undefined> {
  try {
    const response = await fetch(`${gatewayUrl}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (response.status !== 200) return undefined;
    return histogramTotals(await response.text(), PUBLISH_HISTOGRAM, { outcome: 'ok' });
  } catch {
    return undefined;
  }
}

const OVERLOAD_KINDS = new Set(['shed', 'timeout', 'http_503', 'http_429']);

export function unexpectedErrors(errors: Record<string, number>): string[] {
  return Object.keys(errors).filter((kind) => !OVERLOAD_KINDS.has(kind));
}

function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    loadAverageBefore: os.loadavg().map((value) => Number(value.toFixed(2))),
  };
}

class Aborted extends Error {
  override readonly name = 'Aborted';
}

export interface RunOptions {
  log: (line: string) => void;
  signal?: AbortSignal;
}

export async function runWebhookBench(
  config: WebhookBenchConfig,
  { log, signal }: RunOptions,
): Promise<WebhookBenchResult> {
  const result: WebhookBenchResult = {
    config,
    startedAt: new Date().toISOString(),
    machine: machineInfo(),
    steps: [],
    problems: [],
  };
  const checkAborted = (): void => {
    if (signal?.aborted === true) throw new Aborted('interrupted');
  };
  const runId = randomBytes(3).toString('hex');
  log(
    `webhooks benchmark (${config.name}), run ${runId}: ${result.machine.cpus} CPUs (${result.machine.cpuModel}), load ${result.machine.loadAverageBefore.join(' ')}`,
  );

  const infra = await ensureInfra({ log: (line) => log(`infra: ${line}`) });
  checkAborted();
  log('starting the stack (fresh database, random topic prefix, free ports)…');
  const stack = await startStack({
    databaseUrl: infra.databaseUrl,
    kafkaBrokers: infra.kafkaBrokers,
    label: 'bench',
    log: (line) => log(`stack: ${line}`),
  });
  let baseline: Baseline | undefined;
  let probe: LagProbe | undefined;
  const posters: HttpPoster[] = [];
  try {
    checkAborted();
    baseline = await startBaseline({ label: 'bench' });
    log(`baseline ready (pid ${baseline.process.pid}) at ${baseline.url}`);
    probe = await createLagProbe(infra.kafkaBrokers.split(','), stack.topicPrefix);
    const lagProbe = probe;
    const drain = (timeoutMs: number): Promise<DrainResult> =>
      waitDrained({ readLag: async () => (await lagProbe.lag()).total, timeoutMs, signal });

    const poster = (url: string): HttpPoster => {
      const created = createHttpPoster({
        url,
        maxSockets: config.maxInFlight,
        timeoutMs: config.requestTimeoutMs,
      });
      posters.push(created);
      return created;
    };
    const targets = { baseline: poster(baseline.url), gateway: poster(stack.urls.webhook) };
    const channel: WebhookChannel = {
      phoneNumberId: stack.seed.whatsapp.phoneNumberId,
      displayPhoneNumber: stack.seed.whatsapp.displayPhoneNumber,
      wabaId: stack.seed.whatsapp.wabaId,
      appSecret: stack.seed.whatsapp.appSecret,
    };
    const ackPatients = Array.from({ length: config.ackPatients }, randomWaId);

    // --- warm-up -------------------------------------------------------------------------------
    {
      const { ratePerSecond, durationMs } = config.warmup;
      const { bodies } = prepareWebhooks(channel, {
        count: requestCount(ratePerSecond, durationMs),
        patients: ackPatients,
        runId,
        phase: 'warmup',
      });
      for (const [name, target] of Object.entries(targets)) {
        const warm = summarizeStep(
          await runHttpStep({
            poster: target,
            bodies,
            ratePerSecond,
            durationMs,
            maxInFlight: config.maxInFlight,
          }),
          ratePerSecond,
        );
        log(
          `warm-up ${name}: ${warm.accepted}/${warm.requests} accepted, errors ${formatErrors(warm.errors)}`,
        );
        if (warm.accepted === 0) result.problems.push(`warm-up: the ${name} accepted no webhook`);
      }
      const drained = await drain(config.drainTimeoutMs);
      log(`warm-up drained downstream in ${formatMs(drained.ms)}`);
      checkAborted();
    }

    // --- acknowledgement steps -----------------------------------------------------------------
    log(
      `acknowledgement: open loop, ${config.stepMs / 1000} s per step, at most ${config.maxInFlight} in flight, keep-alive`,
    );
    for (const rate of config.rates) {
      checkAborted();
      const { bodies } = prepareWebhooks(channel, {
        count: requestCount(rate, config.stepMs),
        patients: ackPatients,
        runId,
        phase: `ack${rate}`,
      });
      const step = async (target: HttpPoster): Promise<StepSummary> =>
        summarizeStep(
          await runHttpStep({
            poster: target,
            bodies,
            ratePerSecond: rate,
            durationMs: config.stepMs,
            maxInFlight: config.maxInFlight,
          }),
          rate,
        );
      const baselineStep = await step(targets.baseline);
      const publishBefore = await readPublishTotals(stack.urls.gateway);
      const gatewayStep = await step(targets.gateway);
      const publishAfter = await readPublishTotals(stack.urls.gateway);
      const drained = await drain(config.drainTimeoutMs);
      const publishMean = meanBetween(publishBefore, publishAfter);
      const ackStep: AckStep = {
        offered: rate,
        baseline: baselineStep,
        gateway: gatewayStep,
        gatewayPublishMeanMs: publishMean === undefined ? undefined : publishMean * 1000,
        drain: drained,
      };
      result.steps.push(ackStep);
      log(formatStepLine(ackStep));
      for (const [name, summary] of [
        ['baseline', baselineStep],
        ['gateway', gatewayStep],
      ] as const) {
        const odd = unexpectedErrors(summary.errors);
        if (odd.length > 0) result.problems.push(`${rate}/s: the ${name} answered ${odd.join(', ')}`);
      }
      if (!drained.drained) {
        log(
          `  ! ingest/messaging did not catch up within ${formatMs(config.drainTimeoutMs)} (lag ${drained.lag})`,
        );
      }
    }
    checkAborted();

    // --- end to end ----------------------------------------------------------------------------
    const token = await stack.mintToken();
    const api = createApiClient(stack.urls.api, token);
    result.endToEnd = await endToEndSpaced({
      config,
      channel,
      api,
      target: targets.gateway,
      runId,
      log,
      signal,
    });
    if (result.endToEnd.arrived < result.endToEnd.count) {
      const lost = result.endToEnd.count - result.endToEnd.arrived;
      result.problems.push(`end to end: ${lost} of ${result.endToEnd.count} messages never became visible`);
      log(`  !!! ${lost} of ${result.endToEnd.count} spaced messages NEVER became visible through the api`);
    }
    checkAborted();
    await drain(config.drainTimeoutMs);
    result.burst = await endToEndBurst({ config, channel, api, target: targets.gateway, runId, log, signal });
    if (result.burst.arrived < result.burst.count) {
      const lost = result.burst.count - result.burst.arrived;
      result.problems.push(`burst: ${lost} of ${result.burst.count} messages never became visible`);
      log(`  !!! ${lost} of ${result.burst.count} burst messages NEVER became visible through the api`);
    }

    for (const app of stack.apps) {
      if (!stack.app(app).running()) result.problems.push(`${app} exited during the benchmark`);
    }
    if (!baseline.process.running()) result.problems.push('the baseline exited during the benchmark');
    if (result.problems.length > 0) log(`process logs (last lines):\n${stack.logReport(20)}`);
  } catch (error) {
    if (error instanceof Aborted) result.problems.push('interrupted');
    else {
      result.problems.push(`failed: ${error instanceof Error ? error.message : String(error)}`);
      log(`process logs (last lines):\n${stack.logReport(20)}`);
    }
  } finally {
    for (const created of posters) created.close();
    await probe?.close().catch(() => undefined);
    await baseline?.stop().catch(() => undefined);
    log('stopping the stack…');
    await stack.stop().catch((error: unknown) => {
      result.problems.push(`stack stop: ${error instanceof Error ? error.message : String(error)}`);
    });
  }
  result.machine.loadAverageAfter = os.loadavg().map((value) => Number(value.toFixed(2)));
  return result;
}

interface PhaseContext {
  config: WebhookBenchConfig;
  channel: WebhookChannel;
  api: ApiClient;
  target: HttpPoster;
  runId: string;
  log: (line: string) => void;
  signal: AbortSignal | undefined;
}

/**
 * Each patient writes once so that their conversation exists, and its id is read from the api:
 * what is measured afterwards is a message reaching a known conversation.
 */
async function primeConversations(context: PhaseContext, patients: readonly string[]): Promise<string[]> {
  const { channel, api, target, runId } = context;
  const timestamp = Math.floor(Date.now() / 1000);
  const ids: string[] = [];
  for (const [index, waId] of patients.entries()) {
    const body = signedInboundText(channel, {
      waId,
      wamid: newWamid(),
      text: `bench ${runId} hello #${index}`,
      timestamp,
      profileName: 'Bench Patient',
    });
    const status = await target.post(body);
    if (status !== 200) throw new Error(`priming a conversation: the gateway answered HTTP ${status}`);
  }
  for (const waId of patients) {
    ids.push(
      await waitFor(() => api.conversationWith(waId), {
        message: 'a benchmark patient’s conversation to be listed by the api',
        timeoutMs: context.config.arrivalTimeoutMs,
        intervalMs: 200,
      }),
    );
  }
  return ids;
}

async function endToEndSpaced(context: PhaseContext): Promise<EndToEndResult> {
  const { config, channel, api, target, runId, log, signal } = context;
  const { count, intervalMs } = config.e2e;
  const waId = randomWaId();
  const [conversationId] = await primeConversations(context, [waId]);
  if (conversationId === undefined) throw new Error('no conversation for the end-to-end patient');
  const { bodies, texts } = prepareWebhooks(channel, { count, patients: [waId], runId, phase: 'e2e' });
  const tracker = createArrivalTracker(texts);
  log(`end to end: ${count} messages, one every ${intervalMs} ms, polled every ${config.pollIntervalMs} ms`);

  let sendingDone = false;
  const acceptedTexts = new Set<string>();
  const watching = watchArrivals({
    fetchPage: api.fetchMessagesPage,
    conversationIds: [conversationId],
    tracker,
    intervalMs: config.pollIntervalMs,
    fullReadEveryMs: 2_000,
    deadline: performance.now() + count * intervalMs + config.arrivalTimeoutMs,
    // a message whose POST failed will never arrive: stop once every accepted one did
    cancelled: () =>
      signal?.aborted === true ||
      (sendingDone && [...acceptedTexts].every((text) => tracker.arrivedAt(text) !== undefined)),
  });
  const sent = await runHttpStep({
    poster: target,
    bodies,
    ratePerSecond: 1000 / intervalMs,
    durationMs: count * intervalMs,
    maxInFlight: config.maxInFlight,
  });
  const postErrors: Record<string, number> = {};
  const postedAt = new Map<string, number>();
  for (const outcome of sent.outcomes) {
    const text = texts[outcome.index] ?? '';
    if (outcome.kind === 'done' && outcome.value === 200) {
      acceptedTexts.add(text);
      postedAt.set(text, outcome.sentAt);
    } else {
      const kind = outcomeKind(outcome);
      postErrors[kind] = (postErrors[kind] ?? 0) + 1;
    }
  }
  sendingDone = true;
  await watching;
  const latencies: number[] = [];
  for (const [text, at] of postedAt) {
    const arrived = tracker.arrivedAt(text);
    if (arrived !== undefined) latencies.push(arrived - at);
  }
  const result: EndToEndResult = {
    count,
    posted: postedAt.size,
    postErrors,
    arrived: latencies.length,
    latency: summarizeLatencies(latencies),
  };
  log(
    `end to end: ${result.arrived}/${count} visible; POST → visible p50 ${formatMs(result.latency.p50)}, p99 ${formatMs(result.latency.p99)}, max ${formatMs(result.latency.max)}; POST errors ${formatErrors(postErrors)}`,
  );
  return result;
}

async function endToEndBurst(context: PhaseContext): Promise<BurstResult> {
  const { config, channel, api, target, runId, log, signal } = context;
  const { count, patients: patientCount } = config.burst;
  const patients = Array.from({ length: patientCount }, randomWaId);
  const conversationIds = await primeConversations(context, patients);
  const { bodies, texts } = prepareWebhooks(channel, { count, patients, runId, phase: 'burst' });
  const tracker = createArrivalTracker(texts);
  log(`burst: ${count} messages at once from ${patientCount} patients`);

  let failedPosts = 0;
  let sendingDone = false;
  const began = performance.now();
  const watching = watchArrivals({
    fetchPage: api.fetchMessagesPage,
    conversationIds,
    tracker,
    intervalMs: config.pollIntervalMs,
    fullReadEveryMs: 2_000,
    deadline: began + config.arrivalTimeoutMs,
    cancelled: () => signal?.aborted === true || (sendingDone && failedPosts > 0 && allAcceptedArrived()),
  });
  const acks: ({ ok: true; at: number } | { ok: false; kind: string })[] = await Promise.all(
    bodies.map(async (body: SignedBody) => {
      try {
        const status = await target.post(body);
        return status === 200
          ? { ok: true as const, at: performance.now() }
          : { ok: false as const, kind: `http_${status}` };
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        return { ok: false as const, kind: typeof code === 'string' ? code : 'error' };
      }
    }),
  );
  const postErrors: Record<string, number> = {};
  const accepted: string[] = [];
  const ackLatencies: number[] = [];
  acks.forEach((ack, index) => {
    if (ack.ok) {
      accepted.push(texts[index] ?? '');
      ackLatencies.push(ack.at - began);
    } else {
      failedPosts += 1;
      postErrors[ack.kind] = (postErrors[ack.kind] ?? 0) + 1;
    }
  });
  function allAcceptedArrived(): boolean {
    return accepted.every((text) => tracker.arrivedAt(text) !== undefined);
  }
  sendingDone = true;
  await watching;
  const visible = accepted.flatMap((text) => {
    const at = tracker.arrivedAt(text);
    return at === undefined ? [] : [at - began];
  });
  const summary = summarizeLatencies(visible);
  const result: BurstResult = {
    count,
    posted: accepted.length,
    postErrors,
    ack: summarizeLatencies(ackLatencies),
    arrived: visible.length,
    visible: summary,
    throughputPerSecond: perSecond(visible.length, summary.max ?? 0),
  };
  log(
    `burst: ${result.posted}/${count} acknowledged (last after ${formatMs(result.ack.max)}), ${result.arrived}/${count} visible; burst start → visible p50 ${formatMs(summary.p50)}, p99 ${formatMs(summary.p99)}, last ${formatMs(summary.max)}; ${formatRate(result.throughputPerSecond)} messages/s end to end`,
  );
  return result;
}

function formatStepLine(step: AckStep): string {
  const { baseline: b, gateway: g } = step;
  return [
    `${step.offered}/s offered`,
    `baseline ${formatRate(b.acceptedPerSecond)}/s ok, p50 ${formatMs(b.latency.p50)}, p99 ${formatMs(b.latency.p99)}, errors ${formatErrors(b.errors)}`,
    `gateway ${formatRate(g.acceptedPerSecond)}/s ok, p50 ${formatMs(g.latency.p50)}, p99 ${formatMs(g.latency.p99)}, errors ${formatErrors(g.errors)}`,
    `ratios ok/s ${formatRatio(ratio(g.acceptedPerSecond, b.acceptedPerSecond))}, p50 ${formatRatio(ratio(g.latency.p50, b.latency.p50))}, p99 ${formatRatio(ratio(g.latency.p99, b.latency.p99))}`,
    `gateway seal+publish mean ${formatMs(step.gatewayPublishMeanMs)}`,
    `generator lag max ${formatMs(Math.max(b.maxSendLagMs, g.maxSendLagMs))}`,
    `downstream drained in ${step.drain.drained ? formatMs(step.drain.ms) : `> ${formatMs(step.drain.ms)}`}`,
  ].join(' | ');
}

/** The final summary: the tables docs/performance.md shows. */
export function formatSummary(result: WebhookBenchResult): string {
  const lines: string[] = [];
  const { machine, config } = result;
  lines.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB, ${machine.platform}, Node ${machine.node}; load average ${machine.loadAverageBefore.join(' ')} before, ${machine.loadAverageAfter?.join(' ') ?? '?'} after.`,
  );
  lines.push('');
  lines.push(
    `Webhook acknowledgement (open loop, ${config.stepMs / 1000} s per step, ≤ ${config.maxInFlight} in flight, keep-alive; latency of the 200s, from due time):`,
  );
  lines.push('');
  lines.push(
    formatTable(
      [
        'offered/s',
        'baseline ok/s',
        'baseline p50',
        'baseline p99',
        'baseline errors',
        'gateway ok/s',
        'gateway p50',
        'gateway p99',
        'gateway errors',
        'ok/s ratio',
        'p50 ratio',
        'p99 ratio',
        'gateway seal+publish (mean)',
        'downstream caught up',
      ],
      result.steps.map((step) => [
        String(step.offered),
        formatRate(step.baseline.acceptedPerSecond),
        formatMs(step.baseline.latency.p50),
        formatMs(step.baseline.latency.p99),
        formatErrors(step.baseline.errors),
        formatRate(step.gateway.acceptedPerSecond),
        formatMs(step.gateway.latency.p50),
        formatMs(step.gateway.latency.p99),
        formatErrors(step.gateway.errors),
        formatRatio(ratio(step.gateway.acceptedPerSecond, step.baseline.acceptedPerSecond)),
        formatRatio(ratio(step.gateway.latency.p50, step.baseline.latency.p50)),
        formatRatio(ratio(step.gateway.latency.p99, step.baseline.latency.p99)),
        formatMs(step.gatewayPublishMeanMs),
        step.drain.drained ? `+${formatMs(step.drain.ms)}` : `not within ${formatMs(step.drain.ms)}`,
      ]),
    ),
  );
  const rows: string[][] = [];
  if (result.endToEnd !== undefined) {
    const e = result.endToEnd;
    rows.push([
      `spaced: ${e.count}, one every ${config.e2e.intervalMs} ms`,
      `${e.arrived}/${e.count}`,
      formatMs(e.latency.p50),
      formatMs(e.latency.p99),
      formatMs(e.latency.max),
      '–',
      formatErrors(e.postErrors),
    ]);
  }
  if (result.burst !== undefined) {
    const b = result.burst;
    rows.push([
      `burst: ${b.count} at once, ${config.burst.patients} patients`,
      `${b.arrived}/${b.count}`,
      formatMs(b.visible.p50),
      formatMs(b.visible.p99),
      formatMs(b.visible.max),
      formatRate(b.throughputPerSecond),
      formatErrors(b.postErrors),
    ]);
  }
  if (rows.length > 0) {
    lines.push('');
    lines.push(
      `End to end (POST to the gateway → visible in GET /v1/conversations/{id}/messages, polled every ${config.pollIntervalMs} ms; burst times from the burst's start):`,
    );
    lines.push('');
    lines.push(formatTable(['phase', 'visible', 'p50', 'p99', 'max', 'messages/s', 'POST errors'], rows));
  }
  lines.push('');
  lines.push(
    result.problems.length === 0
      ? 'No problems.'
      : `PROBLEMS:\n${result.problems.map((p) => `  - ${p}`).join('\n')}`,
  );
  return lines.join('\n');
}

/** Writes the raw result as JSON under test-output/bench/ and returns the file. */
export async function saveResult(result: WebhookBenchResult): Promise<string> {
  const dir = path.join(repoRoot, 'test-output', 'bench');
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(
    dir,
    `webhooks-${result.config.name}-${result.startedAt.replace(/[:.]/g, '-')}.json`,
  );
  await fs.writeFile(file, `${JSON.stringify(result, null, 2)}\n`);
  return file;
}
