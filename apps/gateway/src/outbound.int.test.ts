// The gateway against the WhatsApp simulator (apps/wa-simulator, built and started as its own
// process: apps never import apps) playing Meta over HTTP, on the real Postgres and Kafka. The simulator's signed,
// escaped webhooks come in through the gateway's endpoint; send commands go out through its Graph
// API with the channel's token; results come back on `wa.outbound.result.v1`.
import { createHash, randomUUID } from 'node:crypto';
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
  webhookReceivedEvent,
} from '@careline/contracts';
import { type StartedProcess, freePort, startProcess, waitFor } from '@careline/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { SECRET_MARKER, TENANT_A, TENANT_B, channelFixtures } from './test/fixtures';
import { type TestGateway, readEvents, startTestGateway } from './test/harness';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const channel = channelFixtures()[0]!;
const PATIENT = '16505551234';
const PATIENT_MARKER = 'PATIENTMARK';

let gateway: TestGateway;
let simulator: StartedProcess;
let simUrl: string;
let producer: BusProducer;

beforeAll(async () => {
  const simPort = await freePort();
  simUrl = `http://127.0.0.1:${simPort}`;
  gateway = await startTestGateway({
    GRAPH_BASE_URL: simUrl,
    GRAPH_API_VERSION: 'v23.0',
    GRAPH_TIMEOUT_MS: '5s',
    OUTBOUND_MAX_ATTEMPTS: '3',
    OUTBOUND_RETRY_BASE_MS: '50',
    OUTBOUND_RETRY_MAX_MS: '200',
  });
  // The simulator runs as it ships, from its bundle (it inlines `?raw` assets tsx cannot load);
  // rebuilt every run so the test never meets a stale one.
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
          webhook_url: `${gateway.baseUrl}/webhooks/whatsapp`,
        },
      ]),
      WA_SIM_PATIENTS: JSON.stringify([{ wa_id: PATIENT, profile_name: `Zoë ${PATIENT_MARKER}` }]),
    },
    readyUrl: `${simUrl}/healthz`,
  });
  producer = createProducer(gateway.kafka);
  await producer.start();
});

afterAll(async () => {
  await producer?.stop();
  await simulator?.stop();
  await gateway?.stop();
});

async function sim(path: string, init?: { method?: string; body?: unknown }): Promise<unknown> {
  const response = await fetch(`${simUrl}${path}`, {
    method: init?.method ?? 'GET',
    ...(init?.body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
  });
  if (!response.ok) throw new Error(`simulator ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? undefined : await response.json();
}

const inboxSchema = z.object({
  data: z.array(z.object({ id: z.string(), phone_number_id: z.string(), type: z.string(), content: z.unknown() })),
});
const deliveriesSchema = z.object({ data: z.array(z.object({ state: z.string(), body: z.string() })) });

/** The exact bytes of a webhook the simulator delivered (answered 200) to the gateway. */
async function deliveredWebhook(query: Record<string, string>): Promise<Buffer> {
  const params = new URLSearchParams({ ...query, state: 'delivered' });
  const delivery = await waitFor(async () => deliveriesSchema.parse(await sim(`/_sim/webhooks?${params.toString()}`)).data[0], {
    message: `the simulator delivers the ${query.kind ?? ''} webhook to the gateway`,
    timeoutMs: 15_000,
  });
  return Buffer.from(delivery.body, 'utf8');
}

const inbox = async () => inboxSchema.parse(await sim(`/_sim/patients/${PATIENT}/inbox`)).data;

async function textCommand(text: string, overrides: Partial<OutboundRequestedV1> = {}): Promise<OutboundRequestedV1> {
  const messageId = overrides.messageId ?? randomUUID();
  const tenantId = overrides.tenantId ?? TENANT_A;
  const context = sealContext(TOPICS.outboundRequested, messageId);
  // Sealed like messaging seals it: recipient and body for the tenant, in the command's context.
  return {
    tenantId,
    phoneNumberId: channel.phone_number_id,
    recipientWaId: await gateway.sealer.seal(tenantId, PATIENT, context),
    recipientWaIdHash: await gateway.sealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, PATIENT),
    messageId,
    idempotencyKey: messageId,
    requestedAt: new Date(),
    replyToWamid: '',
    content: { $case: 'text', value: { body: await gateway.sealer.seal(tenantId, text, context), previewUrl: false } },
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

async function resultsFor(messageId: string): Promise<OutboundResultV1[]> {
  const events = await readEvents(gateway.kafka, outboundResultEvent, (read) => read.some((e) => e.payload.messageId === messageId));
  return events.filter((e) => e.payload.messageId === messageId).map((e) => e.payload);
}

describe('inbound: the simulator posts signed, escaped webhooks', () => {
  it("publishes a patient's message with the exact bytes the simulator sent", async () => {
    const sent = z.object({ id: z.string() }).parse(
      await sim(`/_sim/patients/${PATIENT}/messages`, { method: 'POST', body: { phone_number_id: channel.phone_number_id, text: `Olá, médico ${PATIENT_MARKER}` } }),
    );
    const bytes = await deliveredWebhook({ kind: 'message', message_id: sent.id });
    expect(bytes.toString('utf8')).toContain('Ol\\u00e1');
    const sha = createHash('sha256').update(bytes).digest('hex');
    const events = await readEvents(gateway.kafka, webhookReceivedEvent, (read) => read.some((e) => e.payload.bodySha256 === sha));
    const event = events.find((e) => e.payload.bodySha256 === sha)!;
    expect(event.tenantId).toBe(TENANT_A);
    const opened = await gateway.sealer.open(TENANT_A, event.payload.body!, sealContext(TOPICS.webhookReceived, sha));
    expect(Buffer.from(opened).equals(bytes)).toBe(true);
  });
});

describe('outbound: send commands become Graph calls', () => {
  it("sends the text with the channel's token and reports accepted with the wamid", async () => {
    const text = `Your appointment is confirmed, Zoë ${PATIENT_MARKER}`;
    const command = await textCommand(text);
    await publish(command);

    const [result] = await resultsFor(command.messageId);
    expect(result).toMatchObject({
      tenantId: TENANT_A,
      messageId: command.messageId,
      idempotencyKey: command.messageId,
      phoneNumberId: channel.phone_number_id,
      recipientWaIdHash: command.recipientWaIdHash,
      attempts: 1,
      outcome: { $case: 'accepted' },
    });
    const wamid = result!.outcome?.$case === 'accepted' ? result!.outcome.value.wamid : '';
    expect(wamid).toMatch(/^wamid\./);
    const entry = (await inbox()).find((m) => m.id === wamid);
    expect(entry).toMatchObject({ phone_number_id: channel.phone_number_id, type: 'text' });
    // The simulator's inbox shape of `content` is its own; the text must be in it, exactly.
    expect(JSON.stringify(entry!.content)).toContain(JSON.stringify(text));

    // Meta echoes biz_opaque_callback_data (the Careline message id) in the statuses that follow,
    // which come back in through the gateway's webhook endpoint.
    const delivered = await deliveredWebhook({ kind: 'status', message_id: wamid });
    const sha = createHash('sha256').update(delivered).digest('hex');
    const events = await readEvents(gateway.kafka, webhookReceivedEvent, (read) => read.some((e) => e.payload.bodySha256 === sha));
    const status = events.find((e) => e.payload.bodySha256 === sha)!;
    const body = Buffer.from(await gateway.sealer.open(TENANT_A, status.payload.body!, sealContext(TOPICS.webhookReceived, sha))).toString('utf8');
    expect(body).toContain(`"biz_opaque_callback_data":"${command.messageId}"`);
    expect(body).toContain(wamid);
  });

  it("reports Meta's code for a permanent Graph error at once, without retrying", async () => {
    await sim('/_sim/faults/send', { method: 'POST', body: { code: 131031, delivery: 'sync', phone_number_id: channel.phone_number_id } });
    const command = await textCommand('account locked');
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(result!.attempts).toBe(1);
    expect(result!.outcome).toEqual({
      $case: 'failed',
      value: {
        metaErrorCode: 131031,
        title: 'Business Account locked',
        details: expect.any(String) as string,
        retryable: false,
        httpStatus: 403,
        code: '',
        explanation: 'The hospital’s WhatsApp Business Account is locked. Contact your administrator.',
      },
    });
  });

  it('retries throughput errors with backoff and reports the attempts', async () => {
    await sim('/_sim/faults/send', { method: 'POST', body: { code: 130429, count: 2, delivery: 'sync', phone_number_id: channel.phone_number_id } });
    const command = await textCommand('after a rate limit');
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(result).toMatchObject({ attempts: 3, outcome: { $case: 'accepted' } });
  });

  it('gives up on retryable errors after OUTBOUND_MAX_ATTEMPTS and says it is retryable', async () => {
    await sim('/_sim/faults/send', { method: 'POST', body: { code: 131000, count: 3, delivery: 'sync', phone_number_id: channel.phone_number_id } });
    const command = await textCommand('meta is down');
    await publish(command);
    const [result] = await resultsFor(command.messageId);
    expect(result).toMatchObject({ attempts: 3, outcome: { $case: 'failed', value: { metaErrorCode: 131000, retryable: true, httpStatus: 500 } } });
  });

  it('fails commands for numbers the tenant does not own as unknown_channel', async () => {
    const foreign = await textCommand('wrong tenant', { tenantId: TENANT_B });
    const unknown = await textCommand('unknown number', { phoneNumberId: '999000999' });
    await publish(foreign);
    await publish(unknown);
    for (const command of [foreign, unknown]) {
      const [result] = await resultsFor(command.messageId);
      expect(result).toMatchObject({ attempts: 0, outcome: { $case: 'failed', value: { code: 'unknown_channel', retryable: false, metaErrorCode: 0 } } });
    }
  });

  it('sends once for a command delivered twice, and reports the first outcome again for a repeated key', async () => {
    const text = `only once ${randomUUID()}`;
    const command = await textCommand(text);
    const eventId = randomUUID();
    await publish(command, eventId); // delivered…
    await publish(command, eventId); // …and redelivered (same ce_id)
    await publish(command); // the same request again under a new ce_id (same idempotency key)
    const sentinel = await textCommand('sentinel');
    await publish(sentinel);
    // Results leave in processing order: once the sentinel's is there, every earlier one is too.
    const all = await readEvents(gateway.kafka, outboundResultEvent, (read) => read.some((e) => e.payload.messageId === sentinel.messageId));
    const results = all.filter((e) => e.payload.messageId === command.messageId).map((e) => e.payload);
    expect(results).toHaveLength(2);
    expect(results[1]).toEqual(results[0]);
    const wamid = results[0]!.outcome?.$case === 'accepted' ? results[0]!.outcome.value.wamid : undefined;
    expect(wamid).toBeDefined();
    const sends = (await inbox()).filter((m) => JSON.stringify(m.content).includes(text));
    expect(sends.map((m) => m.id)).toEqual([wamid]);
  });

  it('never logs patient data or credentials', () => {
    const logs = gateway.logs.text();
    expect(logs).toContain('message accepted by Meta');
    expect(logs).not.toContain(PATIENT_MARKER);
    expect(logs).not.toContain(SECRET_MARKER);
    expect(logs).not.toContain(PATIENT);
  });
});
