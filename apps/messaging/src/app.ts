// messaging's composition root: builds every resource from the config and wires them, in start
// order pool → migrations → topics → producer → relay → consumer → gRPC → HTTP (stopped in
// reverse, so HTTP and gRPC drain first and the pool closes last). No I/O until start().
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
import { MessagingServiceDefinition, TenantDirectoryServiceDefinition } from '@careline/contracts';
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
import { createPatientKeys } from './use-cases/patient-keys';
import { createDirectoryUseCases } from './directory/use-cases';
import { createDirectoryGrpcHandlers } from './edges/directory-grpc';
import { createMessagingGrpcHandlers } from './edges/grpc';
import {
  CONSUMED_TOPICS,
  PRODUCED_TOPICS,
  createMessagingEventHandlers,
  messagingTopicSpecs,
} from './edges/kafka';
import { createMessagingMetrics } from './metrics';
import { type TemplateSource, createMessagingUseCases } from './use-cases';
import { createGatewayTemplateSource } from './edges/gateway-templates';
import { createGatewayMediaSource } from './edges/gateway-media';
import { type MediaSource, createMediaFetchJob, createRetentionJob } from './use-cases';
import { type MediaFetchPolicy } from './domain/media';

export interface MessagingDeps {
  logger: Logger;
  /** Default: the system clock. Tests move it to open and close the 24-hour window. */
  clock?: () => Date;
  /** Consumer and relay timings; the defaults suit production, tests shorten them. */
  tuning?: ConsumerTuning & { relayPollIntervalMs?: number };
  /** Meta's templates; default: the gateway's WabaTemplateService at GATEWAY_GRPC_URL. */
  templateSource?: TemplateSource;
  /** Patient media from Meta; default: the gateway's MediaService at GATEWAY_GRPC_URL. */
  mediaSource?: MediaSource;
  /** The media fetch job's timings; the defaults suit production, tests shorten them. */
  mediaFetch?: { pollIntervalMs?: number; policy?: MediaFetchPolicy };
  /** The retention job's poll interval (default 1 minute). */
  retention?: { pollIntervalMs?: number };
}

export interface MessagingApp {
  lifecycle: Lifecycle;
  grpc: GrpcServer;
  http: HttpServer;
  pool: Pool;
}

const KAFKA_READINESS_CACHE_MS = 10_000;
/** A media download of up to 16 MiB through the gateway may take longer than a template list. */
const MEDIA_FETCH_TIMEOUT_MS = 60_000;

export function buildApp(config: Config, deps: MessagingDeps): MessagingApp {
  const { logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const tuning = deps.tuning ?? {};
  const registry = createMetrics({ labels: { service: 'messaging' } });
  const busMetrics = createBusMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const pool = createPool({
    url: config.database.url,
    applicationName: 'messaging',
    max: config.database.poolMax,
    logger,
  });
  const keyProvider = createLocalKeyProvider({ masterKey: config.masterKey });
  const sealer = createSealer(keyProvider);
  // patient data keys are read through a pool of their own (use-cases/patient-keys.ts says why)
  const keyPool = createPool({ url: config.database.url, applicationName: 'messaging-keys', max: 2, logger });
  const patientKeys = createPatientKeys({ provider: keyProvider, keyPool, clock });
  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    topicPrefix: config.kafka.topicPrefix,
    logger,
  });
  const gatewayTemplates = deps.templateSource === undefined ? createGatewayTemplateSource(config.gateway) : undefined;
  const metrics = createMessagingMetrics(registry);
  const useCases = createMessagingUseCases({
    pool,
    sealer,
    atRest: patientKeys.atRest,
    patientKeys,
    clock,
    logger,
    metrics,
    templateSource: deps.templateSource ?? gatewayTemplates,
  });
  if (gatewayTemplates) lifecycle.add(gatewayTemplates.resource);

  lifecycle.add({
    name: 'postgres',
    start: () => checkDatabase(pool),
    stop: () => pool.end(),
  });
  lifecycle.add({ name: 'postgres-keys', start: () => checkDatabase(keyPool), stop: () => keyPool.end() });
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

  // after the pool, before gRPC: stopped before the pool closes (media-fetch, README "Media")
  let mediaSource = deps.mediaSource;
  if (mediaSource === undefined) {
    const gatewayMedia = createGatewayMediaSource({
      target: config.gateway.target,
      timeoutMs: Math.max(config.gateway.timeoutMs, MEDIA_FETCH_TIMEOUT_MS),
    });
    lifecycle.add(gatewayMedia.resource);
    mediaSource = gatewayMedia;
  }
  lifecycle.add(
    createMediaFetchJob({
      pool,
      atRest: patientKeys.atRest,
      patientKeys,
      clock,
      logger,
      source: mediaSource,
      ...definedOnly({ pollIntervalMs: deps.mediaFetch?.pollIntervalMs, policy: deps.mediaFetch?.policy }),
    }).resource,
  );

  // after the pool, before gRPC (README "Retention and erasure")
  lifecycle.add(
    createRetentionJob({
      pool,
      patientKeys,
      clock,
      logger,
      metrics,
      ...definedOnly({ pollIntervalMs: deps.retention?.pollIntervalMs }),
    }).resource,
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
    services: [
      grpcService(MessagingServiceDefinition, createMessagingGrpcHandlers(useCases, logger)),
      grpcService(TenantDirectoryServiceDefinition, createDirectoryGrpcHandlers(createDirectoryUseCases({ pool, clock, logger }), logger)),
    ],
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
