// The outbound benchmark (`npm run bench -- outbound [--quick]`): send commands for several
// sending numbers go through the gateway to the simulator, which enforces Meta's limits (a token
// bucket of `throughput_mps` per number, the pair rate per recipient) and answers 130429/131056
// when they are broken. It prints, per number, the sends per second Meta accepted as a ratio of
// the configured cap, and how many limit errors the gateway met. Goal: ≥ 95 % of the cap with no
// limit error. The gateway runs as it ships (its bundle) with the cap the simulator has.
//
// Commands are produced up front (faster than the cap), each to its own recipient, so the
// number's bucket is the only limit in play. Rates come from the results' `completed_at`, over
// the steady part of the run (the first second, which the bucket's saved-up burst makes faster
// than the cap, is left out; the whole-run figure is printed too).
import { randomInt, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RawRecord, createKafka, createProducer, fromKafkaMessage, toKafkaMessage } from '@careline/bus';
import { readTopic } from '@careline/bus/testing';
import {
  EVENT_KEYS,
  type OutboundRequestedV1,
  type OutboundResultV1,
  TOPICS,
  TOPIC_PROVISIONING,
  WA_ID_HASH_PURPOSE,
  outboundRequestedEvent,
  outboundResultEvent,
  sealContext,
} from '@careline/contracts';
import { createLocalKeyProvider, createSealer } from '@careline/crypto';
import { type Pool, createPool } from '@careline/db';
import { ensureInfra } from '@careline/infra';
import { gatewayChannels, generateSeed, startStack } from '@careline/stack';
import kafkajs from 'kafkajs';
import { histogramTotals } from './prometheus';
import { formatMs, formatRate, formatRatio, formatTable } from './table';

export interface OutboundBenchConfig {
  name: 'full' | 'quick';
  /** Sending numbers, each with its own partition. */
  numbers: number;
  /** The cap of every number, at the simulator and in the gateway (GATEWAY_THROUGHPUT_MPS). */
  capMps: number;
  /** Commands per number: `capMps × seconds`. */
  seconds: number;
  /** Commands of one number sent at once, to different recipients (OUTBOUND_IN_PARTITION_CONCURRENCY). */
  inPartitionConcurrency: number;
  /**
   * Added to every Graph call by the simulator (its latency fault), to play Meta's real round trip
   * (typically 100–300 ms) instead of loopback's 2–5 ms. 0: none.
   */
  graphLatencyMs: number;
}

export const FULL_CONFIG: OutboundBenchConfig = { name: 'full', numbers: 3, capMps: 80, seconds: 30, inPartitionConcurrency: 16, graphLatencyMs: 0 };
export const QUICK_CONFIG: OutboundBenchConfig = { name: 'quick', numbers: 3, capMps: 80, seconds: 8, inPartitionConcurrency: 16, graphLatencyMs: 0 };

export interface NumberFigures {
  phoneNumberId: string;
  partition: number;
  accepted: number;
  failed: number;
  /** Accepted per second over the steady part (after the first second). */
  steadyMps: number | undefined;
  /** Accepted per second, first to last. */
  overallMps: number | undefined;
}

export interface OutboundBenchResult {
  config: OutboundBenchConfig;
  startedAt: string;
  numbers: NumberFigures[];
  limitErrors: { '130429': number; '131056': number };
  /** Where a command's time went, from the gateway's histograms: mean ms per Graph call, and waits for the limits by cause. */
  meanGraphCallMs: number | undefined;
  throttleWaitMs: Record<string, { count: number; meanMs: number }>;
  /** Where the time goes per accepted send, between the first command produced and the last result read. */
  perSend: {
    /** The gateway process's CPU (process_cpu_seconds_total). */
    gatewayCpuMs: number | undefined;
    /** Committed + rolled-back transactions in the stack's database (every service's, the relay's included). */
    dbTransactions: number | undefined;
  };
  /** The gateway's event-loop delay over the run (prom-client's monitor), p99 and mean. */
  eventLoopLagMs: { p99: number | undefined; mean: number | undefined };
  /** The machine's 1-minute load average at the end (2 cores shared with other work). */
  loadAverage: number;
  failures: Record<string, number>;
  problems: string[];
}

/** Phone number ids whose keys land on distinct partitions (kafkajs' default partitioner, as the gateway's producers use). */
function numbersOnDistinctPartitions(count: number, partitions: number): { id: string; partition: number }[] {
  const partitioner = kafkajs.Partitioners.DefaultPartitioner();
  const metadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
  const chosen: { id: string; partition: number }[] = [];
  const used = new Set<number>();
  while (chosen.length < count) {
    const id = `1065${String(randomInt(10 ** 9, 10 ** 10))}`;
    const partition = partitioner({ topic: TOPICS.outboundRequested, partitionMetadata: metadata, message: { key: id, value: null } });
    if (used.has(partition) || chosen.length >= partitions) continue;
    used.add(partition);
    chosen.push({ id, partition });
  }
  return chosen;
}

/** Sum of a counter's samples with the given labels in a Prometheus exposition. */
export function counterValue(exposition: string, name: string, labels: Record<string, string>): number {
  let total = 0;
  for (const line of exposition.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = /\{([^}]*)\}/.exec(line)?.[1] ?? '';
    if (!Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) continue;
    const value = Number(line.trim().split(/\s+/).at(-1));
    if (Number.isFinite(value)) total += value;
  }
  return total;
}

function meanMs(totals: { count: number; sum: number } | undefined): number | undefined {
  return totals === undefined || totals.count === 0 ? undefined : (totals.sum / totals.count) * 1000;
}

/** The value of an unlabelled gauge or counter (e.g. process_cpu_seconds_total). */
function sampleValue(exposition: string, name: string): number | undefined {
  const line = exposition.split('\n').find((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`));
  const value = Number(line?.trim().split(/\s+/).at(-1));
  return Number.isFinite(value) ? value : undefined;
}

interface PipelineSample {
  gatewayCpuSeconds: number | undefined;
  dbTransactions: number | undefined;
}

async function samplePipeline(gatewayUrl: string, admin: Pool, database: string): Promise<PipelineSample & { exposition: string }> {
  const exposition = await (await fetch(`${gatewayUrl}/metrics`)).text();
  const { rows } = await admin.query<{ xacts: string }>(
    'SELECT xact_commit + xact_rollback AS xacts FROM pg_stat_database WHERE datname = $1',
    [database],
  );
  return { exposition, gatewayCpuSeconds: sampleValue(exposition, 'process_cpu_seconds_total'), dbTransactions: Number(rows[0]?.xacts ?? Number.NaN) };
}

function perUnit(before: number | undefined, after: number | undefined, units: number, scale = 1): number | undefined {
  if (before === undefined || after === undefined || !Number.isFinite(before) || !Number.isFinite(after) || units === 0) return undefined;
  return ((after - before) * scale) / units;
}

/** Messages per second over [from, to] of sorted timestamps (ms). */
function rateOf(times: readonly number[], from: number, to: number): number | undefined {
  const inside = times.filter((t) => t >= from && t <= to);
  if (inside.length < 2) return undefined;
  return ((inside.length - 1) * 1000) / (inside.at(-1)! - inside[0]!);
}

export async function runOutboundBench(
  config: OutboundBenchConfig,
  io: {
    log: (line: string) => void;
    signal: AbortSignal;
    /** Extra node flags for the gateway process, e.g. `--cpu-prof --cpu-prof-dir=…` to profile it. */
    gatewayNodeArgs?: string[];
  },
): Promise<OutboundBenchResult> {
  const { log } = io;
  const problems: string[] = [];
  const infra = await ensureInfra();
  const seed = generateSeed();
  const partitions = TOPIC_PROVISIONING.find((t) => t.topic === TOPICS.outboundRequested)?.partitions ?? 12;
  const numbers = numbersOnDistinctPartitions(config.numbers, partitions);
  const benchChannels = numbers.map(({ id }, index) => ({
    phone_number_id: id,
    display_phone_number: `1555000${String(index).padStart(4, '0')}`,
    waba_id: `20000000000${index}`,
    tenant_id: seed.tenant.id,
    access_token: `bench-token-${index}-${randomUUID()}`,
    app_secret: `bench-secret-${index}-${randomUUID()}`,
  }));
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'careline-bench-outbound-'));
  const channelsFile = path.join(dir, 'gateway-channels.json');
  await fs.writeFile(channelsFile, JSON.stringify([...gatewayChannels(seed), ...benchChannels]), { mode: 0o600 });

  const stack = await startStack({
    databaseUrl: infra.databaseUrl,
    kafkaBrokers: infra.kafkaBrokers,
    label: 'bench-outbound',
    seed,
    apps: ['wa-simulator', 'gateway'],
    logLevel: 'warn',
    ...(io.gatewayNodeArgs === undefined ? {} : { nodeArgs: { gateway: io.gatewayNodeArgs } }),
    env: {
      gateway: {
        GATEWAY_CHANNELS_FILE: channelsFile,
        GATEWAY_THROUGHPUT_MPS: String(config.capMps),
        OUTBOUND_PARTITIONS_CONCURRENTLY: String(config.numbers),
        OUTBOUND_IN_PARTITION_CONCURRENCY: String(config.inPartitionConcurrency),
        // the gateway's rule (2 per command in flight + the relay) and the registry's LISTEN
        DATABASE_POOL_MAX: String(2 * config.numbers * config.inPartitionConcurrency + 4),
      },
      'wa-simulator': {
        // the bench numbers have no webhook: their statuses would only load the gateway's endpoint
        WA_SIM_BUSINESSES: JSON.stringify(
          benchChannels.map((c) => ({ phone_number_id: c.phone_number_id, display_phone_number: c.display_phone_number, waba_id: c.waba_id, access_token: c.access_token, app_secret: c.app_secret })),
        ),
        WA_SIM_THROUGHPUT_MPS: String(config.capMps),
        WA_SIM_STATUS_READ_DELAY_MS: 'off',
        WA_SIM_MESSAGING_LIMIT: 'unlimited',
      },
    },
    log: (line) => log(`stack: ${line}`),
  });
  const kafka = createKafka({ brokers: infra.kafkaBrokers.split(','), clientId: 'bench-outbound', topicPrefix: stack.topicPrefix });
  const producer = createProducer(kafka, { sendTimeoutMs: 30_000 });
  // pg_stat_database: the transactions each send costs (its counters lag by up to a stats flush, ~1 s)
  const admin = createPool({ url: stack.database.adminUrl, applicationName: 'bench-outbound', max: 1, statementTimeoutMs: 0 });
  try {
    if (config.graphLatencyMs > 0) {
      const response = await fetch(`${stack.simulator.url}/_sim/faults/latency`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ latency_ms: config.graphLatencyMs, ratio: 1 }),
      });
      if (!response.ok) throw new Error(`the simulator refused the latency fault (HTTP ${response.status})`);
    }
    await producer.start();
    const masterKey = Buffer.from((await fs.readFile(stack.files.masterKey, 'utf8')).trim(), 'base64');
    const sealer = createSealer(createLocalKeyProvider({ masterKey }));
    const tenantId = seed.tenant.id;
    const perNumber = config.capMps * config.seconds;
    const total = perNumber * numbers.length;

    log(`sealing ${total} commands (${numbers.length} numbers × ${perNumber}, each to its own recipient)…`);
    const records: RawRecord[] = [];
    for (let i = 0; i < perNumber; i += 1) {
      for (const { id } of numbers) {
        const messageId = randomUUID();
        const recipient = `44${String(randomInt(10 ** 9, 10 ** 10))}`;
        const context = sealContext(TOPICS.outboundRequested, messageId);
        const command: OutboundRequestedV1 = {
          tenantId,
          phoneNumberId: id,
          recipientWaId: await sealer.seal(tenantId, recipient, context),
          recipientWaIdHash: await sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, recipient),
          messageId,
          idempotencyKey: messageId,
          requestedAt: new Date(),
          replyToWamid: '',
          content: { $case: 'text', value: { body: await sealer.seal(tenantId, 'Your appointment is tomorrow at 10:30.', context), previewUrl: false } },
        };
        records.push(toKafkaMessage(outboundRequestedEvent, { key: EVENT_KEYS.outboundRequested(command), tenantId, payload: command, source: '/careline/bench' }));
      }
    }
    log(`producing to ${TOPICS.outboundRequested}…`);
    const before = await samplePipeline(stack.urls.gateway, admin, stack.database.name);
    const started = Date.now();
    for (let i = 0; i < records.length; i += 500) await producer.sendRecords(records.slice(i, i + 500));
    log(`produced in ${Date.now() - started} ms; waiting for ${total} results (about ${config.seconds} s at the cap)…`);

    const read = await readTopic(kafka, TOPICS.outboundResult, {
      until: (got) => got.length >= total || io.signal.aborted,
      // room for a number sending one command at a time at the added Graph latency
      timeoutMs: config.seconds * 1000 * 4 + 60_000 + perNumber * config.graphLatencyMs * 1.5,
    });
    const results: OutboundResultV1[] = read.map(
      (record) =>
        fromKafkaMessage(outboundResultEvent, { key: record.key === null ? null : Buffer.from(record.key), value: record.value, headers: record.headers }).payload,
    );
    if (results.length < total) problems.push(`only ${results.length} of ${total} results arrived`);

    await new Promise((resolve) => setTimeout(resolve, 1_500)); // let pg_stat_database catch up
    const after = await samplePipeline(stack.urls.gateway, admin, stack.database.name);
    const metrics = after.exposition;
    const acceptedTotal = results.filter((r) => r.outcome?.$case === 'accepted').length;
    const failures: Record<string, number> = {};
    const figures = numbers.map(({ id, partition }): NumberFigures => {
      const mine = results.filter((r) => r.phoneNumberId === id);
      const times = mine
        .filter((r) => r.outcome?.$case === 'accepted')
        .map((r) => r.completedAt?.getTime() ?? 0)
        .sort((a, b) => a - b);
      for (const r of mine) {
        if (r.outcome?.$case !== 'failed') continue;
        const code = r.outcome.value.metaErrorCode !== 0 ? String(r.outcome.value.metaErrorCode) : r.outcome.value.code;
        failures[code] = (failures[code] ?? 0) + 1;
      }
      const first = times[0];
      const last = times.at(-1);
      return {
        phoneNumberId: id,
        partition,
        accepted: times.length,
        failed: mine.length - times.length,
        steadyMps: first === undefined || last === undefined ? undefined : rateOf(times, first + 1_000, last),
        overallMps: first === undefined || last === undefined ? undefined : rateOf(times, first, last),
      };
    });
    return {
      config,
      startedAt: new Date(started).toISOString(),
      numbers: figures,
      limitErrors: {
        '130429': counterValue(metrics, 'gateway_graph_limit_errors_total', { code: '130429' }),
        '131056': counterValue(metrics, 'gateway_graph_limit_errors_total', { code: '131056' }),
      },
      meanGraphCallMs: meanMs(histogramTotals(metrics, 'gateway_graph_request_duration_seconds')),
      throttleWaitMs: Object.fromEntries(
        ['throughput', 'pair', 'paused'].map((cause) => {
          const totals = histogramTotals(metrics, 'gateway_outbound_throttle_wait_seconds', { cause });
          return [cause, { count: totals?.count ?? 0, meanMs: meanMs(totals) ?? 0 }];
        }),
      ),
      perSend: {
        gatewayCpuMs: perUnit(before.gatewayCpuSeconds, after.gatewayCpuSeconds, acceptedTotal, 1000),
        dbTransactions: perUnit(before.dbTransactions, after.dbTransactions, acceptedTotal),
      },
      eventLoopLagMs: {
        p99: perUnit(0, sampleValue(metrics, 'nodejs_eventloop_lag_p99_seconds'), 1, 1000),
        mean: perUnit(0, sampleValue(metrics, 'nodejs_eventloop_lag_mean_seconds'), 1, 1000),
      },
      loadAverage: os.loadavg()[0] ?? 0,
      failures,
      problems,
    };
  } finally {
    await admin.end().catch(() => undefined);
    await producer.stop().catch(() => undefined);
    await stack.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
}

export function formatOutboundSummary(result: OutboundBenchResult): string {
  const { config } = result;
  const rows = result.numbers.map((n) => [
    n.phoneNumberId,
    n.partition,
    n.accepted,
    n.failed,
    formatRate(n.steadyMps),
    formatRatio(n.steadyMps === undefined ? undefined : n.steadyMps / config.capMps),
    formatRate(n.overallMps),
  ]);
  const lines = [
    `outbound (${config.name}): ${config.numbers} numbers, cap ${config.capMps} mps each (gateway and simulator), ${config.capMps * config.seconds} commands per number, one recipient each, up to ${config.inPartitionConcurrency} in flight per number${config.graphLatencyMs > 0 ? `, Graph calls ${config.graphLatencyMs} ms slower (simulator latency fault)` : ''}`,
    formatTable(['phone_number_id', 'partition', 'accepted', 'failed', 'steady mps', 'steady ÷ cap', 'whole-run mps'], rows),
    `limit errors met by the gateway: 130429 × ${result.limitErrors['130429']}, 131056 × ${result.limitErrors['131056']}`,
    `mean Graph call ${formatMs(result.meanGraphCallMs)}; waits for the limits: ${Object.entries(result.throttleWaitMs)
      .map(([cause, w]) => `${cause} ${w.count} × ${formatMs(w.meanMs)}`)
      .join(', ')}`,
    `per accepted send: gateway CPU ${formatMs(result.perSend.gatewayCpuMs)}, ${result.perSend.dbTransactions === undefined ? '–' : result.perSend.dbTransactions.toFixed(2)} database transactions; gateway event-loop delay p99 ${formatMs(result.eventLoopLagMs.p99)} (mean ${formatMs(result.eventLoopLagMs.mean)}); load average ${result.loadAverage.toFixed(1)} on ${os.cpus().length} cores`,
  ];
  if (Object.keys(result.failures).length > 0) lines.push(`failed results by code: ${JSON.stringify(result.failures)}`);
  for (const problem of result.problems) lines.push(`problem: ${problem}`);
  return lines.join('\n');
}
