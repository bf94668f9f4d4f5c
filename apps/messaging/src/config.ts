// messaging's configuration: parsed once at start from the environment (see README.md for the
// table). Keys are the variable names; `transform` gives the rest of the app camelCase fields.
import { parseMasterKey } from '@careline/crypto';
import { bool, brokers, durationMs, int, logLevel, port, secret, str, url } from '@careline/runtime';
import { z } from 'zod';

function isMasterKey(value: string): boolean {
  try {
    parseMasterKey(value);
    return true;
  } catch {
    return false;
  }
}

const topicPrefix = z
  .string()
  .regex(/^[A-Za-z0-9._-]*$/, { message: 'may contain only letters, digits, ".", "_" and "-"' });

export const configSchema = z
  .object({
    LOG_LEVEL: logLevel().default('info'),
    HTTP_HOST: str().default('0.0.0.0'),
    HTTP_PORT: port({ allowZero: true }).default(8083),
    GRPC_HOST: str().default('0.0.0.0'),
    GRPC_PORT: port({ allowZero: true }).default(50051),
    DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }),
    DATABASE_POOL_MAX: int({ min: 2, max: 200 }).default(10),
    KAFKA_BROKERS: brokers(),
    KAFKA_TOPIC_PREFIX: topicPrefix.default(''),
    KAFKA_CLIENT_ID: str().default('careline-messaging'),
    KAFKA_CREATE_TOPICS: bool().default(true),
    // or CARELINE_MASTER_KEY_FILE; checked here so that a bad key fails at start naming the variable
    CARELINE_MASTER_KEY: secret().refine(isMasterKey, { message: 'must be 32 bytes, base64-encoded' }),
    SHUTDOWN_TIMEOUT: durationMs().default(10_000),
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
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;

/** The consumer group on every topic messaging reads (the bus prepends the topic prefix on the wire). */
export const CONSUMER_GROUP = 'careline-messaging';

/** The database schema (and, in deployments, the role) messaging owns. */
export const SCHEMA = 'messaging';
