// records' composition root: builds every resource from the config and wires them, in start
// order pool → migrations → topics → producer → outbox relay → gRPC → HTTP (stopped in reverse,
// so HTTP and gRPC drain first and the pool closes last). No I/O until start(). records emits
// audit and record events through its outbox, and consumes patient.message.received.v1 for
// self-service in chat ("my results").
import {
  assertTopicsExist,
  busMigrations,
  contractTopicSpecs,
  createBusMetrics,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  ensureTopics,
} from '@careline/bus';
import { RecordsServiceDefinition, auditEvent, recordEvent } from '@careline/contracts';
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
import { CONSUMED_TOPICS, createRecordsEventHandlers } from './edges/kafka';
import { createPostgresBlobStore } from './db/blobs';
import { recordsMigrations } from './db/migrations';
import { createAtRest } from './domain/sealing';
import { createRecordsGrpcHandlers } from './edges/grpc';
import { type MessagingClient, createMessagingClient } from './messaging-client';
import { createRecordsMetrics } from './metrics';
import { registerReleaseRoutes } from './release/routes';
import { createRecordsUseCases } from './use-cases';

export interface RecordsDeps {
  logger: Logger;
  /** Default: the system clock. Tests move it to expire links and codes. */
  clock?: () => Date;
  /** Default: a gRPC client of MESSAGING_GRPC_URL. */
  messaging?: MessagingClient;
  relayPollIntervalMs?: number;
  /** Shorter Kafka timings for tests (a consumer joins its group faster). */
  consumerTuning?: { sessionTimeoutMs?: number; heartbeatIntervalMs?: number; rebalanceTimeoutMs?: number; maxWaitTimeMs?: number };
}

export interface RecordsApp {
  lifecycle: Lifecycle;
  grpc: GrpcServer;
  http: HttpServer;
  pool: Pool;
}

export const PRODUCED_TOPICS = [auditEvent.topic, recordEvent.topic] as const;
const KAFKA_READINESS_CACHE_MS = 10_000;
// room for the protobuf framing around the largest document
const GRPC_MESSAGE_OVERHEAD = 64 * 1024;

export function buildApp(config: Config, deps: RecordsDeps): RecordsApp {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const registry = createMetrics({ labels: { service: 'records' } });
  const busMetrics = createBusMetrics(registry);
  const metrics = createRecordsMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const pool = createPool({
    url: config.database.url,
    applicationName: 'records',
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
  const messaging = deps.messaging ?? createMessagingClient(config.messaging);
  const useCases = createRecordsUseCases({
    pool,
    sealer,
    atRest: createAtRest(sealer),
    blobs: createPostgresBlobStore(),
    messaging,
    clock,
    logger,
    release: config.release,
    documentMaxBytes: config.documentMaxBytes,
    selfServiceKeywords: config.selfServiceKeywords,
    metrics,
  });

  lifecycle.add({ name: 'postgres', start: () => checkDatabase(pool), stop: () => pool.end() });
  lifecycle.add({
    name: 'migrations',
    async start() {
      await runMigrations(pool, { schema: SCHEMA, migrations: recordsMigrations, logger });
      await runMigrations(pool, { schema: SCHEMA, component: 'bus', migrations: busMigrations, logger });
    },
    stop: () => Promise.resolve(),
  });
  lifecycle.add({
    name: 'kafka-topics',
    async start() {
      if (config.kafka.createTopics)
        await ensureTopics(kafka, contractTopicSpecs({ consumed: CONSUMED_TOPICS, produced: PRODUCED_TOPICS }));
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
      metrics: busMetrics,
      ...(deps.relayPollIntervalMs === undefined ? {} : { pollIntervalMs: deps.relayPollIntervalMs }),
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
      metrics: busMetrics,
      handlers: createRecordsEventHandlers(useCases),
      ...(deps.consumerTuning ?? {}),
    }),
  );
  lifecycle.add({
    name: 'messaging-client',
    start: () => Promise.resolve(),
    stop: () => Promise.resolve(messaging.close()),
  });

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => checkDatabase(pool) },
    {
      name: 'kafka',
      check: cachedCheck(KAFKA_READINESS_CACHE_MS, () => assertTopicsExist(kafka, [...CONSUMED_TOPICS, ...PRODUCED_TOPICS])),
    },
    { name: 'consumer', check: () => consumer.healthy() },
  ];
  const maxMessage = config.documentMaxBytes + GRPC_MESSAGE_OVERHEAD;
  const grpc = createGrpcServer({
    name: 'records',
    host: config.grpc.host,
    port: config.grpc.port,
    logger,
    readiness,
    services: [grpcService(RecordsServiceDefinition, createRecordsGrpcHandlers(useCases, logger))],
    serverOptions: {
      'grpc.max_receive_message_length': maxMessage,
      'grpc.max_send_message_length': maxMessage,
    },
  });
  lifecycle.add(grpc.resource);
  const http = createHttpServer({
    name: 'records',
    host: config.http.host,
    port: config.http.port,
    logger,
    registry,
    readiness,
  });
  registerReleaseRoutes(http.app, { release: useCases.release, baseUrl: config.release.baseUrl });
  lifecycle.add(http.resource);
  return { lifecycle, grpc, http, pool };
}
