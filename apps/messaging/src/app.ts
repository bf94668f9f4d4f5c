// messaging's composition root: builds every resource from the config and wires them, in start
// order pool → migrations → topics → producer → relay → consumer → gRPC → HTTP (stopped in
// reverse, so HTTP and gRPC drain first and the pool closes last). No I/O until start().
import {
  type ConsumerTuning,
  assertTopicsExist,
  busMigrations,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  ensureTopics,
} from '@careline/bus';
import { MessagingServiceDefinition } from '@careline/contracts';
import { createLocalKeyProvider, createSealer } from '@careline/crypto';
import { type Pool, checkDatabase, createPool, runMigrations } from '@careline/db';
import {
  type GrpcServer,
  type HttpServer,
  type Lifecycle,
  type Logger,
  type ReadinessProbe,
  cachedCheck,
  createGrpcServer,
  createHttpServer,
  createLifecycle,
  createMetrics,
  grpcService,
} from '@careline/runtime';
import { CONSUMER_GROUP, type Config, SCHEMA } from './config';
import { messagingMigrations } from './db/migrations';
import { createAtRest } from './domain/sealing';
import { createMessagingGrpcHandlers } from './edges/grpc';
import {
  CONSUMED_TOPICS,
  PRODUCED_TOPICS,
  createMessagingEventHandlers,
  messagingTopicSpecs,
} from './edges/kafka';
import { createMessagingUseCases } from './use-cases';

export interface MessagingDeps {
  logger: Logger;
  /** Default: the system clock. Tests move it to open and close the 24-hour window. */
  clock?: () => Date;
  /** Consumer and relay timings; the defaults suit production, tests shorten them. */
  tuning?: ConsumerTuning & { relayPollIntervalMs?: number };
}

export interface MessagingApp {
  lifecycle: Lifecycle;
  grpc: GrpcServer;
  http: HttpServer;
  pool: Pool;
}

const KAFKA_READINESS_CACHE_MS = 10_000;

export function buildApp(config: Config, deps: MessagingDeps): MessagingApp {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tuning = deps.tuning ?? {};
  const registry = createMetrics({ labels: { service: 'messaging' } });
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const pool = createPool({
    url: config.database.url,
    applicationName: 'messaging',
    max: config.database.poolMax,
    logger,
  });
  const sealer = createSealer(createLocalKeyProvider({ masterKey: config.masterKey }));
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    topicPrefix: config.kafka.topicPrefix,
    logger,
  });
  const useCases = createMessagingUseCases({ pool, sealer, atRest: createAtRest(sealer), clock, logger });

  lifecycle.add({
    name: 'postgres',
    start: () => checkDatabase(pool),
    stop: () => pool.end(),
  });
  lifecycle.add({
    name: 'migrations',
    async start() {
      await runMigrations(pool, { schema: SCHEMA, migrations: messagingMigrations, logger });
      await runMigrations(pool, { schema: SCHEMA, component: 'bus', migrations: busMigrations, logger });
    },
    stop: () => Promise.resolve(),
  });
  lifecycle.add({
    name: 'kafka-topics',
    async start() {
      if (config.kafka.createTopics) await ensureTopics(kafka, messagingTopicSpecs());
    },
    stop: () => Promise.resolve(),
  });
  const producer = lifecycle.add(createProducer(kafka));
  lifecycle.add(
    createOutboxRelay({
      pool,
      schema: SCHEMA,
      producer,
      logger,
      ...(tuning.relayPollIntervalMs === undefined ? {} : { pollIntervalMs: tuning.relayPollIntervalMs }),
    }),
  );
  const consumer = lifecycle.add(
    createConsumer({
      kafka,
      groupId: CONSUMER_GROUP,
      pool,
      schema: SCHEMA,
      logger,
      producer,
      handlers: createMessagingEventHandlers(useCases),
      ...definedOnly({
        sessionTimeoutMs: tuning.sessionTimeoutMs,
        heartbeatIntervalMs: tuning.heartbeatIntervalMs,
        rebalanceTimeoutMs: tuning.rebalanceTimeoutMs,
        maxWaitTimeMs: tuning.maxWaitTimeMs,
        backoff: tuning.backoff,
      }),
    }),
  );

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => checkDatabase(pool) },
    {
      name: 'kafka',
      check: cachedCheck(KAFKA_READINESS_CACHE_MS, () =>
        assertTopicsExist(kafka, [...CONSUMED_TOPICS, ...PRODUCED_TOPICS]),
      ),
    },
    // false once kafkajs gave up on the consumer: take the instance out of service rather than idle
    { name: 'consumer', check: () => consumer.healthy() },
  ];
  const grpc = createGrpcServer({
    name: 'messaging',
    host: config.grpc.host,
    port: config.grpc.port,
    logger,
    readiness,
    services: [grpcService(MessagingServiceDefinition, createMessagingGrpcHandlers(useCases, logger))],
  });
  lifecycle.add(grpc.resource);
  const http = createHttpServer({
    name: 'messaging',
    host: config.http.host,
    port: config.http.port,
    logger,
    registry,
    readiness,
  });
  lifecycle.add(http.resource);
  return { lifecycle, grpc, http, pool };
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
