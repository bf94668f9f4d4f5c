// Shared by ingest's integration tests (not a test file itself, never imported by the app): plays
// the gateway (Meta-serialised body, sealed per tenant, published as WebhookReceivedV1) and reads
// what ingest emitted back from Kafka.
import { createHash, randomInt } from 'node:crypto';
import {
  type BusKafka,
  type BusProducer,
  type EventDescriptor,
  type ReceivedEvent,
  fromKafkaMessage,
} from '@careline/bus';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import {
  EVENT_KEYS,
  TOPICS,
  type WebhookReceivedV1,
  sealContext,
  webhookReceivedEvent,
} from '@careline/contracts';
import { type Sealer } from '@careline/crypto';
import { peekPhoneNumberIds } from '@careline/whatsapp';
import { type Json, toMetaJson } from '@careline/whatsapp/testing';

/** Consumer timings that keep a test file in seconds. */
export const fastConsumer = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 6_000,
  maxWaitTimeMs: 100,
  backoff: { initialMs: 50, maxMs: 200 },
} as const;

/** A WhatsApp id (phone number, digits only) no other test uses. */
export function randomWaId(): string {
  return `49151${String(randomInt(10_000_000, 99_999_999))}`;
}

/** What the gateway publishes for `bytes`: sealed for the tenant under the body digest. */
export async function sealedWebhook(
  sealer: Sealer,
  tenantId: string,
  bytes: Uint8Array,
  ids: { phoneNumberIds: string[]; wabaIds?: string[] },
  receivedAt = new Date(),
): Promise<WebhookReceivedV1> {
  const bodySha256 = createHash('sha256').update(bytes).digest('hex');
  return {
    body: await sealer.seal(tenantId, bytes, sealContext(TOPICS.webhookReceived, bodySha256)),
    receivedAt,
    phoneNumberIds: ids.phoneNumberIds,
    wabaIds: ids.wabaIds ?? [],
    bodySha256,
    tenantId,
  };
}

/** A webhook payload serialised like Meta (non-ASCII escaped) and sealed like the gateway does. */
export function gatewayWebhook(
  sealer: Sealer,
  tenantId: string,
  payload: Json,
  receivedAt?: Date,
): Promise<WebhookReceivedV1> {
  const bytes = new TextEncoder().encode(toMetaJson(payload));
  return sealedWebhook(sealer, tenantId, bytes, { phoneNumberIds: peekPhoneNumberIds(payload) }, receivedAt);
}

export interface PublishOptions {
  /** `ce_id`; pass the same one twice to publish one Kafka message twice. */
  id?: string;
  traceparent?: string;
}

export function publishWebhook(
  producer: BusProducer,
  event: WebhookReceivedV1,
  options: PublishOptions = {},
) {
  return producer.publish(webhookReceivedEvent, {
    key: EVENT_KEYS.webhookReceived(event),
    tenantId: event.tenantId,
    payload: event,
    source: '/careline/gateway',
    ...options,
  });
}

export interface Output<T> {
  record: TopicRecord;
  event: ReceivedEvent<T>;
}

function decodeAll<T>(descriptor: EventDescriptor<T>, records: readonly TopicRecord[]): Output<T>[] {
  return records.map((record) => ({
    record,
    event: fromKafkaMessage(descriptor, {
      key: record.key === null ? null : Buffer.from(record.key, 'utf8'),
      value: record.value,
      headers: record.headers,
    }),
  }));
}

/**
 * Reads `descriptor`'s topic from the start until `until` holds for what was read. Ingest keeps
 * per-key order, so waiting for a later "sentinel" event of the same key means every earlier
 * event of that key (a duplicate included) has been read too.
 */
export async function readEvents<T>(
  kafka: BusKafka,
  descriptor: EventDescriptor<T>,
  until: (events: readonly Output<T>[]) => boolean,
): Promise<Output<T>[]> {
  const records = await readTopic(kafka, descriptor.topic, {
    until: (read) => until(decodeAll(descriptor, read)),
    timeoutMs: 30_000,
  });
  return decodeAll(descriptor, records);
}

/** The value of one Prometheus series from /metrics text, 0 when absent. */
export function metricValue(text: string, name: string, labels: Record<string, string>): number {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    const matches = Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`));
    if (matches) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return 0;
}
