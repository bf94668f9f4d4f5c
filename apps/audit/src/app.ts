// Audit's composition root: builds every resource, starts nothing. Start order (lifecycle):
// Postgres (connect, migrations: schema `audit` + bus tables) → Kafka topics (when asked) →
// producer (for the dead-letter topic) → consumer → checkpoint timer → gRPC → HTTP. SIGTERM stops
// them in reverse: readiness drains first, the timer stops, the consumer finishes its message.
import { type SigningKey } from '@careline/audit-chain';
import {
  type ConsumerTuning,
  type BusKafka,
  assertTopicsExist,
  contractTopicSpecs,
  createBusMetrics,
  createConsumer,
  createKafka,
  createProducer,
  ensureTopics,
} from '@careline/bus';
import { AuditServiceDefinition, TOPICS } from '@careline/contracts';
import {
  type Logger,
  type ReadinessProbe,
  type Resource,
  cachedCheck,
  createGrpcServer,
  createHttpServer,
  createLifecycle,
  createMetrics,
  grpcService,
} from '@careline/runtime';
import { CONSUMER_GROUP, type Config } from './config';
import { createDatabase } from './db/database';
import { AUDIT_SCHEMA } from './db/migrations';
import { createAuditGrpcHandlers } from './grpc/audit-service';
import { registerAuditRoutes } from './http/routes';
import { auditEventHandler } from './kafka/audit-event-handler';
import { createAuditMetrics } from './metrics';
import { createAppendEvent } from './use-cases/append-event';
import { createAuditLog } from './use-cases/audit-log';
import { createChainReader } from './use-cases/read-chain';
import { createSignCheckpoints } from './use-cases/sign-checkpoints';

export interface AppDeps {
  logger: Logger;
  consumer?: ConsumerTuning;
  /** Default: the wall clock. */
  clock?: () => Date;
}

const CONSUMED = [TOPICS.auditEvents] as const;

export function buildApp(config: Config, deps: AppDeps) {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const signingKey: SigningKey = config.AUDIT_SIGNING_KEY;
  const registry = createMetrics({ labels: { service: 'audit' } });
  const metrics = createAuditMetrics(registry);
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
  // The consumer dead-letters through it; audit emits nothing else.
  const producer = lifecycle.add(createProducer(kafka));

  const appendEvent = createAppendEvent({
    signingKey,
    checkpointEvery: config.AUDIT_CHECKPOINT_EVERY,
    clock,
    metrics,
  });
  const consumer = createConsumer({
    kafka,
    groupId: CONSUMER_GROUP,
    pool: database.pool,
    schema: AUDIT_SCHEMA,
    logger,
    producer,
    handlers: [auditEventHandler(appendEvent)],
    metrics: createBusMetrics(registry),
    ...deps.consumer,
  });
  lifecycle.add(consumer);

  const signCheckpoints = createSignCheckpoints({ pool: database.pool, signingKey, clock, metrics });
  lifecycle.add(
    intervalResource('checkpoint-timer', config.AUDIT_CHECKPOINT_INTERVAL, signCheckpoints, logger),
  );

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => database.ping() },
    { name: 'kafka', check: cachedCheck(5_000, () => assertTopicsExist(kafka, [...CONSUMED])) },
    { name: 'consumer', check: () => consumer.healthy() },
  ];
  const reader = createChainReader({ pool: database.pool });
  // Reads of the audit log are recorded through the consumer's own append path (see audit-log.ts).
  const auditLog = createAuditLog({ pool: database.pool, reader, appendEvent, clock });
  const grpc = createGrpcServer({
    name: 'audit',
    host: config.GRPC_HOST,
    port: config.GRPC_PORT,
    logger,
    readiness,
    services: [grpcService(AuditServiceDefinition, createAuditGrpcHandlers(auditLog, { logger, signingKey }))],
  });
  lifecycle.add(grpc.resource);
  const http = createHttpServer({
    name: 'audit',
    host: config.HTTP_HOST,
    port: config.HTTP_PORT,
    logger,
    registry,
    readiness,
  });
  registerAuditRoutes(http.app, { auditLog, signingKey });
  // Added last: starts when everything else runs, stops (and drains readiness) first.
  lifecycle.add(http.resource);

  return { lifecycle, http, grpc, database, registry, reader, signCheckpoints };
}

export type App = ReturnType<typeof buildApp>;

function topicsResource(kafka: BusKafka): Resource {
  return {
    name: 'kafka-topics',
    start: () => ensureTopics(kafka, contractTopicSpecs({ consumed: CONSUMED, produced: [] })),
    stop: () => Promise.resolve(),
  };
}

/** Runs `task` every `everyMs` (never overlapping itself); a failure is logged and retried next tick. */
function intervalResource(
  name: string,
  everyMs: number,
  task: () => Promise<unknown>,
  logger: Logger,
): Resource {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = task().then(
      () => undefined,
      (error: unknown) => logger.error({ err: error }, `${name} failed`),
    );
  };
  return {
    name,
    start() {
      timer = setInterval(() => {
        void running.then(tick);
      }, everyMs);
      timer.unref();
      return Promise.resolve();
    },
    async stop() {
      if (timer !== undefined) clearInterval(timer);
      await running;
    },
  };
}
