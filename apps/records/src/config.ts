// records' configuration: parsed once at start from the environment (see README.md for the
// table). Keys are the variable names; `transform` gives the rest of the app camelCase fields.
import { masterKeyEnv } from '@careline/crypto';
import {
  baseEnv,
  databaseEnv,
  durationMs,
  grpcEnv,
  httpEnv,
  int,
  kafkaEnv,
  str,
  url,
} from '@careline/runtime';
import { z } from 'zod';
import { DEFAULT_KEYWORDS, parseKeywords } from './domain/self-service';

// host:port, or a grpc-js target such as dns:///messaging:50051 (the api's rule)
const GRPC_TARGET = /^(?:(?:dns|ipv4|ipv6|unix):[^\s]+|[^\s:/]+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5})$/;

export const configSchema = z
  .object({
    ...baseEnv,
    ...httpEnv(8085),
    ...grpcEnv(50053),
    ...databaseEnv,
    ...kafkaEnv('careline-records'),
    CARELINE_MASTER_KEY: masterKeyEnv(),
    // Where MessagingService listens: records sends the "result ready" notice and the one-time
    // codes through it (never to Meta directly).
    MESSAGING_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50051'),
    MESSAGING_GRPC_TIMEOUT: durationMs().default(5000),
    // The public origin patients reach the release page at (what the WhatsApp template's URL
    // button points to, without the `/r/<token>` path). Form posts must come from this origin,
    // and the session cookie is `Secure` when it is https.
    RELEASE_BASE_URL: url({ protocols: ['http', 'https'] }).default('http://127.0.0.1:8085'),
    // Lifetime of a share link unless the caller asks for another (at most 14 days).
    SHARE_TTL: durationMs().default(72 * 3_600_000),
    // Failed identity checks (date of birth or code) before a share locks.
    RELEASE_MAX_ATTEMPTS: int({ min: 1, max: 20 }).default(5),
    // How long a one-time code is valid, and a verified session on the release page lasts.
    RELEASE_CODE_TTL: durationMs().default(10 * 60_000),
    RELEASE_SESSION_TTL: durationMs().default(15 * 60_000),
    // Largest document accepted (bytes). The gRPC message limit is set a little above it.
    DOCUMENT_MAX_BYTES: int({ min: 1024, max: 64 * 1024 * 1024 }).default(10 * 1024 * 1024),
    // What a patient writes to get the list of their released documents, per language:
    // `en:my results|results;es:mis resultados|resultados` (accents, case and punctuation ignored;
    // only short messages count, a longer one is a question for the care team).
    SELF_SERVICE_KEYWORDS: str()
      .default(DEFAULT_KEYWORDS)
      .transform((value, ctx) => {
        try {
          return parseKeywords(value);
        } catch (error) {
          ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : 'is invalid' });
          return z.NEVER;
        }
      }),
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
    release: {
      baseUrl: new URL(env.RELEASE_BASE_URL),
      shareTtlMs: env.SHARE_TTL,
      maxAttempts: env.RELEASE_MAX_ATTEMPTS,
      codeTtlMs: env.RELEASE_CODE_TTL,
      sessionTtlMs: env.RELEASE_SESSION_TTL,
    },
    documentMaxBytes: env.DOCUMENT_MAX_BYTES,
    selfServiceKeywords: env.SELF_SERVICE_KEYWORDS,
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;
export type ReleaseConfig = Config['release'];

/** The database schema (and, in deployments, the role) records owns. */
export const SCHEMA = 'records';

/** records' consumer group on patient.message.received.v1 (self-service in chat). */
export const CONSUMER_GROUP = 'careline-records';
