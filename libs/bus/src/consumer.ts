// The idempotent consumer runner. For each message, in partition order:
//   1. parse the CloudEvents envelope and decode the payload; a message that does not parse is
//      poison and goes to `<topic>.dlq` at once;
//   2. in ONE transaction (tenant set, as withTenant does): record (group, ce_id) in
//      processed_events — already there means a duplicate, skipped — and run the handler;
//   3. only after the commit is the offset marked for committing.
// A handler failure is retried with backoff, each attempt its own transaction, up to maxAttempts,
// then dead-lettered; `retryable: false` dead-letters at once. A failure of the infrastructure
// (Postgres unreachable, the DLQ not taking the record) is never the message's fault: the
// partition waits, heartbeating so the group does not evict us, and tries again until it works or
// the consumer stops. Nothing is dead-lettered or skipped because the database was down.
//
// With `inPartitionConcurrency` the runner takes whole batches (kafkajs' eachBatch) and runs the
// messages of one partition side by side across ordering keys (partition-schedule.ts): order is
// kept per key, and the offset committed is the lowest one below which everything finished.
// Everything above (processing, retries, dead letters, the transaction) is the same per message.
import { type Pool, type PoolClient, withTenant } from '@careline/db';
import { runInSpan } from '@careline/runtime';
import type kafkajs from 'kafkajs';
import { deadLetterRecord } from './dlq';
import {
  type EventDescriptor,
  type IncomingKafkaMessage,
  type ReceivedEvent,
  fromKafkaMessage,
} from './envelope';
import {
  PoisonMessageError,
  describeFailure,
  isNonRetryable,
  isTransientInfrastructureError,
} from './errors';
import {
  type BusKafka,
  assertTopicsExist,
  connectWithin,
  dlqTopic,
  logicalTopic,
  physicalName,
  withTimeout,
} from './kafka';
import { type BusLogger, silentLogger } from './logger';
import { type BusMetrics, type DeadLetterReason, type PartitionLag } from './metrics';
import { type BusProducer, createProducer } from './producer';
import { runPartitionSchedule } from './partition-schedule';
import { type Resource } from './resource';
import { qualified } from './outbox/sql';

/** Where a message came from and what its envelope said; handed to every handler. */
export interface MessageContext {
  /** `ce_id`. */
  id: string;
  tenantId: string;
  time: Date;
  traceparent: string;
  source: string;
  type: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  /**
   * Tells the group this member is alive (kafkajs sends it at most once per heartbeat interval).
   * A handler that may run longer than the session timeout calls it now and then. Never throws:
   * a rebalance it learns about is the runner's business, not the handler's failure.
   */
  heartbeat: () => Promise<void>;
}

export interface TransactionalContext extends MessageContext {
  /** The transaction the dedupe row is written in; write the handler's effect through it. */
  client: PoolClient;
}

/**
 * One topic's handler. Build it with {@link defineHandler}, which types the payload from the
 * descriptor. `ctx` is checked strictly: a handler that needs the transaction (`client`) cannot be
 * given to a consumer without a database.
 */
export interface EventHandler<C extends MessageContext = TransactionalContext> {
  readonly descriptor: EventDescriptor<unknown>;
  readonly handle: (payload: unknown, ctx: C) => Promise<void>;
  /** The ordering key inside a partition (see {@link HandlerOptions.orderingKey}). */
  readonly orderingKey?: (payload: unknown, ctx: MessageContext) => string;
}

export interface HandlerOptions<T> {
  /**
   * Only with `inPartitionConcurrency`: messages of one partition with equal keys are processed
   * one at a time, in offset order; different keys side by side. E.g. the recipient of a send
   * command whose topic is keyed by the sending number. Default: the consumer's `key`, else the
   * Kafka key.
   */
  orderingKey?: (payload: T, ctx: MessageContext) => string;
}

/** Builds a handler with the payload type inferred from the descriptor. */
export function defineHandler<T, C extends MessageContext = TransactionalContext>(
  descriptor: EventDescriptor<T>,
  handle: (payload: T, ctx: C) => Promise<void>,
  options: HandlerOptions<T> = {},
): EventHandler<C> {
  // The runner only ever passes what this descriptor decoded, so the payload is a T.
  const { orderingKey } = options;
  return {
    descriptor,
    handle: (payload, ctx) => handle(payload as T, ctx),
    ...(orderingKey === undefined ? {} : { orderingKey: (payload: unknown, ctx: MessageContext) => orderingKey(payload as T, ctx) }),
  };
}

/** Processing several messages of one partition at once, in order per key (see the top of this file). */
export interface InPartitionConcurrency {
  /** Messages of one partition in flight at once (1–1 000). Each holds a pool connection while it runs. */
  max: number;
  /**
   * The ordering key for handlers without their own `orderingKey`. Default: the Kafka key (which
   * is the partition's ordering unit anyway: keys that share a partition need no order between them).
   */
  key?: (payload: unknown, ctx: MessageContext) => string;
}

/** How far past an unfinished message the others of its partition may run (partition-schedule.ts). */
const IN_PARTITION_WINDOW = 1_000;

export interface BackoffOptions {
  /** First delay. */
  initialMs?: number;
  /** Cap. */
  maxMs?: number;
}

interface CommonConsumerOptions {
  kafka: BusKafka;
  groupId: string;
  logger?: BusLogger;
  /** Handler attempts before a message is dead-lettered. Default 5. */
  maxAttempts?: number;
  /** Delay between handler attempts, doubling. Default 200 ms up to 5 000 ms. */
  backoff?: BackoffOptions;
  /** Delay between tries while the database or the DLQ is unavailable, doubling. Default 500 ms up to 10 000 ms. */
  infrastructureBackoff?: BackoffOptions;
  /** Sends dead letters; started and stopped by the caller. Default: the consumer makes its own. */
  producer?: BusProducer;
  /** Where a group with no committed offset starts. Default true (earliest), so nothing written before the first start is missed. */
  fromBeginning?: boolean;
  /** Partitions processed in parallel (order is kept within each). Default 1. */
  partitionsConcurrently?: number;
  /**
   * Messages of one partition processed in parallel across ordering keys, in order per key.
   * Default: off (one message at a time per partition). With it the runner also heartbeats while
   * messages run, so long handlers need no longer session timeout (the rebalance timeout must
   * still cover them: a rebalance waits for the messages in flight).
   */
  inPartitionConcurrency?: InPartitionConcurrency;
  /** kafkajs group timing; the defaults suit production, tests shorten them. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for new data; also bounds how quickly stop() returns. Default 1 000 ms. */
  maxWaitTimeMs?: number;
  /** Resource name. Default `kafka-consumer:<groupId>`. */
  name?: string;
  /** Where lag and dead letters are counted (`createBusMetrics(registry)`). Default: not counted. */
  metrics?: BusMetrics;
}

/** The timing knobs of a consumer: production keeps the defaults, tests shorten them. */
export type ConsumerTuning = Pick<
  CommonConsumerOptions,
  | 'sessionTimeoutMs'
  | 'heartbeatIntervalMs'
  | 'rebalanceTimeoutMs'
  | 'maxWaitTimeMs'
  | 'maxAttempts'
  | 'backoff'
>;

export interface ConsumerOptions extends CommonConsumerOptions {
  pool: Pool;
  /** Service schema holding processed_events (bus migrations applied). */
  schema: string;
  handlers: readonly EventHandler<TransactionalContext>[];
}

export interface StatelessConsumerOptions extends CommonConsumerOptions {
  handlers: readonly EventHandler<MessageContext>[];
}

export interface BusConsumer extends Resource {
  /**
   * False once kafkajs gave up on the consumer (a crash it will not restart from): readiness
   * probes use it so that a dead consumer takes the pod out of service instead of idling.
   */
  healthy(): boolean;
}

/** The idempotent, transactional consumer (see the top of this file). */
export function createConsumer(options: ConsumerOptions): BusConsumer {
  const processed = qualified(options.schema, 'processed_events');
  const { pool, groupId } = options;
  return createRunner<TransactionalContext>(options, {
    async beforeStart() {
      // Without the table every message would fail in the dedupe insert and, counted as handler
      // failures, end up dead-lettered: refuse to start instead.
      const { rows } = await pool.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [
        processed,
      ]);
      if (rows[0]?.exists !== true) {
        throw new TypeError(
          `${processed} does not exist: apply busMigrations to schema ${options.schema} before starting the consumer`,
        );
      }
    },
    async execute(handler, payload, context) {
      return withTenant(pool, context.tenantId, async (client) => {
        const inserted = await client.query(
          `INSERT INTO ${processed} (consumer_group, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
          [groupId, context.id],
        );
        if (inserted.rowCount === 0) return 'duplicate';
        await handler.handle(payload, { ...context, client });
        return 'processed';
      });
    },
    async infrastructureDown() {
      // A handler may wrap a driver error beyond recognition: ask the database itself.
      try {
        await withTimeout(pool.query('SELECT 1'), 5_000, () => new Error('database ping timed out'));
        return false;
      } catch {
        return true;
      }
    },
  });
}

/**
 * A consumer without a database: no dedupe and no transaction, for handlers whose effect is itself
 * idempotent (e.g. a call keyed by ce_id). Retries and dead letters work as in {@link createConsumer}.
 */
export function createStatelessConsumer(options: StatelessConsumerOptions): BusConsumer {
  return createRunner<MessageContext>(options, {
    beforeStart: () => Promise.resolve(),
    async execute(handler, payload, context) {
      await handler.handle(payload, context);
      return 'processed';
    },
    infrastructureDown: () => Promise.resolve(false),
  });
}

interface Strategy<C extends MessageContext> {
  beforeStart(): Promise<void>;
  execute(
    handler: EventHandler<C>,
    payload: unknown,
    context: MessageContext,
  ): Promise<'processed' | 'duplicate'>;
  infrastructureDown(): Promise<boolean>;
}

/** Thrown inside eachMessage when stop() interrupts a wait: the offset must stay uncommitted. */
class ConsumerStoppingError extends Error {
  override readonly name = 'ConsumerStoppingError';
}

function createRunner<C extends MessageContext>(
  options: CommonConsumerOptions & { handlers: readonly EventHandler<C>[] },
  strategy: Strategy<C>,
): BusConsumer {
  const { kafka, groupId } = options;
  const logger = options.logger ?? silentLogger;
  const maxAttempts = options.maxAttempts ?? 5;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new TypeError('maxAttempts must be a positive integer');
  const backoff = delays(options.backoff, 200, 5_000);
  const infrastructureBackoff = delays(options.infrastructureBackoff, 500, 10_000);
  const heartbeatIntervalMs = options.heartbeatIntervalMs ?? 3_000;
  const inPartition = options.inPartitionConcurrency;
  if (inPartition !== undefined && (!Number.isInteger(inPartition.max) || inPartition.max < 1 || inPartition.max > 1_000))
    throw new TypeError('inPartitionConcurrency.max must be an integer from 1 to 1000');

  const handlers = new Map<string, EventHandler<C>>();
  for (const handler of options.handlers) {
    if (handlers.has(handler.descriptor.topic)) {
      throw new TypeError(
        `two handlers for topic ${handler.descriptor.topic}: a topic carries one payload type`,
      );
    }
    handlers.set(handler.descriptor.topic, handler);
  }
  if (handlers.size === 0) throw new TypeError('createConsumer needs at least one handler');

  const ownProducer = options.producer === undefined;
  const producer = options.producer ?? createProducer(kafka, { name: `dlq-producer:${groupId}` });
  const consumer = kafka.client.consumer({
    groupId: physicalName(kafka, groupId),
    allowAutoTopicCreation: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: heartbeatIntervalMs,
    rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
    maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    // Above the largest record a contract topic takes (raw webhooks up to 5 MiB): a fetch must
    // be able to hold one whole record.
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  let crashed = false;
  consumer.on(consumer.events.CRASH, (event) => {
    const { error, restart } = event.payload;
    if (!restart) crashed = true;
    logger.error({ groupId, restart, err: describeFailure(error) }, 'kafka consumer crashed');
  });

  let stopping = false;
  const wakers = new Set<() => void>();

  /** Waits `ms`, heartbeating so a long wait does not cost group membership; stop() cuts it short. */
  async function pause(ms: number, heartbeat: () => Promise<void>): Promise<void> {
    const deadline = Date.now() + ms;
    while (!stopping && Date.now() < deadline) {
      const step = Math.min(deadline - Date.now(), heartbeatIntervalMs);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, step);
        function done(): void {
          clearTimeout(timer);
          wakers.delete(done);
          resolve();
        }
        wakers.add(done);
      });
      await heartbeat();
    }
    if (stopping) throw new ConsumerStoppingError('consumer stopping');
  }

  /** One message as the runner holds it, whichever kafkajs mode delivered it. */
  interface Delivery {
    /** The contract name (prefix removed). */
    topic: string;
    partition: number;
    message: kafkajs.KafkaMessage;
    /** kafkajs' heartbeat: throws when the group is rebalancing. */
    heartbeat: () => Promise<void>;
  }

  type Parsed =
    | { kind: 'poison'; error: PoisonMessageError }
    | { kind: 'event'; handler: EventHandler<C>; event: ReceivedEvent<unknown>; context: MessageContext };

  async function deadLetter(
    delivery: Delivery,
    error: unknown,
    attempts: number,
    reason: DeadLetterReason,
  ): Promise<void> {
    const { topic, partition, message } = delivery;
    const record = deadLetterRecord(
      { topic, partition, offset: message.offset, message },
      { error, attempts, consumerGroup: groupId, failedAt: new Date() },
    );
    const fields = {
      groupId,
      topic,
      partition,
      offset: message.offset,
      attempts,
      err: describeFailure(error),
    };
    // Until the dead letter is acknowledged the offset must not move: keep trying.
    for (let failures = 0; ; failures += 1) {
      try {
        await producer.sendRecords([record]);
        options.metrics?.deadLettered({ group: groupId, topic, reason });
        logger.error({ ...fields, reason }, 'message dead-lettered');
        return;
      } catch (sendError) {
        logger.error(
          { ...fields, dlqError: describeFailure(sendError) },
          'dead letter not accepted; retrying',
        );
        await pause(infrastructureBackoff(failures), delivery.heartbeat);
      }
    }
  }

  /** Envelope and payload; `undefined` for a topic nobody handles (cannot happen: we subscribe to ours only). */
  function parse(delivery: Delivery): Parsed | undefined {
    const { topic, partition, message } = delivery;
    const handler = handlers.get(topic);
    if (handler === undefined) return undefined;
    let event: ReceivedEvent<unknown>;
    try {
      event = fromKafkaMessage(handler.descriptor, message as IncomingKafkaMessage);
    } catch (error) {
      if (!(error instanceof PoisonMessageError)) throw error;
      return { kind: 'poison', error };
    }
    const context: MessageContext = {
      id: event.id,
      tenantId: event.tenantId,
      time: event.time,
      traceparent: event.traceparent,
      source: event.source,
      type: event.type,
      topic,
      partition,
      offset: message.offset,
      key: event.key,
      async heartbeat() {
        try {
          await delivery.heartbeat();
        } catch (error) {
          // A rebalance: the runner's own heartbeat hears of it too and hands the partition back
          // once this message is done; failing the handler for it would burn an attempt.
          logger.debug({ groupId, topic, partition, err: describeFailure(error) }, 'heartbeat from a handler refused');
        }
      },
    };
    return { kind: 'event', handler, event, context };
  }

  /** Runs the message to its end: handled (or a duplicate), or dead-lettered. Throws only when stopping (or kafkajs' heartbeat refuses). */
  async function processMessage(parsed: Parsed, delivery: Delivery): Promise<void> {
    if (parsed.kind === 'poison') {
      await deadLetter(delivery, parsed.error, 0, 'poison');
      return;
    }
    const { handler, event, context } = parsed;
    const fields = {
      groupId,
      topic: context.topic,
      partition: context.partition,
      offset: context.offset,
      eventId: event.id,
      tenantId: event.tenantId,
    };
    let attempts = 0;
    let outages = 0;
    for (;;) {
      if (stopping) throw new ConsumerStoppingError('consumer stopping');
      try {
        // The handler's logs and the events it emits continue the producer's trace; each attempt
        // is one span (exported when runMain installed an exporter).
        const outcome = await runInSpan(event.traceparent, spanOf(context, groupId), () =>
          strategy.execute(handler, event.payload, context),
        );
        if (outcome === 'duplicate') logger.debug(fields, 'duplicate event skipped');
        return;
      } catch (error) {
        if (isTransientInfrastructureError(error) || (await strategy.infrastructureDown())) {
          // Not the message's fault: no attempt is burnt, nothing is dead-lettered.
          logger.warn(
            { ...fields, outages, err: describeFailure(error) },
            'infrastructure unavailable; partition waits',
          );
          await pause(infrastructureBackoff(outages), delivery.heartbeat);
          outages += 1;
          continue;
        }
        outages = 0;
        attempts += 1;
        if (isNonRetryable(error) || attempts >= maxAttempts) {
          await deadLetter(delivery, error, attempts, isNonRetryable(error) ? 'non_retryable' : 'attempts_exhausted');
          return;
        }
        logger.warn({ ...fields, attempts, err: describeFailure(error) }, 'handler failed; retrying');
        await pause(backoff(attempts - 1), delivery.heartbeat);
      }
    }
  }

  async function eachMessage(payload: kafkajs.EachMessagePayload): Promise<void> {
    const delivery: Delivery = {
      topic: logicalTopic(kafka, payload.topic),
      partition: payload.partition,
      message: payload.message,
      heartbeat: () => payload.heartbeat(),
    };
    const parsed = parse(delivery);
    if (parsed !== undefined) await processMessage(parsed, delivery);
  }

  /** The ordering key of a message inside its partition (`inPartitionConcurrency`). */
  function orderingKeyOf(parsed: Parsed | undefined, message: kafkajs.KafkaMessage): string {
    const kafkaKey = message.key === null ? '' : message.key.toString('utf8');
    if (parsed?.kind !== 'event') return kafkaKey;
    const derive = parsed.handler.orderingKey ?? inPartition?.key;
    if (derive === undefined) return kafkaKey;
    try {
      return derive(parsed.event.payload, parsed.context);
    } catch (error) {
      // The Kafka key orders at least as strictly as any key derived inside it.
      logger.warn(
        { groupId, topic: parsed.context.topic, partition: parsed.context.partition, offset: message.offset, err: describeFailure(error) },
        'ordering key not derivable; using the Kafka key',
      );
      return kafkaKey;
    }
  }

  async function eachBatch(payload: kafkajs.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const topic = logicalTopic(kafka, batch.topic);
    const heartbeat = () => payload.heartbeat();
    const outcome = await runPartitionSchedule(batch.messages, {
      max: inPartition?.max ?? 1,
      maxWindow: IN_PARTITION_WINDOW,
      offsetOf: (message) => message.offset,
      prepare(message) {
        const delivery: Delivery = { topic, partition: batch.partition, message, heartbeat };
        const parsed = parse(delivery);
        return {
          key: orderingKeyOf(parsed, message),
          run: () => (parsed === undefined ? Promise.resolve() : processMessage(parsed, delivery)),
        };
      },
      resolve: (offset) => payload.resolveOffset(offset),
      async tick() {
        await payload.heartbeat();
        // Commits what is resolved once autoCommitInterval has passed: a long batch does not
        // wait for its end to move the group's offset.
        await payload.commitOffsetsIfNecessary();
      },
      tickMs: heartbeatIntervalMs,
      stopped: () => stopping || !payload.isRunning() || payload.isStale(),
    });
    // Stopping is not a failure: what finished is resolved, the rest is redelivered. Anything else
    // (a rebalance a heartbeat reported, an unexpected error) goes to kafkajs as it came, which
    // refetches from the last resolved offset.
    const { error } = outcome;
    if (error === undefined || error instanceof ConsumerStoppingError) return;
    throw error instanceof Error ? error : new Error('in-partition processing failed');
  }

  // Lag as the broker sees it (metrics.ts says why): an admin connection of this consumer's own,
  // opened by the first scrape and closed at stop.
  const admin = options.metrics === undefined ? undefined : kafka.client.admin();
  let adminConnected: Promise<void> | undefined;
  let untrackLag: (() => void) | undefined;
  async function readLag(): Promise<PartitionLag[]> {
    if (admin === undefined || !started) return [];
    adminConnected ??= admin.connect().catch((error: unknown) => {
      adminConnected = undefined;
      throw error;
    });
    await adminConnected;
    const committed = await admin.fetchOffsets({
      groupId: physicalName(kafka, groupId),
      topics: [...handlers.keys()].map((topic) => physicalName(kafka, topic)),
    });
    const lags: PartitionLag[] = [];
    for (const { topic, partitions } of committed) {
      for (const end of await admin.fetchTopicOffsets(topic)) {
        const offset = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? '-1');
        const high = Number(end.high);
        // No commit yet: the group will start at the beginning (or at the end), as configured.
        const next = offset >= 0 ? offset : (options.fromBeginning ?? true) ? Number(end.low) : high;
        lags.push({ topic: logicalTopic(kafka, topic), partition: end.partition, lag: Math.max(0, high - next) });
      }
    }
    return lags;
  }

  let started = false;
  return {
    name: options.name ?? `kafka-consumer:${groupId}`,
    async start() {
      if (started) return;
      stopping = false;
      if (ownProducer) await producer.start();
      try {
        await strategy.beforeStart();
        await assertTopicsExist(
          kafka,
          [...handlers.keys()].flatMap((topic) => [topic, dlqTopic(topic)]),
        );
        await connectWithin(
          kafka,
          () => consumer.connect(),
          () => consumer.disconnect(),
        );
        await consumer.subscribe({
          topics: [...handlers.keys()].map((t) => physicalName(kafka, t)),
          fromBeginning: options.fromBeginning ?? true,
        });
        await consumer.run(
          inPartition === undefined
            ? { autoCommit: true, partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1, eachMessage }
            : {
                autoCommit: true,
                // Offsets are resolved by the schedule only (never the batch's last one), and
                // committed during a batch at most this often.
                eachBatchAutoResolve: false,
                autoCommitInterval: 1_000,
                partitionsConsumedConcurrently: options.partitionsConcurrently ?? 1,
                eachBatch,
              },
        );
      } catch (error) {
        await consumer.disconnect().catch(() => undefined);
        if (ownProducer) await producer.stop().catch(() => undefined);
        throw error;
      }
      started = true;
      crashed = false;
      untrackLag = options.metrics?.trackConsumerLag(groupId, readLag);
    },
    healthy() {
      return started && !crashed;
    },
    async stop() {
      if (!started) return;
      started = false;
      stopping = true;
      for (const wake of [...wakers]) wake();
      untrackLag?.();
      untrackLag = undefined;
      await consumer.disconnect();
      if (adminConnected !== undefined) {
        adminConnected = undefined;
        await admin?.disconnect().catch(() => undefined);
      }
      if (ownProducer) await producer.stop();
    },
  };
}

/** A consumer attempt as a span: topic, partition, group and ce_id (never key or payload). */
function spanOf(context: MessageContext, groupId: string) {
  return {
    name: `${context.topic} process`,
    kind: 'consumer' as const,
    attributes: {
      'messaging.system': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.destination.name': context.topic,
      'messaging.destination.partition.id': String(context.partition),
      'messaging.consumer.group.name': groupId,
      'messaging.message.id': context.id,
      'messaging.kafka.offset': Number(context.offset),
    },
  };
}

/** Exponential delays: initial, 2×, 4×… capped at max. */
function delays(
  options: BackoffOptions | undefined,
  initialMs: number,
  maxMs: number,
): (n: number) => number {
  const initial = options?.initialMs ?? initialMs;
  const max = options?.maxMs ?? maxMs;
  return (n) => Math.min(initial * 2 ** Math.min(n, 30), max);
}
