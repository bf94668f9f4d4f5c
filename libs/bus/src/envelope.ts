// CloudEvents 1.0 in Kafka binary mode, as DESIGN.md fixes it: the attributes travel as `ce_*`
// headers, the value is the protobuf payload as is. Everything read from Kafka is parsed here,
// and a message that does not parse is a poison message (dead-lettered, never retried).
import { randomUUID } from 'node:crypto';
import { currentTraceparent, newTraceparent, parseTraceparent } from '@careline/runtime';
import { z } from 'zod';
import { InvalidEventError, PoisonMessageError } from './errors';

/**
 * One topic's payload type, as `@careline/contracts` describes it. Each topic carries exactly one
 * payload type (`type` is its `ce_type`).
 */
export interface EventDescriptor<T> {
  readonly topic: string;
  readonly type: string;
  encode(payload: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** What a producer supplies; the bus fills in the rest of the envelope. */
export interface OutgoingEvent<T> {
  /** The ordering unit of the topic (see DESIGN.md's topic table), e.g. `tenant:wa_id`. */
  key: string;
  tenantId: string;
  payload: T;
  /** `ce_id`, the consumers' dedupe key. A fresh UUID when omitted; pass one to make a retry a duplicate. */
  id?: string;
  /** `ce_source`, the producing component, e.g. `/careline/gateway`. */
  source: string;
  /** W3C trace context; default: the current one (`runWithTrace`), else a new trace. */
  traceparent?: string;
  /** `ce_time`; now when omitted. */
  time?: Date;
}

/** An event read back from Kafka, envelope checked and payload decoded. */
export interface ReceivedEvent<T> {
  id: string;
  source: string;
  type: string;
  time: Date;
  tenantId: string;
  traceparent: string;
  key: string | null;
  payload: T;
}

/** A Kafka record ready for the producer: key, value, string headers. */
export interface KafkaRecord {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/** What the consumer receives; kafkajs' `KafkaMessage` fits. */
export interface IncomingKafkaMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
}

export const specVersion = '1.0';
export const contentType = 'application/protobuf';

export const headerNames = {
  specversion: 'ce_specversion',
  id: 'ce_id',
  source: 'ce_source',
  type: 'ce_type',
  time: 'ce_time',
  tenantId: 'ce_tenantid',
  traceparent: 'traceparent',
  contentType: 'content-type',
} as const;

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// RFC 3339 date-time (what ce_time must be); Date.parse alone accepts far more.
const rfc3339Pattern = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

const envelopeSchema = z.object({
  [headerNames.specversion]: z.literal(specVersion),
  [headerNames.id]: z.string().regex(uuidPattern),
  [headerNames.source]: z.string().min(1).max(256),
  [headerNames.type]: z.string().min(1).max(256),
  [headerNames.time]: z
    .string()
    .regex(rfc3339Pattern)
    .refine((value) => !Number.isNaN(Date.parse(value))),
  [headerNames.tenantId]: z.string().regex(uuidPattern),
  [headerNames.traceparent]: z.string().refine((value) => parseTraceparent(value) !== undefined),
  [headerNames.contentType]: z.literal(contentType),
});

/** The Kafka record for an event: CloudEvents headers plus the encoded payload. */
export function toKafkaMessage<T>(
  descriptor: EventDescriptor<T>,
  event: OutgoingEvent<T>,
): KafkaRecord & { id: string } {
  const id = event.id ?? randomUUID();
  const time = event.time ?? new Date();
  // The work that emits the event is its parent; a new trace only when there is none.
  const traceparent = event.traceparent ?? currentTraceparent() ?? newTraceparent();
  if (!uuidPattern.test(id)) throw new InvalidEventError(`event id for ${descriptor.topic} must be a UUID`);
  if (!uuidPattern.test(event.tenantId))
    throw new InvalidEventError(`tenant id for ${descriptor.topic} must be a UUID`);
  if (event.key === '') throw new InvalidEventError(`key for ${descriptor.topic} must not be empty`);
  if (event.source === '') throw new InvalidEventError(`source for ${descriptor.topic} must not be empty`);
  if (Number.isNaN(time.getTime()))
    throw new InvalidEventError(`time for ${descriptor.topic} is not a valid date`);
  if (parseTraceparent(traceparent) === undefined)
    throw new InvalidEventError(`traceparent for ${descriptor.topic} is malformed`);
  const bytes = descriptor.encode(event.payload);
  return {
    id,
    topic: descriptor.topic,
    key: event.key,
    value: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    headers: {
      [headerNames.specversion]: specVersion,
      [headerNames.id]: id,
      [headerNames.source]: event.source,
      [headerNames.type]: descriptor.type,
      [headerNames.time]: time.toISOString(),
      [headerNames.tenantId]: event.tenantId.toLowerCase(),
      [headerNames.traceparent]: traceparent,
      [headerNames.contentType]: contentType,
    },
  };
}

/**
 * Parses a record read from `descriptor.topic`. Throws {@link PoisonMessageError} when a required
 * header is missing or malformed, when `ce_type` is not the descriptor's, or when the value does not
 * decode; the error names the offending headers, never their values or the payload.
 */
export function fromKafkaMessage<T>(
  descriptor: EventDescriptor<T>,
  message: IncomingKafkaMessage,
): ReceivedEvent<T> {
  const headers = readHeaders(message.headers ?? {});
  const parsed = envelopeSchema.safeParse(headers);
  if (!parsed.success) {
    const names = [...new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '?')))].sort();
    throw new PoisonMessageError(
      'invalid_envelope',
      `missing or invalid CloudEvents headers: ${names.join(', ')}`,
    );
  }
  const envelope = parsed.data;
  if (envelope[headerNames.type] !== descriptor.type) {
    throw new PoisonMessageError(
      'type_mismatch',
      `ce_type does not match the type of topic ${descriptor.topic}`,
    );
  }
  if (message.value === null) {
    throw new PoisonMessageError('undecodable_payload', `message on ${descriptor.topic} has no value`);
  }
  let payload: T;
  try {
    payload = descriptor.decode(
      new Uint8Array(message.value.buffer, message.value.byteOffset, message.value.byteLength),
    );
  } catch {
    // The decoder's own message may quote bytes of the payload: keep it out.
    throw new PoisonMessageError(
      'undecodable_payload',
      `value on ${descriptor.topic} does not decode as ${descriptor.type}`,
    );
  }
  return {
    id: envelope[headerNames.id].toLowerCase(),
    source: envelope[headerNames.source],
    type: envelope[headerNames.type],
    time: new Date(envelope[headerNames.time]),
    tenantId: envelope[headerNames.tenantId].toLowerCase(),
    traceparent: envelope[headerNames.traceparent],
    key: message.key === null ? null : message.key.toString('utf8'),
    payload,
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Header values as strings. A header sent twice (an array) or not valid UTF-8 is left out, so the
 * schema reports it as missing rather than guessing which copy counts.
 */
function readHeaders(raw: NonNullable<IncomingKafkaMessage['headers']>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined || Array.isArray(value)) continue;
    if (typeof value === 'string') {
      out[name] = value;
      continue;
    }
    try {
      out[name] = utf8.decode(value);
    } catch {
      // not UTF-8: treated as absent
    }
  }
  return out;
}
