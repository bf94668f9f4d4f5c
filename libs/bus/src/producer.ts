// The idempotent producer. `publish` resolves only once every in-sync replica has the record
// (acks = all), which is what lets the gateway answer Meta 200; a bounded wait turns a dead broker
// into a clear error within seconds instead of a request that hangs.
import kafkajs from 'kafkajs';
import { type EventDescriptor, type OutgoingEvent, toKafkaMessage } from './envelope';
import { KafkaUnavailableError } from './errors';
import { type BusKafka, connectWithin, physicalName, withTimeout } from './kafka';
import { type Resource } from './resource';

export interface ProducerOptions {
  /** How long `publish` waits for the acknowledgement. Default 5 000 ms. */
  sendTimeoutMs?: number;
  /** Resource name for start/stop logs. Default `kafka-producer`. */
  name?: string;
}

export interface PublishedEvent {
  /** `ce_id` of the event. */
  id: string;
  partition: number;
  offset: string;
}

/** A record as is: what the relay and the dead-letter path send (keys and headers may be bytes). */
export interface RawRecord {
  topic: string;
  key: Buffer | string | null;
  value: Buffer | null;
  headers: Record<string, Buffer | string | (Buffer | string)[]>;
}

export interface BusProducer extends Resource {
  /** Sends one event and resolves once the broker acknowledged it (acks = all). */
  publish<T>(descriptor: EventDescriptor<T>, event: OutgoingEvent<T>): Promise<PublishedEvent>;
  /**
   * Sends ready-made records (the outbox relay's, the dead-letter copies) in one batch. Records with
   * the same topic and key keep their order. Resolves once all are acknowledged.
   */
  sendRecords(records: readonly RawRecord[]): Promise<void>;
}

export function createProducer(kafka: BusKafka, options: ProducerOptions = {}): BusProducer {
  const sendTimeoutMs = options.sendTimeoutMs ?? 5_000;
  const producer = kafka.client.producer({
    idempotent: true,
    // Idempotence needs unlimited retries (kafkajs warns otherwise); callers are protected from
    // the wait by sendTimeoutMs.
    retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: Number.MAX_SAFE_INTEGER },
    // kafkajs' idempotent producer keeps order only with one request in flight per broker.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    // Java-compatible murmur2: the same key lands on the same partition as with any other client.
    createPartitioner: kafkajs.Partitioners.DefaultPartitioner,
    // Unlimited retries are what kafkajs requires for idempotence (a batch given up and retried
    // under a new sequence number could be dropped by the broker as a duplicate); callers are
    // protected from the wait by sendTimeoutMs instead.
  });
  let started = false;

  async function send(records: readonly RawRecord[]): Promise<kafkajs.RecordMetadata[]> {
    if (!started) throw new KafkaUnavailableError('kafka producer is not started');
    const byTopic = new Map<string, kafkajs.Message[]>();
    for (const record of records) {
      const topic = physicalName(kafka, record.topic);
      const list = byTopic.get(topic) ?? [];
      list.push({ key: record.key, value: record.value, headers: record.headers });
      byTopic.set(topic, list);
    }
    const topics = [...byTopic.keys()].join(',');
    try {
      return await withTimeout(
        producer.sendBatch({
          acks: -1,
          timeout: sendTimeoutMs,
          topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        }),
        sendTimeoutMs,
        () =>
          new KafkaUnavailableError(
            `kafka did not acknowledge within ${sendTimeoutMs} ms (topic ${topics}, brokers ${kafka.brokers.join(',')})`,
          ),
      );
    } catch (error) {
      if (error instanceof KafkaUnavailableError) throw error;
      // kafkajs' own errors (unknown topic after its metadata retries, a closed connection...):
      // one line naming the topic, the original kept as the cause.
      const reason = error instanceof Error ? (error.message.split('\n', 1)[0] ?? '') : 'unknown error';
      throw new KafkaUnavailableError(`kafka did not accept the record (topic ${topics}): ${reason}`, {
        cause: error,
      });
    }
  }

  return {
    name: options.name ?? 'kafka-producer',
    async start() {
      if (started) return;
      await connectWithin(
        kafka,
        () => producer.connect(),
        () => producer.disconnect(),
      );
      started = true;
    },
    async stop() {
      if (!started) return;
      started = false;
      await producer.disconnect();
    },
    async publish(descriptor, event) {
      const record = toKafkaMessage(descriptor, event);
      const [metadata] = await send([record]);
      return { id: record.id, partition: metadata?.partition ?? -1, offset: metadata?.baseOffset ?? '-1' };
    },
    async sendRecords(records) {
      if (records.length === 0) return;
      await send(records);
    },
  };
}
