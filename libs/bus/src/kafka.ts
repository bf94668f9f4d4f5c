// The Kafka client of one process, and topic provisioning. kafkajs stays inside this library: the
// rest of the code base sees `BusKafka` and the factories that take it.
import { DomainError } from '@careline/runtime';
import kafkajs from 'kafkajs';
import { KafkaUnavailableError } from './errors';
import { type BusLogger, kafkaLogCreator, silentLogger } from './logger';

export interface KafkaOptions {
  /** `host:port` list, e.g. `['127.0.0.1:9092']`. */
  brokers: readonly string[];
  /** Names the process in broker logs and quotas, e.g. `careline-gateway`. */
  clientId: string;
  /** Receives kafkajs' warnings and errors; without it they are dropped (never the console). */
  logger?: BusLogger;
  /** TCP connect timeout per broker. Default 3 000 ms. */
  connectionTimeoutMs?: number;
  /** How long kafkajs waits for any broker response. Default 10 000 ms. */
  requestTimeoutMs?: number;
  /**
   * How long `start()` of a producer or consumer may take before Kafka counts as unreachable.
   * Default 10 000 ms.
   */
  startTimeoutMs?: number;
  /**
   * Prepended to every topic name and consumer group on the wire (default empty). Topic names are
   * contracts and stay as they are in code; the prefix only namespaces one deployment or one test
   * suite from others on a shared broker (`KAFKA_TOPIC_PREFIX`).
   */
  topicPrefix?: string;
}

/** A configured client; pass it to `createProducer`, `createConsumer`, `ensureTopics`. */
export interface BusKafka {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: BusLogger;
  readonly startTimeoutMs: number;
  /** See {@link KafkaOptions.topicPrefix}. */
  readonly topicPrefix: string;
  /** @internal the kafkajs client; only this library uses it. */
  readonly client: kafkajs.Kafka;
}

export function createKafka(options: KafkaOptions): BusKafka {
  if (options.brokers.length === 0) throw new TypeError('createKafka needs at least one broker');
  const topicPrefix = options.topicPrefix ?? '';
  if (!/^[A-Za-z0-9._-]*$/.test(topicPrefix)) {
    throw new TypeError('topic prefix may contain only letters, digits, ".", "_" and "-"');
  }
  const logger = options.logger ?? silentLogger;
  const client = new kafkajs.Kafka({
    brokers: [...options.brokers],
    clientId: options.clientId,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 10_000,
    // Short connection retries so that "Kafka is not there" surfaces within seconds; the producer
    // and consumer set their own retry policies for work in progress.
    retry: { initialRetryTime: 100, retries: 5, maxRetryTime: 2_000 },
    logLevel: kafkajs.logLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
  return {
    brokers: options.brokers,
    clientId: options.clientId,
    logger,
    startTimeoutMs: options.startTimeoutMs ?? 10_000,
    topicPrefix,
    client,
  };
}

/** The name on the wire of a contract topic (or consumer group): the prefix, then the name. */
export function physicalName(kafka: Pick<BusKafka, 'topicPrefix'>, name: string): string {
  return `${kafka.topicPrefix}${name}`;
}

/** The contract name of a topic read from the wire. */
export function logicalTopic(kafka: Pick<BusKafka, 'topicPrefix'>, physical: string): string {
  return kafka.topicPrefix !== '' && physical.startsWith(kafka.topicPrefix)
    ? physical.slice(kafka.topicPrefix.length)
    : physical;
}

/** The one-line error for "could not reach Kafka", e.g. `kafka unreachable at 127.0.0.1:9092`. */
export function kafkaUnreachable(kafka: BusKafka, cause: unknown): KafkaUnavailableError {
  const reason = cause instanceof Error ? ` (${cause.message.split('\n', 1)[0]})` : '';
  return new KafkaUnavailableError(`kafka unreachable at ${kafka.brokers.join(',')}${reason}`, { cause });
}

/** Runs `connect` but gives up after the client's start timeout with {@link kafkaUnreachable}. */
export async function connectWithin(
  kafka: BusKafka,
  connect: () => Promise<void>,
  disconnect: () => Promise<void>,
): Promise<void> {
  try {
    await withTimeout(
      connect(),
      kafka.startTimeoutMs,
      () => new Error(`no answer within ${kafka.startTimeoutMs} ms`),
    );
  } catch (error) {
    // Not awaited: with a broker that accepts connections but never answers, disconnecting waits
    // for the pending connect, and the caller asked for a quick answer.
    disconnect().catch(() => undefined);
    throw kafkaUnreachable(kafka, error);
  }
}

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  /** Also create `<topic>.dlq` (for topics this process consumes). */
  dlq?: boolean;
  /**
   * Partitions of the `.dlq` companion. Default 1, as `@careline/contracts`' TOPIC_PROVISIONING
   * suggests: dead letters are rare, read by operators, and one partition keeps arrival order.
   */
  dlqPartitions?: number;
  /** Topic-level configuration (e.g. `max.message.bytes`), applied to the `.dlq` companion too. */
  config?: Readonly<Record<string, string>>;
}

export interface EnsureTopicsOptions {
  /** Replicas per partition. Default 1 (local single broker); production passes 3. */
  replicationFactor?: number;
}

/**
 * Creates the topics (and `.dlq` companions when asked) that do not exist yet. Idempotent and safe
 * to run from several replicas at once: a topic someone else created meanwhile counts as done.
 * Existing topics are left as they are (partition counts are never changed behind operators' backs).
 */
export async function ensureTopics(
  kafka: BusKafka,
  specs: readonly TopicSpec[],
  options: EnsureTopicsOptions = {},
): Promise<void> {
  const wanted = new Map<string, { numPartitions: number; config?: Readonly<Record<string, string>> }>();
  for (const spec of specs) {
    for (const count of [spec.numPartitions, spec.dlqPartitions ?? 1]) {
      if (!Number.isInteger(count) || count < 1)
        throw new TypeError(`partition counts of ${spec.topic} must be positive integers`);
    }
    wanted.set(physicalName(kafka, spec.topic), { numPartitions: spec.numPartitions, config: spec.config });
    if (spec.dlq === true) {
      wanted.set(physicalName(kafka, dlqTopic(spec.topic)), {
        numPartitions: spec.dlqPartitions ?? 1,
        config: spec.config,
      });
    }
  }
  const admin = kafka.client.admin();
  await connectWithin(
    kafka,
    () => admin.connect(),
    () => admin.disconnect(),
  );
  try {
    const existing = new Set(await admin.listTopics());
    const missing = [...wanted].filter(([topic]) => !existing.has(topic));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map(([topic, { numPartitions, config }]) => ({
          topic,
          numPartitions,
          replicationFactor: options.replicationFactor ?? 1,
          configEntries: Object.entries(config ?? {}).map(([name, value]) => ({ name, value })),
        })),
      });
    } catch (error) {
      // Another replica won the race for some of them: fine, as long as they all exist now.
      const now = new Set(await admin.listTopics());
      if (missing.some(([topic]) => !now.has(topic))) throw error;
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Fails with one clear line when any of `topics` does not exist. Consumers check their topics and
 * dead-letter companions at start: with automatic topic creation off, a missing one would
 * otherwise show up as endless retries long after start.
 */
export async function assertTopicsExist(kafka: BusKafka, topics: readonly string[]): Promise<void> {
  const admin = kafka.client.admin();
  await connectWithin(
    kafka,
    () => admin.connect(),
    () => admin.disconnect(),
  );
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(physicalName(kafka, topic)));
    if (missing.length > 0) {
      throw new MissingTopicsError(
        `kafka topics missing: ${missing.join(', ')} (create them with ensureTopics, dlq: true for consumed topics)`,
      );
    }
  } finally {
    await admin.disconnect();
  }
}

export class MissingTopicsError extends DomainError {
  override readonly name = 'MissingTopicsError';
  constructor(message: string) {
    super({ code: 'kafka_topics_missing', kind: 'failed_precondition', message });
  }
}

/** The dead-letter companion of a topic. */
export function dlqTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Rejects with `onTimeout()` when `promise` has not settled within `ms`; clears its timer either way. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
