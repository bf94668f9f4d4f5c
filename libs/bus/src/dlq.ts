// Dead letters: the original record, untouched, on `<topic>.dlq`, plus headers that tell operators
// what failed where. The error message is our own error's safe message (see safeErrorInfo),
// never payload content.
import { type IncomingKafkaMessage } from './envelope';
import { safeErrorInfo } from './errors';
import { dlqTopic } from './kafka';
import { type RawRecord } from './producer';

export const dlqHeaderNames = {
  errorCode: 'dlq-error-code',
  errorMessage: 'dlq-error-message',
  sourceTopic: 'dlq-source-topic',
  sourcePartition: 'dlq-source-partition',
  sourceOffset: 'dlq-source-offset',
  attempts: 'dlq-attempts',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
} as const;

export interface DeadLetterSource {
  topic: string;
  partition: number;
  offset: string;
  message: IncomingKafkaMessage;
}

export interface DeadLetterFailure {
  error: unknown;
  /** Handler attempts made; 0 when the message was poison and never reached a handler. */
  attempts: number;
  consumerGroup: string;
  failedAt: Date;
}

/** The record that goes to `<topic>.dlq` for a message that failed. */
export function deadLetterRecord(source: DeadLetterSource, failure: DeadLetterFailure): RawRecord {
  const { code, message } = safeErrorInfo(failure.error);
  const headers: RawRecord['headers'] = {};
  const ours = new Set<string>(Object.values(dlqHeaderNames));
  for (const [name, value] of Object.entries(source.message.headers ?? {})) {
    // A message replayed from a DLQ and failing again gets fresh error headers, not two sets.
    if (value !== undefined && !ours.has(name)) headers[name] = value;
  }
  headers[dlqHeaderNames.errorCode] = code;
  headers[dlqHeaderNames.errorMessage] = message;
  headers[dlqHeaderNames.sourceTopic] = source.topic;
  headers[dlqHeaderNames.sourcePartition] = String(source.partition);
  headers[dlqHeaderNames.sourceOffset] = source.offset;
  headers[dlqHeaderNames.attempts] = String(failure.attempts);
  headers[dlqHeaderNames.consumerGroup] = failure.consumerGroup;
  headers[dlqHeaderNames.failedAt] = failure.failedAt.toISOString();
  return { topic: dlqTopic(source.topic), key: source.message.key, value: source.message.value, headers };
}
