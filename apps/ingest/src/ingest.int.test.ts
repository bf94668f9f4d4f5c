// Ingest in-process (buildApp) against the real Postgres and Kafka: webhooks go in as the gateway
// publishes them, domain events come out of the outbox, and duplicates, bad bodies and patient
// data are handled as the contracts say. Each test uses its own tenant and patient number, so the
// tests share one app (one consumer group, one topic prefix) without seeing each other's events.
import { randomUUID } from 'node:crypto';
import {
  type BusKafka,
  type BusProducer,
  createKafka,
  createProducer,
  dlqHeaderNames,
  ensureTopics,
} from '@careline/bus';
import {
  DeliveryStatus,
  EVENT_KEYS,
  type MessageStatusV1,
  type PatientMessageReceivedV1,
  PatientPreferenceValue,
  TOPICS,
  WA_ID_HASH_PURPOSE,
  messageStatusEvent,
  patientMessageReceivedEvent,
  patientPreferenceChangedEvent,
  templateStatusEvent,
  sealContext,
  webhookReceivedEvent,
} from '@careline/contracts';
import {
  type Sealer,
  createLocalKeyProvider,
  createSealer,
  generateMasterKey,
  parseMasterKey,
} from '@careline/crypto';
import { findTablesWithoutTenantIsolation } from '@careline/db';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { loadConfig, newTraceparent, parseTraceparent } from '@careline/runtime';
import { type CapturedLogger, captureLogger } from '@careline/runtime/testing';
import { testEnv, uniqueName, waitFor } from '@careline/testing';
import { type Json, webhookPayload } from '@careline/whatsapp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, buildApp } from './app';
import { configSchema } from './config';
import {
  type Output,
  fastConsumer,
  gatewayWebhook,
  metricValue,
  publishWebhook,
  randomWaId,
  readEvents,
  sealedWebhook,
} from './test/harness';

const PHONE_NUMBER_ID = '106540352242922';

let db: TestDatabase;
let app: App;
let kafka: BusKafka;
let producer: BusProducer;
let logs: CapturedLogger;
let gatewaySealer: Sealer;
let baseUrl: string;

beforeAll(async () => {
  const env = testEnv();
  db = await createTestDatabase(env.databaseUrl);
  const role = await db.createServiceRole('ingest');
  const prefix = `${uniqueName('ingest')}.`;
  const masterKey = generateMasterKey();
  // The gateway and ingest share the tenant keys (one master key in this deployment).
  gatewaySealer = createSealer(createLocalKeyProvider({ masterKey: parseMasterKey(masterKey) }));

  kafka = createKafka({ brokers: env.kafkaBrokers.split(','), clientId: 'ingest-test', topicPrefix: prefix });
  await ensureTopics(kafka, [
    { topic: TOPICS.webhookReceived, numPartitions: 3, dlq: true },
    { topic: TOPICS.patientMessageReceived, numPartitions: 3 },
    { topic: TOPICS.messageStatus, numPartitions: 3 },
    { topic: TOPICS.patientPreferenceChanged, numPartitions: 3 },
    { topic: TOPICS.templateStatus, numPartitions: 3 },
  ]);
  producer = createProducer(kafka);
  await producer.start();

  logs = captureLogger({ name: 'ingest', level: 'debug' });
  const config = loadConfig(configSchema, {
    DATABASE_URL: role.url,
    KAFKA_BROKERS: env.kafkaBrokers,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_CREATE_TOPICS: 'false',
    CARELINE_MASTER_KEY: masterKey,
    HTTP_HOST: '127.0.0.1',
    HTTP_PORT: '0',
    LOG_LEVEL: 'debug',
  });
  app = buildApp(config, { logger: logs.logger, consumer: fastConsumer, relayPollIntervalMs: 200 });
  await app.lifecycle.start();
  baseUrl = `http://127.0.0.1:${app.http.address()?.port}`;
});

afterAll(async () => {
  await app?.lifecycle.stop();
  await producer?.stop();
  await db?.drop();
});

/** A patient of a tenant: Meta ids and the keyed hash consumers see instead of the number. */
function newPatient() {
  return { tenantId: randomUUID(), waId: randomWaId() };
}

function textMessage(waId: string, wamid: string, body: string, name = 'Sheena Nelson'): Json {
  return webhookPayload({
    contacts: [{ profile: { name }, wa_id: waId }],
    messages: [{ from: waId, id: wamid, timestamp: '1749416383', type: 'text', text: { body } }],
  });
}

function statusWebhook(waId: string, status: Json): Json {
  return webhookPayload({
    statuses: [{ recipient_id: waId, timestamp: '1750263773', ...(status as Record<string, Json>) }],
  });
}

/** Reads inbound-message events until `sentinelWamid` shows up, then those of `tenantId`. */
async function messagesUntil(
  tenantId: string,
  sentinelWamid: string,
): Promise<Output<PatientMessageReceivedV1>[]> {
  const all = await readEvents(kafka, patientMessageReceivedEvent, (events) =>
    events.some((e) => e.event.payload.tenantId === tenantId && e.event.payload.wamid === sentinelWamid),
  );
  return all.filter((e) => e.event.payload.tenantId === tenantId);
}

async function statusesUntil(tenantId: string, sentinelWamid: string): Promise<Output<MessageStatusV1>[]> {
  const all = await readEvents(kafka, messageStatusEvent, (events) =>
    events.some((e) => e.event.payload.tenantId === tenantId && e.event.payload.wamid === sentinelWamid),
  );
  return all.filter((e) => e.event.payload.tenantId === tenantId);
}

function openIn(
  tenantId: string,
  topic: typeof TOPICS.patientMessageReceived | typeof TOPICS.messageStatus,
  id: string,
) {
  return (box: PatientMessageReceivedV1['waId']) => {
    if (box === undefined) throw new Error('expected a sealed field');
    return gatewaySealer.openString(tenantId, box, sealContext(topic, id));
  };
}

async function metrics(): Promise<string> {
  return (await fetch(`${baseUrl}/metrics`)).text();
}

describe('ingest', () => {
  it('is ready once Postgres and Kafka answer, and its tables are tenant-isolated', async () => {
    const response = await fetch(`${baseUrl}/readyz`);
    expect(response.status).toBe(200);
    expect(await findTablesWithoutTenantIsolation(db.adminPool, 'ingest')).toEqual([]);
  });

  it('turns a text message into exactly one PatientMessageReceivedV1, sealed, keyed by hash, in the same trace', async () => {
    const { tenantId, waId } = newPatient();
    const text = 'Ich habe Schmerzen 🤕 — ¿mañana a las 10?';
    const receivedAt = new Date('2025-06-08T21:00:00.123Z');
    const traceparent = newTraceparent();
    await publishWebhook(
      producer,
      await gatewayWebhook(gatewaySealer, tenantId, textMessage(waId, 'wamid.T1', text, 'Zoë'), receivedAt),
      {
        traceparent,
      },
    );
    await publishWebhook(
      producer,
      await gatewayWebhook(gatewaySealer, tenantId, textMessage(waId, 'wamid.T1.sentinel', 'ok')),
    );

    const events = await messagesUntil(tenantId, 'wamid.T1.sentinel');
    const ours = events.filter((e) => e.event.payload.wamid === 'wamid.T1');
    expect(ours).toHaveLength(1);
    const { event, record } = ours[0]!;
    const payload = event.payload;
    const open = openIn(tenantId, TOPICS.patientMessageReceived, payload.messageId);

    expect(payload.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(payload).toMatchObject({
      tenantId,
      wamid: 'wamid.T1',
      phoneNumberId: PHONE_NUMBER_ID,
      sentAt: new Date(1749416383_000),
      receivedAt,
    });
    expect(payload.content?.$case).toBe('text');
    if (payload.content?.$case !== 'text') return;
    expect(await open(payload.content.value.body)).toBe(text);
    expect(await open(payload.profileName)).toBe('Zoë');
    expect(await open(payload.waId)).toBe(waId);

    const hash = await gatewaySealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId);
    expect(payload.waIdHash).toBe(hash);
    expect(record.key).toBe(`${tenantId}:${hash}`);
    expect(record.key).toBe(EVENT_KEYS.patientMessageReceived(payload));
    expect(record.key).not.toContain(waId);

    expect(event.tenantId).toBe(tenantId);
    expect(event.source).toBe('/careline/ingest');
    // The consumed event's trace continues: same trace id, ingest's own span.
    expect(parseTraceparent(event.traceparent)?.traceId).toBe(parseTraceparent(traceparent)?.traceId);
  });

  it('emits one event for a message delivered three times under new ce_ids and for one Kafka message read twice', async () => {
    const { tenantId, waId } = newPatient();
    const webhook = textMessage(waId, 'wamid.D1', 'once please');
    for (let i = 0; i < 3; i += 1) {
      // Three redeliveries by Meta: the gateway seals and publishes each afresh (new ce_id).
      await publishWebhook(producer, await gatewayWebhook(gatewaySealer, tenantId, webhook));
    }
    await publishWebhook(
      producer,
      await gatewayWebhook(gatewaySealer, tenantId, textMessage(waId, 'wamid.D.sentinel1', 'ok')),
    );
    const redelivered = await messagesUntil(tenantId, 'wamid.D.sentinel1');
    expect(redelivered.map((e) => e.event.payload.wamid)).toEqual(['wamid.D1', 'wamid.D.sentinel1']);

    const before = metricValue(await metrics(), 'ingest_webhooks_total', { outcome: 'ingested' });
    const twice = await gatewayWebhook(
      gatewaySealer,
      tenantId,
      textMessage(waId, 'wamid.D2', 'twice on the wire'),
    );
    const id = randomUUID();
    await publishWebhook(producer, twice, { id });
    await publishWebhook(producer, twice, { id });
    await publishWebhook(
      producer,
      await gatewayWebhook(gatewaySealer, tenantId, textMessage(waId, 'wamid.D.sentinel2', 'ok')),
    );

    const events = await messagesUntil(tenantId, 'wamid.D.sentinel2');
    expect(events.map((e) => e.event.payload.wamid)).toEqual([
      'wamid.D1',
      'wamid.D.sentinel1',
      'wamid.D2',
      'wamid.D.sentinel2',
    ]);
    // The second copy of the Kafka message never reached the use-case (the consumer's processed mark).
    const after = metricValue(await metrics(), 'ingest_webhooks_total', { outcome: 'ingested' });
    expect(after - before).toBe(2);
  });

  it('emits one MessageStatusV1 per (wamid, status), drops repeats, keeps errors and the Careline message id', async () => {
    const { tenantId, waId } = newPatient();
    const messageId = randomUUID();
    const status = (state: string, extra: Record<string, Json> = {}) =>
      gatewayWebhook(
        gatewaySealer,
        tenantId,
        statusWebhook(waId, {
          id: 'wamid.OUT1',
          status: state,
          biz_opaque_callback_data: messageId,
          ...extra,
        }),
      );
    const failedError = {
      errors: [
        {
          code: 131026,
          title: 'Message undeliverable',
          message: 'Message undeliverable',
          error_data: { details: 'Message Undeliverable.' },
          href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
        },
      ],
    };
    const pricing = {
      pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' },
    };
    // Out of order, with repeats, as Meta does.
    await publishWebhook(producer, await status('read'));
    await publishWebhook(producer, await status('sent', pricing));
    await publishWebhook(producer, await status('delivered', pricing));
    await publishWebhook(producer, await status('read'));
    await publishWebhook(producer, await status('failed', failedError));
    await publishWebhook(producer, await status('delivered', pricing));
    await publishWebhook(producer, await status('failed', failedError));
    await publishWebhook(
      producer,
      await gatewayWebhook(
        gatewaySealer,
        tenantId,
        statusWebhook(waId, { id: 'wamid.OUT.sentinel', status: 'sent' }),
      ),
    );

    // One event per status, whatever the order: the claim is the dedupe, not the sequence. A
    // consumer-group rebalance on this loaded machine can replay the partition while the old
    // generation still runs, and consumers merge statuses by rank (as they must: Meta's own order is
    // not reliable), so the order of one message's statuses on the topic is not promised.
    const events = (await statusesUntil(tenantId, 'wamid.OUT.sentinel')).filter(
      (e) => e.event.payload.wamid === 'wamid.OUT1',
    );
    const byStatus = (status: DeliveryStatus) => {
      const found = events.filter((e) => e.event.payload.status === status);
      expect(found, `one ${DeliveryStatus[status]} event`).toHaveLength(1);
      return found[0]!.event.payload;
    };
    expect(events.map((e) => e.event.payload.status).sort()).toEqual(
      [
        DeliveryStatus.DELIVERY_STATUS_READ,
        DeliveryStatus.DELIVERY_STATUS_SENT,
        DeliveryStatus.DELIVERY_STATUS_DELIVERED,
        DeliveryStatus.DELIVERY_STATUS_FAILED,
      ].sort(),
    );
    const hash = await gatewaySealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId);
    for (const { event, record } of events) {
      expect(event.payload).toMatchObject({
        messageId,
        phoneNumberId: PHONE_NUMBER_ID,
        recipientWaIdHash: hash,
        statusAt: new Date(1750263773_000),
      });
      expect(record.key).toBe(`${tenantId}:${hash}`);
      expect(await openIn(tenantId, TOPICS.messageStatus, 'wamid.OUT1')(event.payload.recipientWaId)).toBe(
        waId,
      );
    }
    const failed = byStatus(DeliveryStatus.DELIVERY_STATUS_FAILED);
    expect(failed.errors).toEqual([
      {
        code: 131026,
        title: 'Message undeliverable',
        details: 'Message Undeliverable.',
        href: 'https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/',
      },
    ]);
    expect(byStatus(DeliveryStatus.DELIVERY_STATUS_SENT).pricing).toEqual({
      category: 'service',
      type: 'free_customer_service',
      pricingModel: 'PMP',
      billable: false,
    });
  });

  it('maps button, list, template button, image, location, reaction and unsupported messages to their variants', async () => {
    const { tenantId, waId } = newPatient();
    const at = { from: waId, timestamp: '1750025136' };
    const context = { context: { from: '15550783881', id: 'wamid.OURS' } };
    const messages: Json[] = [
      {
        ...at,
        ...context,
        id: 'wamid.V.button',
        type: 'interactive',
        interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } },
      },
      {
        ...at,
        ...context,
        id: 'wamid.V.list',
        type: 'interactive',
        interactive: {
          type: 'list_reply',
          list_reply: { id: 'slot-2', title: 'Tue 10:30', description: 'Dr. Weiß' },
        },
      },
      {
        ...at,
        ...context,
        id: 'wamid.V.template',
        type: 'button',
        button: { payload: 'CONFIRM_42', text: 'Confirm' },
      },
      {
        ...at,
        id: 'wamid.V.image',
        type: 'image',
        image: { id: 'media-9', mime_type: 'image/jpeg', sha256: 'c2hh', caption: 'Ausschlag' },
      },
      {
        ...at,
        id: 'wamid.V.location',
        type: 'location',
        location: { latitude: 52.52, longitude: 13.405, name: 'Charité' },
      },
      {
        ...at,
        id: 'wamid.V.reaction',
        type: 'reaction',
        reaction: { message_id: 'wamid.OURS', emoji: '👍' },
      },
      {
        ...at,
        id: 'wamid.V.unsupported',
        type: 'unsupported',
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            message: 'Message type unknown',
            error_data: { details: 'Message type is currently not supported.' },
          },
        ],
      },
      { ...at, id: 'wamid.V.sentinel', type: 'text', text: { body: 'done' } },
    ];
    // One webhook, a batch of messages, as Meta may send.
    await publishWebhook(
      producer,
      await gatewayWebhook(
        gatewaySealer,
        tenantId,
        webhookPayload({ contacts: [{ profile: { name: 'P' }, wa_id: waId }], messages }),
      ),
    );

    const events = await messagesUntil(tenantId, 'wamid.V.sentinel');
    const byWamid = new Map(events.map((e) => [e.event.payload.wamid, e.event.payload]));
    expect(events).toHaveLength(8);
    const content = (wamid: string) => byWamid.get(wamid)?.content;
    const openFor = (wamid: string) =>
      openIn(tenantId, TOPICS.patientMessageReceived, byWamid.get(wamid)!.messageId);

    const button = content('wamid.V.button');
    expect(button?.$case).toBe('buttonReply');
    if (button?.$case === 'buttonReply') {
      expect(button.value.buttonId).toBe('cancel-button');
      expect(await openFor('wamid.V.button')(button.value.title)).toBe('Cancel');
    }
    expect(byWamid.get('wamid.V.button')?.context?.repliedToWamid).toBe('wamid.OURS');

    const list = content('wamid.V.list');
    expect(list?.$case).toBe('listReply');
    if (list?.$case === 'listReply') {
      expect(list.value.rowId).toBe('slot-2');
      expect(await openFor('wamid.V.list')(list.value.description)).toBe('Dr. Weiß');
    }

    const template = content('wamid.V.template');
    expect(template?.$case).toBe('templateButtonReply');
    if (template?.$case === 'templateButtonReply') expect(template.value.payload).toBe('CONFIRM_42');

    const image = content('wamid.V.image');
    expect(image?.$case).toBe('image');
    if (image?.$case === 'image') {
      expect(image.value).toMatchObject({ mediaId: 'media-9', mimeType: 'image/jpeg', sha256: 'c2hh' });
      expect(await openFor('wamid.V.image')(image.value.caption)).toBe('Ausschlag');
    }

    expect(content('wamid.V.location')?.$case).toBe('location');
    const reaction = content('wamid.V.reaction');
    expect(reaction?.$case).toBe('reaction');
    if (reaction?.$case === 'reaction') expect(reaction.value.reactedToWamid).toBe('wamid.OURS');

    const unsupported = content('wamid.V.unsupported');
    expect(unsupported?.$case).toBe('unsupported');
    if (unsupported?.$case === 'unsupported') {
      expect(unsupported.value).toEqual({
        type: 'unsupported',
        errors: [
          {
            code: 131051,
            title: 'Message type unknown',
            details: 'Message type is currently not supported.',
            href: '',
          },
        ],
      });
    }
  });

  it('dead-letters bodies that are not webhooks, with the error in headers, and goes on with the partition', async () => {
    const { tenantId, waId } = newPatient();
    const notJson = await sealedWebhook(gatewaySealer, tenantId, new TextEncoder().encode('{"object":'), {
      phoneNumberIds: [PHONE_NUMBER_ID],
    });
    const wrongShape = await sealedWebhook(
      gatewaySealer,
      tenantId,
      new TextEncoder().encode('{"object":"page","entry":[]}'),
      {
        phoneNumberIds: [PHONE_NUMBER_ID],
      },
    );
    const first = await publishWebhook(producer, notJson);
    const second = await publishWebhook(producer, wrongShape);
    // Same key (phone_number_id), so the same partition: it must not be stuck behind the bad ones.
    await publishWebhook(
      producer,
      await gatewayWebhook(gatewaySealer, tenantId, textMessage(waId, 'wamid.AFTER.BAD', 'still here')),
    );

    const dlq = await readEvents(
      kafka,
      { ...webhookReceivedEvent, topic: `${TOPICS.webhookReceived}.dlq` },
      (events) => [first.id, second.id].every((id) => events.some((e) => e.event.id === id)),
    );
    for (const published of [first, second]) {
      const letter = dlq.find((e) => e.event.id === published.id)!;
      expect(letter.record.headers).toMatchObject({
        [dlqHeaderNames.errorCode]: 'webhook_invalid',
        [dlqHeaderNames.attempts]: '1',
        [dlqHeaderNames.sourceTopic]: TOPICS.webhookReceived,
        [dlqHeaderNames.sourcePartition]: String(published.partition),
        [dlqHeaderNames.sourceOffset]: published.offset,
        [dlqHeaderNames.consumerGroup]: 'careline-ingest',
      });
      expect(letter.record.headers[dlqHeaderNames.errorMessage]).toBe(
        'the webhook body is not a valid WhatsApp webhook',
      );
      expect(letter.event.tenantId).toBe(tenantId);
    }

    const events = await messagesUntil(tenantId, 'wamid.AFTER.BAD');
    expect(events).toHaveLength(1);
    expect(
      metricValue(await metrics(), 'ingest_webhooks_total', { outcome: 'rejected' }),
    ).toBeGreaterThanOrEqual(2);
    // the bus counts the same dead letters by reason, and serves ingest's lag (0 once past them)
    const text = await metrics();
    const deadLetters = { group: 'careline-ingest', topic: TOPICS.webhookReceived, reason: 'non_retryable' };
    expect(metricValue(text, 'bus_dead_letters_total', deadLetters)).toBeGreaterThanOrEqual(2);
    const lagLine = (line: string) =>
      line.startsWith('kafka_consumer_lag{') &&
      line.includes('group="careline-ingest"') &&
      line.includes(`topic="${TOPICS.webhookReceived}"`) &&
      line.includes(`partition="${first.partition}"`);
    await waitFor(async () => (await metrics()).split('\n').find(lagLine)?.endsWith(' 0') === true, {
      message: "ingest's lag on the webhook partition to be served, at 0",
    });
  });

  it('emits user_preferences as patient.preference.changed.v1, counts value errors and unknown fields without failing the webhook', async () => {
    const { tenantId, waId } = newPatient();
    const payload = webhookPayload({
      contacts: [{ profile: { name: 'P' }, wa_id: waId }],
      messages: [
        { from: waId, id: 'wamid.MIXED', timestamp: '1750025136', type: 'text', text: { body: 'STOP' } },
      ],
      errors: [
        { code: 130429, title: 'Rate limit hit', message: 'Rate limit hit', error_data: { details: 'x' } },
      ],
    }) as { entry: { changes: Json[] }[] };
    payload.entry[0]!.changes.push(
      {
        field: 'user_preferences',
        value: {
          messaging_product: 'whatsapp',
          metadata: { display_phone_number: '15550783881', phone_number_id: PHONE_NUMBER_ID },
          contacts: [{ profile: { name: 'P' }, wa_id: waId }],
          user_preferences: [
            {
              wa_id: waId,
              detail: 'User requested to stop marketing messages',
              category: 'marketing_messages',
              value: 'stop',
              timestamp: 1750025136,
            },
          ],
        },
      },
      { field: 'message_template_status_update', value: { event: 'APPROVED', message_template_id: 1 } },
    );
    const ignored = (kind: string) =>
      metricValue(text, 'ingest_webhook_events_total', { kind, outcome: 'ignored' });
    let text = await metrics();
    const emitted = (kind: string) =>
      metricValue(text, 'ingest_webhook_events_total', { kind, outcome: 'emitted' });
    const before = {
      preference: emitted('user_preference'),
      error: ignored('error'),
      other: ignored('other'),
    };

    await publishWebhook(producer, await gatewayWebhook(gatewaySealer, tenantId, payload));
    const events = await messagesUntil(tenantId, 'wamid.MIXED');
    expect(events).toHaveLength(1);

    text = await metrics();
    expect(emitted('user_preference') - before.preference).toBe(1);
    const preferences = await readEvents(kafka, patientPreferenceChangedEvent, (all) =>
      all.some((e) => e.event.payload.tenantId === tenantId),
    );
    const preference = preferences.find((e) => e.event.payload.tenantId === tenantId)!.event.payload;
    expect(preference).toMatchObject({
      phoneNumberId: PHONE_NUMBER_ID,
      category: 'marketing_messages',
      value: PatientPreferenceValue.PATIENT_PREFERENCE_VALUE_STOP,
      waIdHash: await gatewaySealer.blindIndex(tenantId, WA_ID_HASH_PURPOSE, waId),
      changedAt: new Date(1750025136 * 1000),
    });
    expect(
      await gatewaySealer.openString(tenantId, preference.waId!, sealContext(TOPICS.patientPreferenceChanged, preference.eventId)),
    ).toBe(waId);
    expect(ignored('error') - before.error).toBe(1);
    expect(ignored('other') - before.other).toBe(1);
  });

  it("emits Meta's template verdicts (message_template_status_update, a WABA-level change) as wa.template.status.v1", async () => {
    const tenantId = randomUUID();
    const wabaId = String(100_000_000_000_000 + Math.floor(Math.random() * 1e9));
    const template = (value: Json) => ({ field: 'message_template_status_update', value });
    const payload = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: wabaId,
          time: 1750025200,
          changes: [
            template({ event: 'REJECTED', message_template_id: 1234567890, message_template_name: 'appointment_reminder', message_template_language: 'en_US', reason: 'INCORRECT_CATEGORY' }),
            template({ event: 'PAUSED', message_template_id: 1234567891, message_template_name: 'result_ready', message_template_language: 'es', reason: 'NONE', other_info: { title: 'FIRST_PAUSE', description: 'low quality' } }),
            // malformed (no name): skipped and counted, the rest of the webhook still goes through
            template({ event: 'APPROVED', message_template_id: 7 }),
          ],
        },
      ],
    };
    const webhook = await sealedWebhook(gatewaySealer, tenantId, new TextEncoder().encode(JSON.stringify(payload)), { phoneNumberIds: [], wabaIds: [wabaId] });
    await publishWebhook(producer, webhook);
    const out = await readEvents(kafka, templateStatusEvent, (all) => all.filter((e) => e.event.payload.tenantId === tenantId).length >= 2);
    const mine = out.filter((e) => e.event.payload.tenantId === tenantId);
    expect(mine.map((e) => e.event.payload)).toMatchObject([
      { wabaId, templateId: '1234567890', templateName: 'appointment_reminder', languageCode: 'en_US', status: 'REJECTED', reason: 'INCORRECT_CATEGORY', changedAt: new Date(1750025200 * 1000) },
      { wabaId, templateId: '1234567891', templateName: 'result_ready', languageCode: 'es', status: 'PAUSED', reason: 'FIRST_PAUSE' },
    ]);
    for (const e of mine) expect(e.record.key).toBe(`${tenantId}:${wabaId}`);
    await waitFor(() => logs.records().some((r) => r['msg'] === 'malformed template status changes skipped' && r['tenantId'] === tenantId), {
      message: 'the malformed change counted',
    });
  });

  it('never writes the message text, profile name or number in clear: not in logs, not in the output topic', async () => {
    const { tenantId, waId } = newPatient();
    const marker = `PHI-MARKER-${randomUUID()}`;
    const webhook = textMessage(waId, 'wamid.MARKER', `${marker} Herzrasen ❤️`, `${marker} Zoë`);
    await publishWebhook(producer, await gatewayWebhook(gatewaySealer, tenantId, webhook));
    await publishWebhook(producer, await gatewayWebhook(gatewaySealer, tenantId, webhook)); // and its duplicate

    const events = await messagesUntil(tenantId, 'wamid.MARKER');
    const payload = events[0]!.event.payload;
    if (payload.content?.$case !== 'text') throw new Error('expected text');
    expect(
      await openIn(tenantId, TOPICS.patientMessageReceived, payload.messageId)(payload.content.value.body),
    ).toBe(`${marker} Herzrasen ❤️`);

    // Every record on the output topic, all tenants: key, value and headers.
    const everything = await readEvents(kafka, patientMessageReceivedEvent, (all) =>
      all.some((e) => e.event.payload.wamid === 'wamid.MARKER'),
    );
    for (const { record } of everything) {
      const bytes = [
        record.key ?? '',
        record.value?.toString('latin1') ?? '',
        record.value?.toString('utf8') ?? '',
        JSON.stringify(record.headers),
      ].join('\n');
      expect(bytes).not.toContain(marker);
      expect(bytes).not.toContain(waId);
    }
    // Wait until the duplicate has been handled (and logged), then check everything logged so far.
    await expect
      .poll(() =>
        logs
          .records()
          .some((r) => r['msg'] === 'duplicate inbound message dropped' && r['wamid'] === 'wamid.MARKER'),
      )
      .toBe(true);
    expect(logs.text()).toContain('wamid.MARKER');
    expect(logs.text()).not.toContain(marker);
    expect(logs.text()).not.toContain(waId);
  });
});
