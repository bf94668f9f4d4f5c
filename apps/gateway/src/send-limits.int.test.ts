// The sender at WhatsApp's limits, against the simulator as a real process on the real Postgres
// and Kafka: every Graph call is counted (the gateway's fetch is wrapped), so "no second call" and
// "no hot loop" are facts, not inferences. Covers the retry classification (130429 with AIMD and a
// partition that waits instead of failing, 131056, a permanent 131026), the send ledger (a crash
// after Meta accepted, a pending row left by a crash mid-call) and duplicate deliveries.
import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BusProducer, createProducer } from '@careline/bus';
import {
  EVENT_KEYS,
  type OutboundRequestedV1,
  type OutboundResultV1,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  outboundRequestedEvent,
  outboundResultEvent,
  sealContext,
} from '@careline/contracts';
import { type Sealer, createLocalKeyProvider, createSealer } from '@careline/crypto';
import { type Pool, createPool, withTenant } from '@careline/db';
import { loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { type StartedProcess, freePort, startProcess } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type GatewayApp, buildApp } from './app';
import { configSchema } from './config';
import { claimSend, findLedgerEntry } from './db/send-ledger';
import { TENANT_A, channelFixtures } from './test/fixtures';
import { type TestInfra, provisionTestInfra, readEvents } from './test/harness';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const channel = channelFixtures()[0]!;

let infra: TestInfra;
let app: GatewayApp;
let sealer: Sealer;
let simulator: StartedProcess;
let simUrl: string;
let producer: BusProducer;
let pool: Pool;

/** Graph send calls, by the Careline message id the gateway put in biz_opaque_callback_data. */
const calls: { messageId: string; at: number }[] = [];
const callsFor = (messageId: string) => calls.filter((c) => c.messageId === messageId);
/** Message ids whose first post-ledger step "crashes" (see SendFaults). */
const crashAfterLedger = new Set<string>();

const countingFetch: typeof fetch = async (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (url.endsWith('/messages') && typeof init?.body === 'string') {
    const body = z.object({ biz_opaque_callback_data: z.string().optional() }).parse(JSON.parse(init.body));
    calls.push({ messageId: body.biz_opaque_callback_data ?? '', at: Date.now() });
  }
  return fetch(input, init);
};

beforeAll(async () => {
  const simPort = await freePort();
  simUrl = `http://127.0.0.1:${simPort}`;
  infra = await provisionTestInfra();
  const config = loadConfig(
    configSchema,
    infra.env({
      GRAPH_BASE_URL: simUrl,
      GRAPH_TIMEOUT_MS: '5s',
      OUTBOUND_MAX_ATTEMPTS: '3',
      OUTBOUND_RETRY_BASE_MS: '100',
      OUTBOUND_RETRY_MAX_MS: '400',
    }),
  );
  sealer = createSealer(createLocalKeyProvider({ masterKey: config.masterKey }));
  app = buildApp(config, {
    logger: captureLogger({ name: 'gateway', level: 'warn' }).logger,
    fetch: countingFetch,
    sendFaults: {
      afterLedgerSettled: ({ messageId }) => {
        if (crashAfterLedger.delete(messageId)) return Promise.reject(new Error('crash after the ledger recorded Meta’s answer'));
        return Promise.resolve();
      },
    },
  });
  await run(process.execPath, ['../../tools/build/bundle.mjs'], { cwd: `${repoRoot}apps/wa-simulator` });
  simulator = await startProcess({
    name: 'wa-simulator',
    command: process.execPath,
    args: ['dist/apps/wa-simulator/main.js'],
    cwd: repoRoot,
    env: {
      WA_SIM_HOST: '127.0.0.1',
      WA_SIM_PORT: String(simPort),
      WA_SIM_LOG_LEVEL: 'warn',
      WA_SIM_STATUS_READ_DELAY_MS: 'off',
      WA_SIM_BUSINESSES: JSON.stringify([
        {
          phone_number_id: channel.phone_number_id,
          display_phone_number: channel.display_phone_number,
          waba_id: channel.waba_id,
          access_token: channel.access_token,
          app_secret: channel.app_secret,
        },
      ]),
    },
    readyUrl: `${simUrl}/healthz`,
  });
  await app.lifecycle.start();
  pool = createPool({ url: infra.databaseUrl, applicationName: 'gateway-test' });
  producer = createProducer(infra.kafka);
  await producer.start();
});

afterAll(async () => {
  await producer?.stop();
  await pool?.end();
  await simulator?.stop();
  await app?.lifecycle.stop();
  await infra?.database.drop();
});

async function sim(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${simUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`simulator ${path}: ${response.status} ${await response.text()}`);
}

const fault = (code: number, count: number) => sim('/_sim/faults/send', { code, count, delivery: 'sync', phone_number_id: channel.phone_number_id });

let recipients = 0;
async function textCommand(overrides: Partial<OutboundRequestedV1> = {}): Promise<OutboundRequestedV1> {
  const messageId = randomUUID();
  // A recipient per command, so pair limits never mix into tests about other things.
  recipients += 1;
  const patient = `1650555${String(recipients).padStart(4, '0')}`;
  const context = sealContext(TOPICS.outboundRequested, messageId);
  return {
    tenantId: TENANT_A,
    phoneNumberId: channel.phone_number_id,
    recipientWaId: await sealer.seal(TENANT_A, patient, context),
    recipientWaIdHash: await sealer.blindIndex(TENANT_A, WA_ID_HASH_PURPOSE, patient),
    messageId,
    idempotencyKey: messageId,
    requestedAt: new Date(),
    replyToWamid: '',
    content: { $case: 'text', value: { body: await sealer.seal(TENANT_A, 'Your results are ready.', context), previewUrl: false } },
    ...overrides,
  };
}

async function publish(command: OutboundRequestedV1, id?: string): Promise<void> {
  await producer.publish(outboundRequestedEvent, {
    key: EVENT_KEYS.outboundRequested(command),
    tenantId: command.tenantId,
    payload: command,
    source: '/careline/messaging',
    ...(id === undefined ? {} : { id }),
  });
}

async function resultsFor(messageId: string, timeoutMs = 30_000): Promise<OutboundResultV1[]> {
  const events = await readEvents(infra.kafka, outboundResultEvent, (read) => read.some((e) => e.payload.messageId === messageId), timeoutMs);
  return events.filter((e) => e.payload.messageId === messageId).map((e) => e.payload);
}

async function metric(name: string, labels: Record<string, string> = {}): Promise<number> {
  const found = await app.metricsRegistry.getSingleMetric(name)?.get();
  const values = found?.values.filter((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value)) ?? [];
  return values.reduce((sum, v) => sum + v.value, 0);
}

describe('retry classification at the limits', () => {
  it('retries 130429 after pausing the number and halving its rate, without a hot loop', async () => {
    await fault(130429, 2);
    const command = await textCommand();
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(result).toMatchObject({ attempts: 3, outcome: { $case: 'accepted' } });
    const made = callsFor(command.messageId);
    expect(made).toHaveLength(3);
    // each retry waited out the pause (equal jitter: at least half of 100 ms, then of 200 ms)
    expect(made[1]!.at - made[0]!.at).toBeGreaterThanOrEqual(45);
    expect(made[2]!.at - made[1]!.at).toBeGreaterThanOrEqual(95);
    expect(await metric('gateway_graph_limit_errors_total', { code: '130429' })).toBe(2);
    expect(await metric('gateway_outbound_send_rate_mps', { phone_number_id: channel.phone_number_id })).toBeLessThan(80);
  });

  it('when 130429 outlasts every attempt, the partition waits and the command is sent later, never failed', async () => {
    // 3 attempts per delivery: the first two deliveries are all refused, the 7th call goes through
    await fault(130429, 6);
    const command = await textCommand();
    await publish(command);
    const results = await resultsFor(command.messageId, 60_000);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ outcome: { $case: 'accepted' } });
    const made = callsFor(command.messageId);
    expect(made).toHaveLength(7);
    // the partition waited between deliveries (libs/bus: 500 ms, then 1 s) instead of hammering Meta
    expect(made[6]!.at - made[0]!.at).toBeGreaterThanOrEqual(1_500);
    expect(await metric('gateway_outbound_partition_pauses_total')).toBe(2);
    expect((await withTenant(pool, TENANT_A, (c) => findLedgerEntry(c, { tenantId: TENANT_A, idempotencyKey: command.messageId })))).toMatchObject({
      state: 'accepted',
      attempts: 7,
      resends: 0,
    });
  });

  it('backs off the recipient after 131056 (4^X s as Meta advises, capped at OUTBOUND_RETRY_MAX_MS) and then sends', async () => {
    await fault(131056, 1);
    const command = await textCommand();
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(result).toMatchObject({ attempts: 2, outcome: { $case: 'accepted' } });
    const made = callsFor(command.messageId);
    expect(made).toHaveLength(2);
    // 4^0 s = 1 s, capped here at 400 ms; no pair interval (6 s) on top
    expect(made[1]!.at - made[0]!.at).toBeGreaterThanOrEqual(390);
    expect(made[1]!.at - made[0]!.at).toBeLessThan(3_000);
  });

  it('reports a permanent 131026 after one call, with Meta’s code and a plain explanation', async () => {
    await fault(131026, 1);
    const command = await textCommand();
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(callsFor(command.messageId)).toHaveLength(1);
    expect(result).toMatchObject({
      attempts: 1,
      outcome: {
        $case: 'failed',
        value: { metaErrorCode: 131026, retryable: false, code: '', explanation: expect.stringMatching(/could not deliver to this number/) as string },
      },
    });
    expect(result!.possibleDuplicate).toBeUndefined();
    expect(await metric('gateway_outbound_sends_total', { outcome: 'failed', code: '131026' })).toBe(1);
  });
});

describe('never twice once Meta accepted', () => {
  it('makes one Graph call for a command delivered twice and repeated under a new ce_id', async () => {
    const command = await textCommand();
    const eventId = randomUUID();
    await publish(command, eventId);
    await publish(command, eventId);
    await publish(command);
    const sentinel = await textCommand();
    await publish(sentinel);
    // Results leave in processing order: once the sentinel's is there, every earlier one is too.
    const all = await readEvents(infra.kafka, outboundResultEvent, (read) => read.some((e) => e.payload.messageId === sentinel.messageId));
    expect(callsFor(command.messageId)).toHaveLength(1);
    const results = all.filter((e) => e.payload.messageId === command.messageId).map((e) => e.payload);
    expect(results).toHaveLength(2);
    expect(results[1]).toEqual(results[0]);
  });

  it('a crash after Meta accepted and before the commit is answered from the ledger, without a second call', async () => {
    const replaysBefore = await metric('gateway_outbound_ledger_replays_total');
    const command = await textCommand();
    crashAfterLedger.add(command.messageId);
    await publish(command);
    const results = await resultsFor(command.messageId);
    // the consumer's transaction rolled back (no outcome, no result, no processed mark) and the
    // handler ran again: the ledger said accepted, so Meta was not called again
    expect(crashAfterLedger.has(command.messageId)).toBe(false);
    expect(callsFor(command.messageId)).toHaveLength(1);
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ attempts: 1, outcome: { $case: 'accepted', value: { wamid: expect.stringMatching(/^wamid\./) as string } } });
    expect(results[0]!.possibleDuplicate).toBeUndefined();
    expect(await metric('gateway_outbound_ledger_replays_total')).toBe(replaysBefore + 1);
  });

  it('a pending ledger row (a crash between the call and its record) is sent again and flagged as a possible duplicate', async () => {
    const command = await textCommand();
    // what a process that died mid-call leaves behind
    await withTenant(pool, TENANT_A, (c) => claimSend(c, { tenantId: TENANT_A, idempotencyKey: command.messageId, messageId: command.messageId }));
    const before = await metric('gateway_outbound_possible_duplicates_total', { cause: 'ledger_pending' });
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(callsFor(command.messageId)).toHaveLength(1);
    expect(result).toMatchObject({ possibleDuplicate: true, outcome: { $case: 'accepted' } });
    expect(await metric('gateway_outbound_possible_duplicates_total', { cause: 'ledger_pending' })).toBe(before + 1);
    expect(await withTenant(pool, TENANT_A, (c) => findLedgerEntry(c, { tenantId: TENANT_A, idempotencyKey: command.messageId }))).toMatchObject({
      state: 'accepted',
      resends: 1,
    });
  });
});
