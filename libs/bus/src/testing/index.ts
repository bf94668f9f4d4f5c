// Test helpers for projects that use @careline/bus: read what landed on a topic, and a JSON event
// descriptor for tests that need a payload type without generated protobuf code.
import { randomUUID } from 'node:crypto';
import { type z } from 'zod';
import { type EventDescriptor } from '../envelope';
import { type BusKafka, connectWithin, physicalName, withTimeout } from '../kafka';

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** Header values as UTF-8 strings (a repeated header keeps its last value). */
  headers: Record<string, string>;
}

export interface ReadTopicOptions {
  /** Stops reading once this holds for the records read so far. */
  until: (records: readonly TopicRecord[]) => boolean;
  /** Default 15 000 ms; then it fails, saying how many records it saw. */
  timeoutMs?: number;
}

/**
 * Reads `topic` from the beginning (a fresh consumer group each call) until `options.until` holds.
 * For assertions such as "exactly one dead letter with these headers".
 */
export async function readTopic(kafka: BusKafka, topic: string, options: ReadTopicOptions): Promise<TopicRecord[]> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const consumer = kafka.client.consumer({ groupId: `bus-test-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
  const records: TopicRecord[] = [];
  let finish: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  await connectWithin(kafka, () => consumer.connect(), () => consumer.disconnect());
  try {
    await consumer.subscribe({ topics: [physicalName(kafka, topic)], fromBeginning: true });
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          const last = Array.isArray(value) ? value.at(-1) : value;
          if (last !== undefined) headers[name] = last.toString();
        }
        records.push({
          topic,
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString('utf8'),
          value: message.value,
          headers,
        });
        if (options.until(records)) finish?.();
        return Promise.resolve();
      },
    });
    if (!options.until(records)) {
      await withTimeout(done, timeoutMs, () => new Error(`readTopic(${topic}): condition not met after ${timeoutMs} ms (${records.length} records read)`));
    }
    return [...records];
  } finally {
    await consumer.disconnect();
  }
}

/**
 * An event descriptor whose payload travels as JSON checked by a zod schema: for tests that need
 * a payload type of their own. Decoding fails (a poison message) on anything the schema rejects.
 */
export function jsonTestDescriptor<S extends z.ZodType>(topic: string, type: string, schema: S): EventDescriptor<z.infer<S>> {
  return {
    topic,
    type,
    encode: (payload) => new TextEncoder().encode(JSON.stringify(payload)),
    decode: (bytes) => schema.parse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes))),
  };
}
