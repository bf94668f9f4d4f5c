// The bus's Prometheus series, on the app's registry (never prom-client's global one):
//   kafka_consumer_lag{group,topic,partition}   records on the partition not yet committed by the group
//   bus_dead_letters_total{group,topic,reason}  messages sent to `<topic>.dlq`
//   outbox_backlog{schema}                      events written to the outbox and not yet sent
//   outbox_oldest_event_age_seconds{schema}     how long the oldest of them has waited
//
// Lag and backlog are read when Prometheus scrapes, from the broker (high watermark minus the
// group's committed offset) and from Postgres: a consumer stuck on one message, or a relay that
// stopped, shows as a growing number instead of a last value that looks healthy. A source that
// does not answer within `scrapeTimeoutMs` is left out of that scrape (its series disappear, which
// an `absent()` alert sees) rather than reported stale. Labels are topic, group and schema names
// and closed sets of reasons: never keys, ids or payload content.
import { type Registry } from '@careline/runtime';
import { Counter, Gauge } from 'prom-client';

/** Why a message was dead-lettered: a closed set, so it can be a label. */
export type DeadLetterReason = 'poison' | 'non_retryable' | 'attempts_exhausted';

export interface PartitionLag {
  topic: string;
  partition: number;
  lag: number;
}

export interface OutboxBacklog {
  count: number;
  /** 0 when the outbox is empty. */
  oldestAgeSeconds: number;
}

export interface BusMetrics {
  /** @internal called by the consumer runner. */
  deadLettered(labels: { group: string; topic: string; reason: DeadLetterReason }): void;
  /** @internal a consumer registers how to read its lag; the returned function unregisters it. */
  trackConsumerLag(group: string, read: () => Promise<readonly PartitionLag[]>): () => void;
  /** @internal the outbox relay registers how to read its backlog; the returned function unregisters it. */
  trackOutbox(schema: string, read: () => Promise<OutboxBacklog>): () => void;
}

export interface BusMetricsOptions {
  /** Longest a scrape waits for one lag or backlog source. Default 2 000 ms. */
  scrapeTimeoutMs?: number;
}

export const BUS_METRIC_NAMES = {
  consumerLag: 'kafka_consumer_lag',
  deadLetters: 'bus_dead_letters_total',
  outboxBacklog: 'outbox_backlog',
  outboxOldestAge: 'outbox_oldest_event_age_seconds',
} as const;

/**
 * Registers the bus's series on `registry`; pass the result as `metrics` to `createConsumer`,
 * `createStatelessConsumer` and `createOutboxRelay`. Call it once per registry (a second call
 * fails, as prom-client refuses two metrics of one name).
 */
export function createBusMetrics(registry: Registry, options: BusMetricsOptions = {}): BusMetrics {
  const timeoutMs = options.scrapeTimeoutMs ?? 2_000;
  const lagSources = new Map<symbol, { group: string; read: () => Promise<readonly PartitionLag[]> }>();
  const outboxSources = new Map<symbol, { schema: string; read: () => Promise<OutboxBacklog> }>();

  const deadLetters = new Counter({
    name: BUS_METRIC_NAMES.deadLetters,
    help: 'Messages sent to <topic>.dlq, by consumer group, source topic and reason (poison, non_retryable, attempts_exhausted).',
    labelNames: ['group', 'topic', 'reason'] as const,
    registers: [registry],
  });

  const lag = new Gauge({
    name: BUS_METRIC_NAMES.consumerLag,
    help: "Records on a partition after the consumer group's committed offset (high watermark minus committed), read from the broker at scrape time.",
    labelNames: ['group', 'topic', 'partition'] as const,
    registers: [registry],
    async collect() {
      const answers = await Promise.all(
        [...lagSources.values()].map(async ({ group, read }) => ({ group, partitions: await bounded(read(), timeoutMs) })),
      );
      lag.reset();
      for (const { group, partitions } of answers) {
        for (const partition of partitions ?? []) {
          lag.set({ group, topic: partition.topic, partition: String(partition.partition) }, partition.lag);
        }
      }
    },
  });

  // One read serves both outbox gauges. prom-client collects the metrics of a scrape
  // concurrently, so the read in flight is shared rather than repeated.
  let outboxRead: Promise<{ schema: string; value: OutboxBacklog | undefined }[]> | undefined;
  const readOutboxes = () =>
    (outboxRead ??= Promise.all(
      [...outboxSources.values()].map(async ({ schema, read }) => ({ schema, value: await bounded(read(), timeoutMs) })),
    ).finally(() => {
      outboxRead = undefined;
    }));

  const backlog = new Gauge({
    name: BUS_METRIC_NAMES.outboxBacklog,
    help: 'Events in the outbox not yet acknowledged by Kafka, by service schema.',
    labelNames: ['schema'] as const,
    registers: [registry],
    async collect() {
      const answers = await readOutboxes();
      backlog.reset();
      for (const { schema, value } of answers) if (value !== undefined) backlog.set({ schema }, value.count);
    },
  });
  const oldest = new Gauge({
    name: BUS_METRIC_NAMES.outboxOldestAge,
    help: 'Age in seconds of the oldest event waiting in the outbox (0 when empty), by service schema.',
    labelNames: ['schema'] as const,
    registers: [registry],
    async collect() {
      const answers = await readOutboxes();
      oldest.reset();
      for (const { schema, value } of answers) if (value !== undefined) oldest.set({ schema }, value.oldestAgeSeconds);
    },
  });

  return {
    deadLettered: (labels) => deadLetters.inc(labels),
    trackConsumerLag(group, read) {
      const id = Symbol(group);
      lagSources.set(id, { group, read });
      return () => lagSources.delete(id);
    },
    trackOutbox(schema, read) {
      const id = Symbol(schema);
      outboxSources.set(id, { schema, read });
      return () => outboxSources.delete(id);
    },
  };
}

/** The value, or undefined when it fails or takes longer than `ms` (a scrape must not hang). */
async function bounded<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([promise.catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
