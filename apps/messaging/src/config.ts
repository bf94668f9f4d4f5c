// messaging's configuration: parsed once at start from the environment (see README.md for the
// table). Keys are the variable names; `transform` gives the rest of the app camelCase fields.
import { masterKeyEnv } from '@careline/crypto';
import { baseEnv, databaseEnv, durationMs, grpcEnv, httpEnv, kafkaEnv } from '@careline/runtime';
import { z } from 'zod';

export const configSchema = z
  .object({
    ...baseEnv,
    ...httpEnv(8083),
    ...grpcEnv(50051),
    ...databaseEnv,
    ...kafkaEnv('careline-messaging'),
    CARELINE_MASTER_KEY: masterKeyEnv(),
    // The gateway's WabaTemplateService (Meta's templates; messaging never calls Meta itself).
    GATEWAY_GRPC_URL: z
      .string()
      .trim()
      .regex(/^(dns:\/\/\/)?[A-Za-z0-9.-]+:[0-9]{1,5}$/, { error: 'must be host:port (or dns:///host:port)' })
      .default('127.0.0.1:50055'),
    GATEWAY_GRPC_TIMEOUT: durationMs().default(10_000),
  })
  .transform((env) => ({
    logLevel: env.LOG_LEVEL,
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    grpc: { host: env.GRPC_HOST, port: env.GRPC_PORT },
    database: { url: env.DATABASE_URL, poolMax: env.DATABASE_POOL_MAX },
    kafka: {
      brokers: env.KAFKA_BROKERS,
      topicPrefix: env.KAFKA_TOPIC_PREFIX,
      clientId: env.KAFKA_CLIENT_ID,
      createTopics: env.KAFKA_CREATE_TOPICS,
    },
    masterKey: env.CARELINE_MASTER_KEY,
    gateway: { target: env.GATEWAY_GRPC_URL, timeoutMs: env.GATEWAY_GRPC_TIMEOUT },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;

/** The consumer group on every topic messaging reads (the bus prepends the topic prefix on the wire). */
export const CONSUMER_GROUP = 'careline-messaging';

/** The database schema (and, in deployments, the role) messaging owns. */
export const SCHEMA = 'messaging';
