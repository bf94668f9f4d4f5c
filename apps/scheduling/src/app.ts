// scheduling's composition root: builds every resource from the config and wires them, in start
// order pool → migrations → topics → producer → relay → consumer → clock (dispatcher, sender) →
// gRPC → HTTP (stopped in reverse, so HTTP and gRPC drain first and the pool closes last). No I/O
// until start().
import {
  type ConsumerTuning,
  assertTopicsExist,
  busMigrations,
  createBusMetrics,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  ensureTopics,
} from '@careline/bus';
import { SchedulingServiceDefinition } from '@careline/contracts';
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
import { type Dispatcher, createDispatcher } from './clock/dispatcher';
import { createLoop } from './clock/loop';
import { type Sender, createSender } from './clock/sender';
import { CONSUMER_GROUP, type Config, SCHEMA } from './config';
import { schedulingMigrations } from './db/migrations';
import { createAtRest } from './domain/sealing';
import { createSchedulingGrpcHandlers } from './edges/grpc';
import { CONSUMED_TOPICS, PRODUCED_TOPICS, createSchedulingEventHandlers, schedulingTopicSpecs } from './edges/kafka';
import { type MessagingPort, createMessagingClient } from './edges/messaging-client';
import { createSchedulingMetrics } from './metrics';
import { createSchedulingUseCases } from './use-cases';

export interface SchedulingDeps {
  logger: Logger;
  /** Default: the system clock. Tests move it to make reminders due and appointments end. */
  clock?: () => Date;
  /** Default: messaging's gRPC at config.messaging.target. Tests pass a fake or a loopback client. */
  messaging?: MessagingPort;
  /** Consumer and relay timings; the defaults suit production, tests shorten them. */
  tuning?: ConsumerTuning & { relayPollIntervalMs?: number; senderBackoffMs?: number };
  /** false: no periodic clock loops (tests and the benchmark drive dispatcher/sender by hand). */
  runClock?: boolean;
}

export interface SchedulingApp {
  lifecycle: Lifecycle;
  grpc: GrpcServer;
  http: HttpServer;
  pool: Pool;
  dispatcher: Dispatcher;
  sender: Sender;
}

const KAFKA_READINESS_CACHE_MS = 10_000;

export function buildApp(config: Config, deps: SchedulingDeps): SchedulingApp {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tuning = deps.tuning ?? {};
  const registry = createMetrics({ labels: { service: 'scheduling' } });
  const busMetrics = createBusMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const pool = createPool({ url: config.database.url, applicationName: 'scheduling', max: config.database.poolMax, logger });
  const sealer = createSealer(createLocalKeyProvider({ masterKey: config.masterKey }));
  const atRest = createAtRest(sealer);
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, topicPrefix: config.kafka.topicPrefix, logger });
  const messaging = deps.messaging ?? createMessagingClient(config.messaging);
  const useCaseDeps = { pool, sealer, atRest, clock, logger };
  const useCases = createSchedulingUseCases(useCaseDeps);
  const dispatcher = createDispatcher({ ...useCaseDeps, batchSize: config.reminders.batchSize, metrics: createSchedulingMetrics(registry) });
  const sender = createSender(
    { ...useCaseDeps, messaging },
    { batchSize: Math.min(config.reminders.batchSize, 50), ...(tuning.senderBackoffMs === undefined ? {} : { initialBackoffMs: tuning.senderBackoffMs, maxBackoffMs: tuning.senderBackoffMs * 8 }) },
  );

  lifecycle.add({ name: 'postgres', start: () => checkDatabase(pool), stop: () => pool.end() });
  lifecycle.add({
    name: 'migrations',
    async start() {
      await runMigrations(pool, { schema: SCHEMA, migrations: schedulingMigrations, logger });
      await runMigrations(pool, { schema: SCHEMA, component: 'bus', migrations: busMigrations, logger });
    },
    stop: () => Promise.resolve(),
  });
  lifecycle.add({
    name: 'kafka-topics',
    async start() {
      if (config.kafka.createTopics) await ensureTopics(kafka, schedulingTopicSpecs());
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
      metrics: busMetrics,
      handlers: createSchedulingEventHandlers(useCases),
      ...definedOnly({
        sessionTimeoutMs: tuning.sessionTimeoutMs,
        heartbeatIntervalMs: tuning.heartbeatIntervalMs,
        rebalanceTimeoutMs: tuning.rebalanceTimeoutMs,
        maxWaitTimeMs: tuning.maxWaitTimeMs,
        backoff: tuning.backoff,
      }),
    }),
  );
  if (deps.runClock !== false) {
    const batch = config.reminders.batchSize;
    lifecycle.add(createLoop({ name: 'reminder-dispatcher', intervalMs: config.reminders.tickMs, logger, work: async () => (await dispatcher.tick()) >= batch }));
    lifecycle.add(createLoop({ name: 'reminder-sender', intervalMs: config.reminders.tickMs, logger, work: async () => (await sender.tick()) > 0 }));
  }
  lifecycle.add({ name: 'messaging-client', start: () => Promise.resolve(), stop: () => Promise.resolve(messaging.close()) });

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => checkDatabase(pool) },
    {
      name: 'kafka',
      check: cachedCheck(KAFKA_READINESS_CACHE_MS, () => assertTopicsExist(kafka, [...CONSUMED_TOPICS, ...PRODUCED_TOPICS])),
    },
    { name: 'consumer', check: () => consumer.healthy() },
  ];
  const grpc = createGrpcServer({
    name: 'scheduling',
    host: config.grpc.host,
    port: config.grpc.port,
    logger,
    readiness,
    services: [grpcService(SchedulingServiceDefinition, createSchedulingGrpcHandlers(useCases, logger))],
  });
  lifecycle.add(grpc.resource);
  const http = createHttpServer({ name: 'scheduling', host: config.http.host, port: config.http.port, logger, registry, readiness });
  lifecycle.add(http.resource);
  return { lifecycle, grpc, http, pool, dispatcher, sender };
}

function definedOnly<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
