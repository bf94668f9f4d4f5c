import { type Queryable } from '@careline/db';
import { type EventDescriptor, type OutgoingEvent, toKafkaMessage } from '../envelope';
import { qualified } from './sql';

/**
 * Writes an event to `schema`'s outbox through `client`, which must be inside the caller's
 * transaction: the event is sent if and only if that transaction commits. Returns the event's
 * `ce_id`. The envelope is fixed now (id, time, traceparent), so a re-send after a relay crash is
 * byte-for-byte the same message and consumers drop it as a duplicate.
 */
export async function enqueue<T>(
  client: Queryable,
  schema: string,
  descriptor: EventDescriptor<T>,
  event: OutgoingEvent<T>,
): Promise<string> {
  const record = toKafkaMessage(descriptor, event);
  await client.query(
    `INSERT INTO ${qualified(schema, 'outbox')} (event_id, topic, key, headers, payload) VALUES ($1, $2, $3, $4, $5)`,
    [record.id, record.topic, record.key, JSON.stringify(record.headers), record.value],
  );
  return record.id;
}
