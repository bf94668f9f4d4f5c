// The AsyncAPI 3 document of Careline's Kafka topics (docs/asyncapi.yaml), built from the contracts
// themselves so that it cannot drift from them: the topic names, ce_types, DLQ names and partitions
// come from the topic registry (../topics.ts), each payload's description and schema from the
// compiled .proto files (a `buf build` image, with comments, and the .proto text). What only a
// person can say (who produces and consumes, what the key is) is in TOPIC_DOCS, typed against the
// registry: a topic added there without documentation here does not compile.
//
// `asyncapi.int.test.ts` regenerates the document and compares it with the committed file, checks
// every named payload against the descriptors the TypeScript codecs encode, every key description
// against EVENT_KEYS, and validates the whole against the AsyncAPI 3.0.0 JSON schema.
import { type DescMessage, createFileRegistry } from '@bufbuild/protobuf';
import { type FileDescriptorProto, type FileDescriptorSet } from '@bufbuild/protobuf/wkt';
import { EVENTS, TOPICS, TOPIC_PROVISIONING, dlqTopic } from '../topics';

type TopicKey = keyof typeof TOPICS;
type Json = Record<string, unknown>;

export interface TopicDoc {
  /** The payload's fully-qualified protobuf message name. */
  readonly message: string;
  readonly producers: string;
  readonly consumers: string;
  /** What the Kafka key is, in words, and a pattern every key of the topic matches. */
  readonly key: { readonly description: string; readonly pattern: string };
}

const TENANT_SCOPED_KEY = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{64}$';
const PATIENT_KEY =
  "`<tenant_id>:<wa_id_hash>`: the tenant's UUID and the keyed hash (HMAC-SHA-256, lowercase hex) of the patient's WhatsApp id. All events of one patient of one tenant are in order on one partition. The phone number itself never appears in a key.";

/** Who produces and consumes each topic, and its key. Typed against TOPICS: every topic needs one. */
export const TOPIC_DOCS = {
  webhookReceived: {
    message: 'careline.events.v1.WebhookReceivedV1',
    producers: 'gateway',
    consumers: 'ingest',
    key: {
      description:
        "The first `phone_number_id` of the webhook (Meta's id of the hospital's WhatsApp number), else the first WhatsApp Business Account id: one number's webhooks stay in order.",
      pattern: '^[0-9]{1,32}$',
    },
  },
  patientMessageReceived: {
    message: 'careline.events.v1.PatientMessageReceivedV1',
    producers: 'ingest',
    consumers: 'messaging, scheduling, records; hospital integrations',
    key: { description: PATIENT_KEY, pattern: TENANT_SCOPED_KEY },
  },
  messageStatus: {
    message: 'careline.events.v1.MessageStatusV1',
    producers: 'ingest',
    consumers: 'messaging; hospital integrations',
    key: { description: PATIENT_KEY.replace('<wa_id_hash>', '<recipient_wa_id_hash>'), pattern: TENANT_SCOPED_KEY },
  },
  outboundRequested: {
    message: 'careline.events.v1.OutboundRequestedV1',
    producers: 'messaging, scheduling, records',
    consumers: 'gateway',
    key: {
      description:
        "The sending `phone_number_id`: the gateway enforces Meta's per-number limits, and one number's sends stay in order.",
      pattern: '^[0-9]{1,32}$',
    },
  },
  outboundResult: {
    message: 'careline.events.v1.OutboundResultV1',
    producers: 'gateway',
    consumers: 'messaging; hospital integrations',
    key: { description: PATIENT_KEY.replace('<wa_id_hash>', '<recipient_wa_id_hash>'), pattern: TENANT_SCOPED_KEY },
  },
  auditEvents: {
    message: 'careline.events.v1.AuditEventV1',
    producers: 'every service',
    consumers: 'audit',
    key: { description: "The tenant's UUID: one tenant's audit trail stays in order (it is hash-chained).", pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
  },
  appointmentEvents: {
    message: 'careline.events.v1.AppointmentEventV1',
    producers: 'scheduling',
    consumers: 'messaging; hospital integrations',
    key: { description: PATIENT_KEY.replace('<wa_id_hash>', '<patient_wa_id_hash>'), pattern: TENANT_SCOPED_KEY },
  },
  patientPreferenceChanged: {
    message: 'careline.events.v1.PatientPreferenceChangedV1',
    producers: 'ingest',
    consumers: 'messaging (consent); hospital integrations',
    key: { description: PATIENT_KEY, pattern: TENANT_SCOPED_KEY },
  },
  templateStatus: {
    message: 'careline.events.v1.TemplateStatusChangedV1',
    producers: 'ingest',
    consumers: 'messaging (template registry); hospital integrations',
    key: {
      description:
        "`<tenant_id>:<waba_id>`: the tenant's UUID and Meta's WhatsApp Business Account id. One account's template verdicts stay in order.",
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9]{1,32}$',
    },
  },
  recordEvents: {
    message: 'careline.events.v1.RecordEventV1',
    producers: 'records',
    consumers: 'messaging; hospital integrations',
    key: {
      description:
        "`<tenant_id>:<patient_id>`: the tenant's UUID and Careline's patient id (a UUID). All record events of one patient of one tenant are in order on one partition.",
      pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$',
    },
  },
} as const satisfies Record<TopicKey, TopicDoc>;

/** The CloudEvents binary-mode headers of every record (DESIGN.md, Events; libs/bus writes them). */
export const ENVELOPE_HEADERS = {
  ce_specversion: { type: 'string', const: '1.0', description: 'CloudEvents version.' },
  ce_id: {
    type: 'string',
    format: 'uuid',
    description:
      'Unique per event, and the same on every redelivery of it: consumers de-duplicate on it (delivery is at-least-once).',
  },
  ce_source: {
    type: 'string',
    description: 'The Careline component that emitted the event.',
    examples: ['/careline/gateway', '/careline/ingest', '/careline/messaging'],
  },
  ce_type: { type: 'string', description: '`careline.<topic>`: one payload type per topic.' },
  ce_time: { type: 'string', format: 'date-time', description: 'When the event was emitted (RFC 3339, UTC).' },
  ce_tenantid: { type: 'string', format: 'uuid', description: 'The tenant (hospital group) the event belongs to.' },
  traceparent: {
    type: 'string',
    pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$',
    description:
      'W3C trace context of the work that emitted the event. Continue it in what you do with the event, to follow one patient message across systems.',
  },
  'content-type': { type: 'string', const: 'application/protobuf', description: 'The value is the binary protobuf payload.' },
} as const;

/** The headers a consumer adds when it dead-letters a record (libs/bus `dlqHeaderNames`). */
export const DEAD_LETTER_HEADERS = {
  'dlq-error-code': { type: 'string', description: 'Stable code of the failure, e.g. `undecodable_payload`, `handler_failed`.' },
  'dlq-error-message': { type: 'string', description: 'A safe message (never payload content).' },
  'dlq-source-topic': { type: 'string', description: 'The topic the record was read from.' },
  'dlq-source-partition': { type: 'string', pattern: '^[0-9]+$' },
  'dlq-source-offset': { type: 'string', pattern: '^[0-9]+$' },
  'dlq-attempts': { type: 'string', pattern: '^[0-9]+$', description: 'Handler attempts; 0 for a record that never parsed.' },
  'dlq-consumer-group': { type: 'string', description: 'The consumer group that gave up on it.' },
  'dlq-failed-at': { type: 'string', format: 'date-time' },
} as const;

export const PROTOBUF_SCHEMA_FORMAT = 'application/vnd.google.protobuf;version=3';

export interface AsyncApiInput {
  /** `buf build proto` with source info (for the comments). */
  descriptors: FileDescriptorSet;
  /** The text of a .proto file by its import path, e.g. `careline/events/v1/audit_event.proto`. */
  protoText(file: string): string;
}

const INFO_DESCRIPTION = `Careline's Kafka topics, for the integration teams of a hospital and for Careline's own services.

Every record is a CloudEvent in Kafka binary mode: the \`ce_*\` headers carry the envelope, the value is the protobuf payload of the topic's one message type, and the key is the topic's ordering unit. Delivery is at-least-once: de-duplicate on \`ce_id\`. Patient data in payloads is sealed (\`careline.common.v1.Sealed\`) and cannot be read without the tenant's keys; read it through the REST api instead (see docs/integrators.md).

A deployment may put a prefix before every topic name (\`KAFKA_TOPIC_PREFIX\`, e.g. \`prod.\`); the addresses here are without it. A record that a consumer cannot process ends on \`<topic>.dlq\` with its original headers and value plus \`dlq-*\` headers.

Generated from libs/contracts (topic registry and proto/); do not edit by hand: \`npm run asyncapi -w @careline/contracts\`.`;

/** Builds the document (a plain object, ready for YAML or JSON). */
export function buildAsyncApiDocument(input: AsyncApiInput): Json {
  const registry = createFileRegistry(input.descriptors);
  const protoFiles = new Map(input.descriptors.file.map((file) => [file.name, file]));
  const channels: Json = {};
  const operations: Json = {};
  const messages: Json = {};
  const provisioning = new Map(TOPIC_PROVISIONING.map((spec) => [spec.topic, spec]));
  const kafkaChannel = (topic: string): Json => {
    const spec = provisioning.get(topic);
    const maxBytes = spec?.config?.['max.message.bytes'];
    return {
      topic,
      partitions: spec?.partitions,
      ...(maxBytes === undefined ? {} : { topicConfiguration: { 'max.message.bytes': Number(maxBytes) } }),
      bindingVersion: '0.5.0',
    };
  };

  for (const key of Object.keys(TOPICS) as TopicKey[]) {
    const topic = TOPICS[key];
    const doc: TopicDoc = TOPIC_DOCS[key];
    const descriptor = registry.getMessage(doc.message);
    if (descriptor === undefined) throw new Error(`${topic}: ${doc.message} is not in the compiled contracts`);
    const file = protoFiles.get(descriptor.file.proto.name);
    if (file === undefined) throw new Error(`${topic}: no file for ${doc.message}`);
    const name = descriptor.name;
    const deadLetterName = `${name}DeadLetter`;
    const dlq = dlqTopic(topic);
    const description = leadingComment(file, descriptor);

    const payload = {
      schemaFormat: PROTOBUF_SCHEMA_FORMAT,
      schema: input.protoText(file.name),
    };
    const keyBinding = {
      kafka: {
        key: { type: 'string', pattern: doc.key.pattern, description: doc.key.description },
        bindingVersion: '0.5.0',
      },
    };
    messages[name] = {
      name,
      title: name,
      summary: `One ${doc.message} on ${topic}.`,
      description,
      contentType: 'application/protobuf',
      headers: headersFor(EVENTS[key].type, false),
      payload,
      correlationId: { description: 'The CloudEvents id, also the de-duplication key.', location: '$message.header#/ce_id' },
      bindings: keyBinding,
      'x-careline-proto-message': doc.message,
      'x-careline-proto-file': `proto/${file.name}`,
    };
    messages[deadLetterName] = {
      name: deadLetterName,
      title: `${name} (dead letter)`,
      summary: `A record of ${topic} that a consumer could not process, as it was, with the reason in dlq-* headers.`,
      contentType: 'application/protobuf',
      headers: headersFor(EVENTS[key].type, true),
      payload,
      bindings: keyBinding,
      'x-careline-proto-message': doc.message,
      'x-careline-proto-file': `proto/${file.name}`,
    };

    channels[key] = {
      address: topic,
      title: topic,
      summary: `${name}: ${doc.producers} → ${doc.consumers}.`,
      description: `Producers: ${doc.producers}. Consumers: ${doc.consumers}.\n\nKey: ${doc.key.description}`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
      bindings: { kafka: kafkaChannel(topic) },
    };
    channels[`${key}DeadLetters`] = {
      address: dlq,
      title: dlq,
      summary: `Dead letters of ${topic}, for operators.`,
      messages: { [deadLetterName]: { $ref: `#/components/messages/${deadLetterName}` } },
      bindings: { kafka: kafkaChannel(dlq) },
    };

    operations[`publish${capitalize(key)}`] = {
      action: 'send',
      title: `Publish ${topic}`,
      summary: `${doc.producers} publish ${name}.`,
      channel: { $ref: `#/channels/${key}` },
      messages: [{ $ref: `#/channels/${key}/messages/${name}` }],
    };
    operations[`consume${capitalize(key)}`] = {
      action: 'receive',
      title: `Consume ${topic}`,
      summary: `${doc.consumers} consume ${name}, each in its own consumer group.`,
      channel: { $ref: `#/channels/${key}` },
      messages: [{ $ref: `#/channels/${key}/messages/${name}` }],
    };
    operations[`deadLetter${capitalize(key)}`] = {
      action: 'send',
      title: `Dead-letter ${topic}`,
      summary: `A consumer of ${topic} gives up on a record.`,
      channel: { $ref: `#/channels/${key}DeadLetters` },
      messages: [{ $ref: `#/channels/${key}DeadLetters/messages/${deadLetterName}` }],
    };
  }

  return {
    asyncapi: '3.0.0',
    id: 'urn:careline:kafka',
    info: {
      title: 'Careline events',
      version: '1.0.0',
      description: INFO_DESCRIPTION,
      license: { name: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
    },
    defaultContentType: 'application/protobuf',
    servers: {
      kafka: {
        host: '{bootstrap}',
        protocol: 'kafka',
        description: "The deployment's Kafka brokers; ask the platform team for the address, credentials and topic prefix.",
        variables: { bootstrap: { default: 'localhost:9092' } },
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: {
        CloudEventsHeaders: {
          type: 'object',
          required: Object.keys(ENVELOPE_HEADERS),
          properties: ENVELOPE_HEADERS,
        },
        DeadLetterHeaders: {
          type: 'object',
          required: Object.keys(DEAD_LETTER_HEADERS),
          properties: DEAD_LETTER_HEADERS,
        },
      },
    },
  };
}

function headersFor(ceType: string, deadLetter: boolean): Json {
  return {
    allOf: [
      { $ref: '#/components/schemas/CloudEventsHeaders' },
      ...(deadLetter ? [{ $ref: '#/components/schemas/DeadLetterHeaders' }] : []),
      { type: 'object', properties: { ce_type: { const: ceType } } },
    ],
  };
}

/** The comment above a top-level message in its .proto file, as written (comment markers removed). */
function leadingComment(file: FileDescriptorProto, message: DescMessage): string {
  const index = file.messageType.findIndex((candidate) => candidate.name === message.name);
  // Path [4, i]: FileDescriptorProto.message_type (field 4), element i.
  const location = file.sourceCodeInfo?.location.find(
    (candidate) => candidate.path.length === 2 && candidate.path[0] === 4 && candidate.path[1] === index,
  );
  const text = location?.leadingComments ?? '';
  return text
    .split('\n')
    .map((line) => line.replace(/^ /, ''))
    .join('\n')
    .trim();
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
