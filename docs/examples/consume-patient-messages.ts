// Example for hospital integration teams: consume `patient.message.received.v1` with kafkajs.
//
// In your own repository, generate the TypeScript types from Careline's `proto/` with ts-proto
// (`buf generate proto --template <yours>`, the options of libs/contracts/buf.gen.yaml) and import
// them from there; this example imports the same generated code from `@careline/contracts` so that
// Careline's tests compile it (docs/examples is typechecked and run by libs/contracts' tests).
import { PatientMessageReceivedV1, TOPICS, dlqTopic } from '@careline/contracts';
import { type IHeaders, Kafka, type KafkaMessage } from 'kafkajs';

/** A Careline event read from Kafka: the CloudEvents headers and the decoded payload. */
export interface CarelineEvent<T> {
  /** `ce_id`: unique per event and the same on every redelivery; de-duplicate on it. */
  id: string;
  type: string;
  tenantId: string;
  time: Date;
  /** W3C trace context: continue it in your own logs and calls to follow one patient message. */
  traceparent: string;
  /** `<tenant_id>:<wa_id_hash>` on patient topics: one patient's events arrive in order. */
  key: string | null;
  payload: T;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  if (value === undefined || Array.isArray(value)) return undefined;
  return value.toString();
}

/**
 * Reads the envelope of a record of `patient.message.received.v1`. Returns undefined for a record
 * that is not one (another `ce_type`, a missing header): park it, do not crash on it.
 */
export function readPatientMessage(message: Pick<KafkaMessage, 'headers' | 'key' | 'value'>): CarelineEvent<PatientMessageReceivedV1> | undefined {
  const id = header(message.headers, 'ce_id');
  const type = header(message.headers, 'ce_type');
  const tenantId = header(message.headers, 'ce_tenantid');
  const time = header(message.headers, 'ce_time');
  const traceparent = header(message.headers, 'traceparent');
  if (id === undefined || tenantId === undefined || time === undefined || traceparent === undefined) return undefined;
  if (type !== `careline.${TOPICS.patientMessageReceived}` || message.value === null) return undefined;
  return {
    id,
    type,
    tenantId,
    time: new Date(time),
    traceparent,
    key: message.key === null ? null : message.key.toString('utf8'),
    payload: PatientMessageReceivedV1.decode(message.value),
  };
}

/** Your store of processed event ids: true the first time an id is recorded, false after. */
export interface ProcessedEvents {
  markProcessed(eventId: string): Promise<boolean>;
}

export interface PatientMessageConsumerOptions {
  brokers: string[];
  /** The deployment's topic prefix (`KAFKA_TOPIC_PREFIX`), often `''`. */
  topicPrefix: string;
  /** Your own group: every group gets every event, so never reuse one of Careline's. */
  groupId: string;
  processed: ProcessedEvents;
  handle(event: CarelineEvent<PatientMessageReceivedV1>): Promise<void>;
}

/**
 * Subscribes to patient messages. Idempotent: an event whose `ce_id` was already processed is
 * skipped (delivery is at-least-once). In production, record the id in the same transaction as
 * your effect (`INSERT … ON CONFLICT DO NOTHING`), so a crash between the two cannot lose or double it.
 */
export async function consumePatientMessages(options: PatientMessageConsumerOptions): Promise<() => Promise<void>> {
  const kafka = new Kafka({ clientId: options.groupId, brokers: options.brokers });
  const consumer = kafka.consumer({ groupId: options.groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [`${options.topicPrefix}${TOPICS.patientMessageReceived}`], fromBeginning: false });
  await consumer.run({
    eachMessage: async ({ message }) => {
      const event = readPatientMessage(message);
      if (event === undefined) return; // not a patient message: log its offset and move on
      if (!(await options.processed.markProcessed(event.id))) return; // a redelivery
      await options.handle(event);
    },
  });
  return () => consumer.disconnect();
}

/** Where operators look for records Careline's own consumers could not process. */
export const PATIENT_MESSAGE_DEAD_LETTERS = dlqTopic(TOPICS.patientMessageReceived);

/** What an integration may read without keys: ids, times, the kind of content. Never the content. */
export function summary(event: CarelineEvent<PatientMessageReceivedV1>): Record<string, string> {
  const { payload } = event;
  return {
    eventId: event.id,
    tenantId: payload.tenantId,
    messageId: payload.messageId,
    wamid: payload.wamid,
    phoneNumberId: payload.phoneNumberId,
    // the patient's identity is only this keyed hash; the number itself is sealed
    waIdHash: payload.waIdHash,
    sentAt: payload.sentAt?.toISOString() ?? '',
    content: payload.content?.$case ?? 'none',
  };
}
