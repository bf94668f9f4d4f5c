// scheduling's configuration: parsed once at start from the environment (see README.md for the
// table). Keys are the variable names; `transform` gives the rest of the app camelCase fields.
import { masterKeyEnv } from '@careline/crypto';
import { baseEnv, databaseEnv, durationMs, grpcEnv, httpEnv, int, kafkaEnv, str } from '@careline/runtime';
import { z } from 'zod';

export const configSchema = z
  .object({
    ...baseEnv,
    ...httpEnv(8084),
    ...grpcEnv(50052),
    ...databaseEnv,
    ...kafkaEnv('careline-scheduling'),
    CARELINE_MASTER_KEY: masterKeyEnv(),
    /** messaging's gRPC address (SendTemplate / SendInteractive). */
    MESSAGING_GRPC_URL: str().default('127.0.0.1:50051'),
    MESSAGING_GRPC_TIMEOUT: durationMs().default(5000),
    /** How often the reminder clock looks for due timers (reminders, no-show checks) and the sender for send requests. */
    REMINDER_TICK: durationMs().default(1000),
    /** Reminders claimed per transaction: small, so a tick holds its row locks briefly. */
    REMINDER_BATCH_SIZE: int({ min: 1, max: 1000 }).default(100),
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
    messaging: { target: env.MESSAGING_GRPC_URL.trim(), timeoutMs: env.MESSAGING_GRPC_TIMEOUT },
    reminders: { tickMs: env.REMINDER_TICK, batchSize: env.REMINDER_BATCH_SIZE },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;

/** The consumer group on every topic scheduling reads (the bus prepends the topic prefix on the wire). */
export const CONSUMER_GROUP = 'careline-scheduling';

/** The database schema (and, in deployments, the role) scheduling owns. */
export const SCHEMA = 'scheduling';
