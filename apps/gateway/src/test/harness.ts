// An in-process gateway on the real Postgres and Kafka of the shared global setup: a fresh
// database with the gateway's own (non-superuser) role, a random topic prefix (so suites sharing the
// broker never see each other's events) and one-partition topics (so a topic reads in send order).
import { randomBytes } from 'node:crypto';
import {
  type BusKafka,
  type EventDescriptor,
  type ReceivedEvent,
  contractTopicSpecs,
  createKafka,
  ensureTopics,
  fromKafkaMessage,
} from '@careline/bus';
import { type TopicRecord, readTopic } from '@careline/bus/testing';
import { TOPICS } from '@careline/contracts';
import { type Sealer, createLocalKeyProvider, createSealer } from '@careline/crypto';
import { loadConfig } from '@careline/runtime';
import { captureLogger } from '@careline/runtime/testing';
import { type TestDatabase, createTestDatabase } from '@careline/db/testing';
import { type GatewayApp, buildApp } from '../app';
import { configSchema } from '../config';
import { gatewayEnv } from './fixtures';

export interface TestGateway {
  app: GatewayApp;
  /** `http://127.0.0.1:<port>` */
  baseUrl: string;
  grpcAddress: string;
  /** A client on the same broker and prefix, for reading and publishing in tests. */
  kafka: BusKafka;
  /** Opens what the gateway sealed (same master key). */
  sealer: Sealer;
  logs: ReturnType<typeof captureLogger>;
  stop(): Promise<void>;
}

export interface TestInfra {
  database: TestDatabase;
  /** The gateway role's URL (not a superuser). */
  databaseUrl: string;
  kafkaBrokers: string;
  topicPrefix: string;
  kafka: BusKafka;
  /** The environment of a gateway on this infrastructure (fixtures' channels, topics pre-created). */
  env(overrides?: Record<string, string | undefined>): Record<string, string | undefined>;
}

/** A fresh database and gateway role, a random topic prefix, and the gateway's topics created. */
export async function provisionTestInfra(): Promise<TestInfra> {
  // Set by the shared global setup (libs/testing); this file is not a test file, so lint keeps it
  // off the testing library and it reads the variables itself.
  const kafkaBrokers = process.env.KAFKA_BROKERS;
  if (kafkaBrokers === undefined || kafkaBrokers === '') {
    throw new Error(
      "KAFKA_BROKERS is not set: add globalSetup '../../libs/testing/src/global-setup.ts' to vitest.config.ts",
    );
  }
  const database = await createTestDatabase();
  const role = await database.createServiceRole('gateway');
  const topicPrefix = `gw_${Date.now().toString(36)}${randomBytes(4).toString('hex')}.`;
  const kafka = createKafka({ brokers: kafkaBrokers.split(','), clientId: 'gateway-test', topicPrefix });
  await ensureTopics(
    kafka,
    contractTopicSpecs({
      consumed: [TOPICS.webhookReceived, TOPICS.outboundRequested, TOPICS.outboundResult, TOPICS.auditEvents],
      partitions: 1,
    }),
  );
  const base = gatewayEnv({
    DATABASE_URL: role.url,
    KAFKA_BROKERS: kafkaBrokers,
    KAFKA_TOPIC_PREFIX: topicPrefix,
    KAFKA_CREATE_TOPICS: 'false',
  });
  return {
    database,
    databaseUrl: role.url,
    kafkaBrokers,
    topicPrefix,
    kafka,
    env: (overrides = {}) => ({ ...base, ...overrides }),
  };
}

export async function startTestGateway(
  overrides: Record<string, string | undefined> = {},
): Promise<TestGateway> {
  const infra = await provisionTestInfra();
  const { database, kafka } = infra;
  const env = infra.env(overrides);
  const config = loadConfig(configSchema, env);
  const logs = captureLogger({ name: 'gateway', level: 'debug' });
  const app = buildApp(config, { logger: logs.logger });
  try {
    await app.lifecycle.start();
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    app,
    baseUrl: `http://127.0.0.1:${app.http.address()?.port}`,
    grpcAddress: `127.0.0.1:${app.grpc.port()}`,
    kafka,
    sealer: createSealer(createLocalKeyProvider({ masterKey: config.masterKey })),
    logs,
    async stop() {
      try {
        await app.lifecycle.stop();
      } finally {
        await database.drop();
      }
    },
  };
}

/** Reads `descriptor`'s topic from the start until `until` holds, decoding every event. */
export async function readEvents<T>(
  kafka: BusKafka,
  descriptor: EventDescriptor<T>,
  until: (events: readonly ReceivedEvent<T>[]) => boolean,
  timeoutMs = 20_000,
): Promise<ReceivedEvent<T>[]> {
  const decode = (records: readonly TopicRecord[]): ReceivedEvent<T>[] =>
    records.map((record) =>
      fromKafkaMessage(descriptor, {
        key: record.key === null ? null : Buffer.from(record.key),
        value: record.value,
        headers: record.headers,
      }),
    );
  const records = await readTopic(kafka, descriptor.topic, {
    until: (read) => until(decode(read)),
    timeoutMs,
  });
  return decode(records);
}
