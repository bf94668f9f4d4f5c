// The gateway's configuration: parsed once at start from the environment, typed from this schema,
// failing fast with one line that names the variable (never a secret's value). Every `<VAR>` may
// also come from the file named by `<VAR>_FILE` (runtime's loadConfig), which is how
// `GATEWAY_CHANNELS_FILE`, `CARELINE_MASTER_KEY_FILE` and `WHATSAPP_VERIFY_TOKEN_FILE` work.
import { masterKeyEnv } from '@careline/crypto';
import { baseEnv, databaseEnv, durationMs, grpcEnv, httpEnv, int, kafkaEnv, secret, url } from '@careline/runtime';
import { z } from 'zod';
import { type Channel, parseChannels } from './channels/registry';

/** Meta's webhook payloads go up to 3 MB; a little headroom above it. */
export const DEFAULT_WEBHOOK_MAX_BYTES = 3_670_016; // 3.5 MiB

const channels = secret().transform((text, ctx): Channel[] => {
  const parsed = parseChannels(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: 'custom', message: parsed.problem });
    return z.NEVER;
  }
  return parsed.channels;
});

export const configSchema = z
  .object({
    ...baseEnv,
    ...httpEnv(8081),
    ...grpcEnv(50055),
    ...databaseEnv,
    ...kafkaEnv('careline-gateway'),
    KAFKA_PUBLISH_TIMEOUT_MS: durationMs().default(5_000),
    CARELINE_MASTER_KEY: masterKeyEnv(),
    WHATSAPP_VERIFY_TOKEN: secret(),
    GRAPH_BASE_URL: url({ protocols: ['http', 'https'] }).default('https://graph.facebook.com'),
    GRAPH_API_VERSION: z
      .string()
      .regex(/^v[0-9]{1,3}\.[0-9]{1,2}$/, { error: 'must look like v23.0' })
      .default('v23.0'),
    GRAPH_TIMEOUT_MS: durationMs().default(10_000),
    GATEWAY_CHANNELS: channels,
    WEBHOOK_MAX_BYTES: int({ min: 1024, max: 64 * 1024 * 1024 }).default(DEFAULT_WEBHOOK_MAX_BYTES),
    /** Graph calls per send command, the first included (retryable errors only). */
    OUTBOUND_MAX_ATTEMPTS: int({ min: 1, max: 10 }).default(4),
    OUTBOUND_RETRY_BASE_MS: durationMs().default(500),
    OUTBOUND_RETRY_MAX_MS: durationMs().default(8_000),
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
      ensureTopics: env.KAFKA_CREATE_TOPICS,
      publishTimeoutMs: env.KAFKA_PUBLISH_TIMEOUT_MS,
    },
    masterKey: env.CARELINE_MASTER_KEY,
    verifyToken: env.WHATSAPP_VERIFY_TOKEN,
    graph: { baseUrl: env.GRAPH_BASE_URL, version: env.GRAPH_API_VERSION, timeoutMs: env.GRAPH_TIMEOUT_MS },
    channels: env.GATEWAY_CHANNELS,
    webhookMaxBytes: env.WEBHOOK_MAX_BYTES,
    outbound: {
      maxAttempts: env.OUTBOUND_MAX_ATTEMPTS,
      retryBaseMs: env.OUTBOUND_RETRY_BASE_MS,
      retryMaxMs: env.OUTBOUND_RETRY_MAX_MS,
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;
