// Ingest's configuration: the common Careline environment (see README.md), parsed once at start.
// A bad environment fails with one line naming each bad variable; the master key is never echoed.
import { parseMasterKey } from '@careline/crypto';
import { bool, brokers, durationMs, int, logLevel, port, secret, str, url } from '@careline/runtime';
import { z } from 'zod';

/** Kafka topic prefixes are restricted to what bus accepts, so a typo fails here, not at connect. */
const topicPrefix = z
  .string()
  .regex(/^[A-Za-z0-9._-]*$/, { message: 'may contain only letters, digits, ".", "_" and "-"' });

export const configSchema = z.object({
  LOG_LEVEL: logLevel().default('info'),
  HTTP_HOST: str().default('0.0.0.0'),
  // 0 lets tests ask the OS for a free port.
  HTTP_PORT: port({ allowZero: true }).default(8082),
  DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }),
  DATABASE_POOL_MAX: int({ min: 2, max: 200 }).default(10),
  KAFKA_BROKERS: brokers(),
  KAFKA_TOPIC_PREFIX: topicPrefix.default(''),
  KAFKA_CLIENT_ID: str().default('careline-ingest'),
  // Creates the topics ingest reads and writes (with their dead-letter companions) at start when
  // missing: convenient locally; production provisions topics itself and sets this to false.
  KAFKA_CREATE_TOPICS: bool().default(true),
  // base64 of 32 bytes; or CARELINE_MASTER_KEY_FILE naming a file that holds it. Never echoed.
  CARELINE_MASTER_KEY: secret().transform((value, ctx): Uint8Array => {
    try {
      return parseMasterKey(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be base64 of 32 bytes' });
      return z.NEVER;
    }
  }),
  SHUTDOWN_TIMEOUT: durationMs().default(10_000),
});

export type Config = z.output<typeof configSchema>;

/**
 * The consumer group. The bus prepends KAFKA_TOPIC_PREFIX on the wire (as for topics), so this is
 * the name whatever the prefix.
 */
export const CONSUMER_GROUP = 'careline-ingest';
