// Kafka topics and their payloads (DESIGN.md, Events). Topic names are contracts that other
// teams' consumers, DLQ tooling and retained data depend on: DO NOT RENAME A TOPIC, and never
// change the payload type of one. A new payload shape gets a new topic with the next version
// suffix (`….v2`), published alongside the old one until its consumers have moved.
import { BinaryReader, type BinaryWriter } from '@bufbuild/protobuf/wire';
import { AuditEventV1 } from './gen/careline/events/v1/audit_event';
import { AppointmentEventV1 } from './gen/careline/events/v1/appointment_events';
import { MessageStatusV1 } from './gen/careline/events/v1/message_status';
import { OutboundRequestedV1 } from './gen/careline/events/v1/outbound_requested';
import { OutboundResultV1 } from './gen/careline/events/v1/outbound_result';
import { PatientMessageReceivedV1 } from './gen/careline/events/v1/patient_message_received';
import { RecordEventV1 } from './gen/careline/events/v1/record_events';
import { PatientPreferenceChangedV1 } from './gen/careline/events/v1/patient_preference_changed';
import { TemplateStatusChangedV1 } from './gen/careline/events/v1/template_status';
import { WebhookReceivedV1 } from './gen/careline/events/v1/webhook_received';

/** What libs/bus needs to publish and consume one topic (it relies on this shape structurally). */
export interface EventDescriptor<T> {
  /** the Kafka topic, e.g. `wa.webhook.received.v1` */
  readonly topic: string;
  /** the CloudEvents `ce_type`, `careline.<topic>`, e.g. `careline.wa.webhook.received.v1` */
  readonly type: string;
  encode(payload: T): Uint8Array;
  /** throws MalformedPayloadError on bytes that are not a valid payload */
  decode(bytes: Uint8Array): T;
}

/** Topic names, one per payload type. DO NOT RENAME: see the note at the top of this file. */
export const TOPICS = {
  webhookReceived: 'wa.webhook.received.v1',
  patientMessageReceived: 'patient.message.received.v1',
  messageStatus: 'wa.message.status.v1',
  outboundRequested: 'wa.outbound.requested.v1',
  outboundResult: 'wa.outbound.result.v1',
  auditEvents: 'audit.events.v1',
  recordEvents: 'record.events.v1',
  appointmentEvents: 'appointment.events.v1',
  patientPreferenceChanged: 'patient.preference.changed.v1',
  templateStatus: 'wa.template.status.v1',
} as const;

export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

const DLQ_SUFFIX = '.dlq';

/** The dead-letter companion of a topic (DESIGN.md: `<topic>.dlq`, keyed as the source). */
export function dlqTopic(topic: string): string {
  if (topic === '' || topic.endsWith(DLQ_SUFFIX)) {
    // A dead letter of a dead letter has nowhere sensible to go: a caller bug.
    throw new TypeError(`no dead-letter topic for ${JSON.stringify(topic)}`);
  }
  return `${topic}${DLQ_SUFFIX}`;
}

/**
 * A payload that is not valid protobuf for its topic. Never retryable: the bytes will not change.
 * The message names the topic and type only, never content.
 */
export class MalformedPayloadError extends Error {
  override readonly name = 'MalformedPayloadError';
  readonly code = 'undecodable_payload';
  readonly retryable = false;
  constructor(
    readonly topic: string,
    typeName: string,
    cause?: unknown,
  ) {
    super(`payload on ${topic} is not a valid ${typeName}`, cause === undefined ? undefined : { cause });
  }
}

/** The encode/decode pair every ts-proto message object has. */
interface MessageCodec<T> {
  encode(message: T, writer?: BinaryWriter): BinaryWriter;
  decode(input: BinaryReader | Uint8Array, length?: number): T;
}

/**
 * Walks the top-level fields once before decoding. Generated decoders stop quietly at a field
 * number 0 or a stray end-group tag and return what they have so far; `tag()` and `skip()` throw
 * on both, and on any field that runs past the end.
 */
function assertWellFormed(bytes: Uint8Array): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [fieldNo, wireType] = reader.tag();
    reader.skip(wireType, fieldNo);
  }
}

function describeEvent<T>(topic: TopicName, typeName: string, codec: MessageCodec<T>): EventDescriptor<T> {
  return Object.freeze({
    topic,
    type: `careline.${topic}`,
    encode: (payload: T): Uint8Array => codec.encode(payload).finish(),
    decode: (bytes: Uint8Array): T => {
      try {
        assertWellFormed(bytes);
        return codec.decode(bytes);
      } catch (cause) {
        throw new MalformedPayloadError(topic, typeName, cause);
      }
    },
  });
}

export const webhookReceivedEvent: EventDescriptor<WebhookReceivedV1> = describeEvent(
  TOPICS.webhookReceived,
  'WebhookReceivedV1',
  WebhookReceivedV1,
);
export const patientMessageReceivedEvent: EventDescriptor<PatientMessageReceivedV1> = describeEvent(
  TOPICS.patientMessageReceived,
  'PatientMessageReceivedV1',
  PatientMessageReceivedV1,
);
export const messageStatusEvent: EventDescriptor<MessageStatusV1> = describeEvent(
  TOPICS.messageStatus,
  'MessageStatusV1',
  MessageStatusV1,
);
export const outboundRequestedEvent: EventDescriptor<OutboundRequestedV1> = describeEvent(
  TOPICS.outboundRequested,
  'OutboundRequestedV1',
  OutboundRequestedV1,
);
export const outboundResultEvent: EventDescriptor<OutboundResultV1> = describeEvent(
  TOPICS.outboundResult,
  'OutboundResultV1',
  OutboundResultV1,
);
export const auditEvent: EventDescriptor<AuditEventV1> = describeEvent(
  TOPICS.auditEvents,
  'AuditEventV1',
  AuditEventV1,
);
export const recordEvent: EventDescriptor<RecordEventV1> = describeEvent(
  TOPICS.recordEvents,
  'RecordEventV1',
  RecordEventV1,
);
export const appointmentEvent: EventDescriptor<AppointmentEventV1> = describeEvent(
  TOPICS.appointmentEvents,
  'AppointmentEventV1',
  AppointmentEventV1,
);
export const patientPreferenceChangedEvent: EventDescriptor<PatientPreferenceChangedV1> = describeEvent(
  TOPICS.patientPreferenceChanged,
  'PatientPreferenceChangedV1',
  PatientPreferenceChangedV1,
);

export const templateStatusEvent: EventDescriptor<TemplateStatusChangedV1> = describeEvent(
  TOPICS.templateStatus,
  'TemplateStatusChangedV1',
  TemplateStatusChangedV1,
);

/** Every event descriptor, under the same names as TOPICS. */
export const EVENTS = {
  webhookReceived: webhookReceivedEvent,
  patientMessageReceived: patientMessageReceivedEvent,
  messageStatus: messageStatusEvent,
  outboundRequested: outboundRequestedEvent,
  outboundResult: outboundResultEvent,
  auditEvents: auditEvent,
  recordEvents: recordEvent,
  appointmentEvents: appointmentEvent,
  patientPreferenceChanged: patientPreferenceChangedEvent,
  templateStatus: templateStatusEvent,
} as const satisfies Record<keyof typeof TOPICS, { readonly topic: string; readonly type: string }>;

/**
 * The Kafka key (ordering unit) of each topic, from DESIGN.md's table. Where the table says
 * `tenant:wa_id`, the key uses the wa_id's keyed hash: a phone number must not appear in clear
 * in Kafka, keys included.
 */
export const EVENT_KEYS = {
  webhookReceived: (event: WebhookReceivedV1): string =>
    requireKeyPart(event.phoneNumberIds[0] ?? event.wabaIds[0], TOPICS.webhookReceived),
  patientMessageReceived: (event: PatientMessageReceivedV1): string =>
    tenantScoped(event.tenantId, event.waIdHash, TOPICS.patientMessageReceived),
  messageStatus: (event: MessageStatusV1): string =>
    tenantScoped(event.tenantId, event.recipientWaIdHash, TOPICS.messageStatus),
  outboundRequested: (event: OutboundRequestedV1): string =>
    requireKeyPart(event.phoneNumberId, TOPICS.outboundRequested),
  outboundResult: (event: OutboundResultV1): string =>
    tenantScoped(event.tenantId, event.recipientWaIdHash, TOPICS.outboundResult),
  auditEvents: (event: AuditEventV1): string => requireKeyPart(event.tenantId, TOPICS.auditEvents),
  recordEvents: (event: RecordEventV1): string => tenantScoped(event.tenantId, event.patientId, TOPICS.recordEvents),
  appointmentEvents: (event: AppointmentEventV1): string =>
    tenantScoped(event.tenantId, event.patientWaIdHash, TOPICS.appointmentEvents),
  patientPreferenceChanged: (event: PatientPreferenceChangedV1): string =>
    tenantScoped(event.tenantId, event.waIdHash, TOPICS.patientPreferenceChanged),
  templateStatus: (event: TemplateStatusChangedV1): string =>
    tenantScoped(event.tenantId, event.wabaId, TOPICS.templateStatus),
} as const satisfies Record<keyof typeof TOPICS, (event: never) => string>;

function requireKeyPart(part: string | undefined, topic: string): string {
  // An empty key would silently pile one topic's events onto a single partition: a caller bug.
  if (part === undefined || part === '') {
    throw new TypeError(`event for ${topic} lacks the fields of its key`);
  }
  return part;
}

function tenantScoped(tenantId: string, hash: string, topic: string): string {
  return `${requireKeyPart(tenantId, topic)}:${requireKeyPart(hash, topic)}`;
}

export interface TopicProvision {
  readonly topic: string;
  readonly partitions: number;
  /** Topic-level Kafka configuration beyond the broker's defaults. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Meta's webhook bodies go up to 3 MB and the gateway publishes them whole (sealed, so a little
 * larger); Kafka's default record limit is 1 MB. The raw-webhook topic and its dead letters take
 * records up to 5 MiB.
 */
const LARGE_RECORDS: Readonly<Record<string, string>> = Object.freeze({
  'max.message.bytes': String(5 * 1024 * 1024),
});
const TOPIC_CONFIG: Readonly<Partial<Record<string, Readonly<Record<string, string>>>>> = Object.freeze({
  'wa.webhook.received.v1': LARGE_RECORDS,
});

/**
 * Suggested partitions. Main topics: 12, which divides evenly among 1, 2, 3, 4, 6 or 12 consumer
 * instances. Size for the peak up front: adding partitions later moves keys to other partitions,
 * so per-key order is not guaranteed across the change. Dead letters: 1, since they are rare,
 * read by operators, and one partition keeps them in arrival order.
 */
const MAIN_PARTITIONS = 12;
const DLQ_PARTITIONS = 1;

/** Every topic to create (each main topic and its `.dlq`), for provisioning tools. */
export const TOPIC_PROVISIONING: readonly TopicProvision[] = Object.freeze(
  Object.values(TOPICS).flatMap((topic): TopicProvision[] => {
    const config = TOPIC_CONFIG[topic];
    return [
      { topic, partitions: MAIN_PARTITIONS, ...(config ? { config } : {}) },
      { topic: dlqTopic(topic), partitions: DLQ_PARTITIONS, ...(config ? { config } : {}) },
    ];
  }),
);

/**
 * The encryption context (associated data) of every `Sealed` field of a payload on `topic`,
 * e.g. `patient.message.received.v1:<message_id>`. Each payload's documentation names its id.
 */
export function sealContext(topic: TopicName, id: string): string {
  if (id === '') throw new TypeError(`sealed fields on ${topic} need the payload's id for their context`);
  return `${topic}:${id}`;
}

/** The libs/crypto `blindIndex` purpose of every `*wa_id_hash` field. */
export const WA_ID_HASH_PURPOSE = 'wa_id';
