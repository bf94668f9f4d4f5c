// The gateway's composition root: every resource built here, in start order (stopped in reverse):
// pg pool → migrations → topics → producer → outbox relay → consumer → gRPC server → HTTP server.
// Nothing does I/O until `lifecycle.start()`; tests build the app in-process with ports 0.
import {
  assertTopicsExist,
  busMigrations,
  createBusMetrics,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  defineHandler,
  contractTopicSpecs,
  ensureTopics,
} from '@careline/bus';
import { ChannelServiceDefinition, TOPICS, WabaTemplateServiceDefinition, outboundRequestedEvent } from '@careline/contracts';
import { MediaServiceDefinition } from '@careline/contracts';
import { createLocalKeyProvider, createSealer } from '@careline/crypto';
import { checkDatabase, createPool, runMigrations } from '@careline/db';
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
import { createGraphClient } from '@careline/whatsapp';
import { createChannelAdmin } from './channels/admin';
import { createCredentialBox } from './channels/credentials';
import { createDatabaseChannelRegistry } from './channels/database-registry';
import { type Config } from './config';
import { GATEWAY_SCHEMA, gatewayMigrations } from './db/migrations';
import { createChannelServiceHandlers } from './grpc/channel-service';
import { createTemplateServiceHandlers } from './grpc/template-service';
import { createMediaServiceHandlers } from './grpc/media-service';
import { registerWebhookRoutes } from './http/webhook-routes';
import { createGatewayMetrics } from './metrics';
import { createReceiveWebhook } from './use-cases/receive-webhook';
import { createSendThrottle } from './outbound/throttle';
import { type SendFaults, createSendOutbound, worstCaseSendMs } from './use-cases/send-outbound';
import { createVerifySubscription } from './use-cases/verify-subscription';

export const CONSUMER_GROUP = 'careline-gateway';

export interface GatewayDeps {
  logger: Logger;
  /** The Graph client's fetch (default: the global one). */
  fetch?: typeof fetch;
  clock?: () => Date;
  /** Test seams of the sender (see SendFaults). */
  sendFaults?: SendFaults;
}

/** Topics the gateway produces or consumes, provisioned as the contracts say. */
const TOPIC_SPECS = contractTopicSpecs({
  consumed: [TOPICS.outboundRequested],
  produced: [TOPICS.webhookReceived, TOPICS.outboundResult, TOPICS.auditEvents],
});

export function buildApp(config: Config, deps: GatewayDeps) {
  const { logger } = deps;
  const registry = createMetrics({ labels: { service: 'gateway' } });
  const metrics = createGatewayMetrics(registry);
  // consumer lag, dead letters and the outbox backlog (libs/bus)
  const busMetrics = createBusMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const sealer = createSealer(createLocalKeyProvider({ masterKey: config.masterKey }));
  const graph = createGraphClient({ ...config.graph, ...(deps.fetch ? { fetch: deps.fetch } : {}) });

  // A send command holds its consumer transaction open across the Graph calls (the outcome, the
  // result event and the processed mark commit together), so the idle-in-transaction limit and
  // the consumer's rebalance timeout must outlast the worst case of calls, backoff and limit waits
  // (before one call: a pair interval or 131056 block, a 130429 pause, and a token at the 1 mps
  // floor behind the number's other commands in flight, one second each).
  const sendBudgetMs = worstCaseSendMs(
    {
      maxAttempts: config.outbound.maxAttempts,
      baseMs: config.outbound.retryBaseMs,
      maxMs: config.outbound.retryMaxMs,
    },
    config.graph.timeoutMs,
    Math.max(config.outbound.pair.intervalMs, config.outbound.retryMaxMs) +
      config.outbound.retryMaxMs +
      1_000 * config.outbound.inPartitionConcurrency,
  );

  const pool = createPool({
    url: config.database.url,
    applicationName: 'gateway',
    max: config.database.poolMax,
    idleInTransactionTimeoutMs: Math.max(60_000, sendBudgetMs + 30_000),
    logger,
  });
  lifecycle.add<Resource>({
    name: 'postgres',
    start: () => checkDatabase(pool),
    stop: () => pool.end(),
  });
  lifecycle.add<Resource>({
    name: 'migrations',
    async start() {
      await runMigrations(pool, { schema: GATEWAY_SCHEMA, migrations: gatewayMigrations, logger });
      await runMigrations(pool, {
        schema: GATEWAY_SCHEMA,
        component: 'bus',
        migrations: busMigrations,
        logger,
      });
    },
    stop: () => Promise.resolve(),
  });
  // After the migrations, before anything that routes or sends: GATEWAY_CHANNELS upserted, the
  // table loaded into memory, then kept fresh (LISTEN/NOTIFY + poll).
  const channels = createDatabaseChannelRegistry({
    pool,
    sealer,
    logger,
    bootstrap: config.channels,
    refreshIntervalMs: config.channelRegistryRefreshMs,
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  lifecycle.add(channels.resource);
  const channelAdmin = createChannelAdmin({
    pool,
    box: createCredentialBox(sealer),
    refreshRegistry: () => channels.refresh(),
    logger,
    clock: deps.clock ?? (() => new Date()),
  });

  const kafka = createKafka({
    brokers: config.kafka.brokers,
    clientId: config.kafka.clientId,
    topicPrefix: config.kafka.topicPrefix,
    logger,
  });
  if (config.kafka.ensureTopics) {
    lifecycle.add<Resource>({
      name: 'kafka-topics',
      start: () => ensureTopics(kafka, TOPIC_SPECS),
      stop: () => Promise.resolve(),
    });
  }
  const producer = lifecycle.add(createProducer(kafka, { sendTimeoutMs: config.kafka.publishTimeoutMs }));
  lifecycle.add(createOutboxRelay({ pool, schema: GATEWAY_SCHEMA, producer, logger, metrics: busMetrics }));

  // WhatsApp's limits, per instance: the outbound topic is keyed by phone_number_id, so one
  // instance sends for a number at a time (README, "Limits and replicas").
  const throttle = createSendThrottle(
    {
      ratePerSec: (config.outbound.throughputMps * config.outbound.throughputSharePercent) / 100,
      pair: { ...config.outbound.pair, backoffMaxMs: config.outbound.retryMaxMs },
    },
    {
      now: () => Date.now(),
      sleep: (ms) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      onWait: (cause, ms) => metrics.throttleWait(cause, ms / 1000),
      onRate: (phoneNumberId, rate) => metrics.sendRate(phoneNumberId, rate),
    },
  );
  const sendOutbound = createSendOutbound({
    pool,
    throttle,
    ...(deps.sendFaults ? { faults: deps.sendFaults } : {}),
    registry: channels,
    sealer,
    graph,
    metrics,
    logger,
    retry: {
      maxAttempts: config.outbound.maxAttempts,
      baseMs: config.outbound.retryBaseMs,
      maxMs: config.outbound.retryMaxMs,
    },
    ...(deps.clock ? { clock: deps.clock } : {}),
  });
  const consumer = lifecycle.add(
    createConsumer({
      kafka,
      groupId: CONSUMER_GROUP,
      pool,
      schema: GATEWAY_SCHEMA,
      logger,
      producer,
      // The runner heartbeats while commands run (batch mode), so the session keeps its default;
      // a rebalance still waits for the commands in flight: that timeout covers the worst case.
      rebalanceTimeoutMs: Math.max(60_000, sendBudgetMs + 30_000),
      // Each sending number is one partition (key = phone_number_id): numbers send side by side…
      partitionsConcurrently: config.outbound.partitionsConcurrently,
      // …and inside a number, commands to different recipients too; one recipient's commands stay
      // in order (and its pair limit is then waited for by one command at a time).
      inPartitionConcurrency: { max: config.outbound.inPartitionConcurrency },
      metrics: busMetrics,
      handlers: [
        defineHandler(
          outboundRequestedEvent,
          (command, ctx) => sendOutbound(command, { client: ctx.client, tenantId: ctx.tenantId }),
          { orderingKey: (command) => command.recipientWaIdHash },
        ),
      ],
    }),
  );

  const readiness: ReadinessProbe[] = [
    { name: 'postgres', check: () => checkDatabase(pool) },
    { name: 'consumer', check: () => consumer.healthy() },
    {
      name: 'kafka',
      check: cachedCheck(5_000, () =>
        assertTopicsExist(
          kafka,
          TOPIC_SPECS.map((spec) => spec.topic),
        ),
      ),
    },
  ];

  const grpc = createGrpcServer({
    name: 'gateway',
    host: config.grpc.host,
    port: config.grpc.port,
    logger,
    readiness,
    services: [
      grpcService(ChannelServiceDefinition, createChannelServiceHandlers({ registry: channels, admin: channelAdmin, logger })),
      grpcService(WabaTemplateServiceDefinition, createTemplateServiceHandlers({ registry: channels, graph, logger })),
      grpcService(MediaServiceDefinition, createMediaServiceHandlers({ registry: channels, graph, logger })),
    ],
  });
  lifecycle.add(grpc.resource);

  const http = createHttpServer({
    name: 'gateway',
    host: config.http.host,
    port: config.http.port,
    logger,
    registry,
    readiness,
  });
  registerWebhookRoutes(http.app, {
    verifySubscription: createVerifySubscription(config.verifyToken),
    receiveWebhook: createReceiveWebhook({
      registry: channels,
      sealer,
      producer,
      metrics,
      logger,
      ...(deps.clock ? { clock: deps.clock } : {}),
    }),
    metrics,
    maxBytes: config.webhookMaxBytes,
  });
  // Added last: starts last (nothing reaches Meta's endpoint before the rest is up), drains first.
  lifecycle.add(http.resource);

  return { lifecycle, http, grpc, metricsRegistry: registry, producer, channels };
}

export type GatewayApp = ReturnType<typeof buildApp>;
