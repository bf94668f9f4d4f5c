// The gateway's composition root: every resource built here, in start order (stopped in reverse):
// pg pool → migrations → topics → producer → outbox relay → consumer → gRPC server → HTTP server.
// Nothing does I/O until `lifecycle.start()`; tests build the app in-process with ports 0.
import {
  assertTopicsExist,
  busMigrations,
  createConsumer,
  createKafka,
  createOutboxRelay,
  createProducer,
  defineHandler,
  contractTopicSpecs,
  ensureTopics,
} from '@careline/bus';
import { ChannelServiceDefinition, TOPICS, outboundRequestedEvent } from '@careline/contracts';
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
import { createStaticChannelRegistry } from './channels/registry';
import { type Config } from './config';
import { GATEWAY_SCHEMA, gatewayMigrations } from './db/migrations';
import { createChannelServiceHandlers } from './grpc/channel-service';
import { registerWebhookRoutes } from './http/webhook-routes';
import { createGatewayMetrics } from './metrics';
import { createReceiveWebhook } from './use-cases/receive-webhook';
import { createSendOutbound, worstCaseSendMs } from './use-cases/send-outbound';
import { createVerifySubscription } from './use-cases/verify-subscription';

export const CONSUMER_GROUP = 'careline-gateway';

export interface GatewayDeps {
  logger: Logger;
  /** The Graph client's fetch (default: the global one). */
  fetch?: typeof fetch;
  clock?: () => Date;
}

/** Topics the gateway produces or consumes, provisioned as the contracts say. */
const TOPIC_SPECS = contractTopicSpecs({
  consumed: [TOPICS.outboundRequested],
  produced: [TOPICS.webhookReceived, TOPICS.outboundResult],
});

export function buildApp(config: Config, deps: GatewayDeps) {
  const { logger } = deps;
  const registry = createMetrics({ labels: { service: 'gateway' } });
  const metrics = createGatewayMetrics(registry);
  const lifecycle = createLifecycle({ logger, shutdownTimeoutMs: config.shutdownTimeoutMs });

  const channels = createStaticChannelRegistry(config.channels);
  const sealer = createSealer(createLocalKeyProvider({ masterKey: config.masterKey }));
  const graph = createGraphClient({ ...config.graph, ...(deps.fetch ? { fetch: deps.fetch } : {}) });

  // A send command holds its consumer transaction open across the Graph calls (the outcome, the
  // result event and the processed mark commit together), so the idle-in-transaction limit and
  // the consumer's session must outlast the worst case of calls plus backoff.
  const sendBudgetMs = worstCaseSendMs(
    {
      maxAttempts: config.outbound.maxAttempts,
      baseMs: config.outbound.retryBaseMs,
      maxMs: config.outbound.retryMaxMs,
    },
    config.graph.timeoutMs,
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
  lifecycle.add(createOutboxRelay({ pool, schema: GATEWAY_SCHEMA, producer, logger }));

  const sendOutbound = createSendOutbound({
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
      // Handlers cannot heartbeat: the session must outlast one command's worst case.
      sessionTimeoutMs: Math.max(30_000, sendBudgetMs + 15_000),
      rebalanceTimeoutMs: Math.max(60_000, sendBudgetMs + 30_000),
      handlers: [
        defineHandler(outboundRequestedEvent, (command, ctx) =>
          sendOutbound(command, { client: ctx.client, tenantId: ctx.tenantId }),
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
      grpcService(ChannelServiceDefinition, createChannelServiceHandlers({ registry: channels, logger })),
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
