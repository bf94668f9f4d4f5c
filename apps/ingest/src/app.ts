// Ingest's composition root: builds every resource, starts nothing. Start order (lifecycle):
// Postgres (connect, migrations: schema `ingest` + bus tables) → Kafka topics (when asked) →
// producer → outbox relay → consumer → HTTP; SIGTERM stops them in reverse, so HTTP readiness goes
// first, the consumer finishes its message, and the relay sends what was committed before the
// producer disconnects.
import { randomUUID } from 'node:crypto';
import {
  type ConsumerTuning,
  type BusKafka,
  assertTopicsExist,
  createBusMetrics,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  contractTopicSpecs,
  ensureTopics,
} from '@careline/bus';
import { TOPICS } from '@careline/contracts';
import { type Sealer, createLocalKeyProvider, createSealer } from '@careline/crypto';
import {
  type Logger,
  type ReadinessProbe,
  type Resource,
  cachedCheck,
  createHttpServer,
  createLifecycle,
  createMetrics,
} from '@careline/runtime';
import { CONSUMER_GROUP, type Config } from './config';
import { createDatabase } from './db/database';
import { INGEST_SCHEMA } from './db/migrations';
import { webhookReceivedHandler } from './kafka/webhook-handler';
import { createIngestMetrics } from './metrics';
import { createIngestHandlers } from './use-cases/ingest-webhook';

export interface AppDeps {
  logger: Logger;
  /** Default: the local key provider over CARELINE_MASTER_KEY. */
  sealer?: Sealer;
  consumer?: ConsumerTuning;
  /** Outbox relay poll fallback; default the bus's. */
  relayPollIntervalMs?: number;
}

/** The topics ingest reads (with its dead-letter companion) and writes. */
const CONSUMED = [TOPICS.webhookReceived] as const;
const PRODUCED = [
  TOPICS.patientMessageReceived,
  TOPICS.messageStatus,
  TOPICS.patientPreferenceChanged,
  TOPICS.templateStatus,
] as const;

export function buildApp(config: Config, deps: AppDeps) {
  const { logger } = deps;
  const sealer =
    deps.sealer ?? createSealer(createLocalKeyProvider({ masterKey: config.CARELINE_MASTER_KEY }));
  const registry = createMetrics({ labels: { service: 'ingest' } });
  const busMetrics = createBusMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.SHUTDOWN_TIMEOUT });

  const database = lifecycle.add(
    createDatabase({ url: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, logger }),
  );

  const kafka = createKafka({
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID,
    logger,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  });
  if (config.KAFKA_CREATE_TOPICS) lifecycle.add(topicsResource(kafka));

  const producer = lifecycle.add(createProducer(kafka));
  lifecycle.add(
    createOutboxRelay({
      pool: database.pool,
      schema: INGEST_SCHEMA,
      producer,
      logger,
      metrics: busMetrics,
      ...(deps.relayPollIntervalMs === undefined ? {} : { pollIntervalMs: deps.relayPollIntervalMs }),
    }),
  );

  const handlers = createIngestHandlers({
    sealer,
    logger,
    metrics: createIngestMetrics(registry),
    newId: randomUUID,
  });
  const consumer = createConsumer({
    kafka,
    groupId: CONSUMER_GROUP,
    pool: database.pool,
    schema: INGEST_SCHEMA,
    logger,
    producer,
    metrics: busMetrics,
    handlers: [webhookReceivedHandler(handlers)],
    ...deps.consumer,
  });
  lifecycle.add(consumer);

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => database.ping() },
    { name: 'kafka', check: cachedCheck(5_000, () => assertTopicsExist(kafka, [...CONSUMED, ...PRODUCED])) },
    { name: 'consumer', check: () => consumer.healthy() },
  ];
  const http = createHttpServer({
    name: 'ingest',
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    registry,
    readiness,
  });
  // Added last: starts when everything else runs, stops (and drains readiness) first.
  lifecycle.add(http.resource);

  return { lifecycle, http, database, registry };
}

export type App = ReturnType<typeof buildApp>;

/** Creates the topics ingest uses when missing, as the contracts provision them. */
function topicsResource(kafka: BusKafka): Resource {
  return {
    name: 'kafka-topics',
    start: () => ensureTopics(kafka, contractTopicSpecs({ consumed: CONSUMED, produced: PRODUCED })),
    stop: () => Promise.resolve(),
  };
}
