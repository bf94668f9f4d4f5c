// The gateway's configuration: parsed once at start from the environment, typed from this schema,
// failing fast with one line that names the variable (never a secret's value). Every `<VAR>` may
// also come from the file named by `<VAR>_FILE` (runtime's loadConfig), which is how
// `GATEWAY_CHANNELS_FILE`, `CARELINE_MASTER_KEY_FILE` and `WHATSAPP_VERIFY_TOKEN_FILE` work.
import { parseMasterKey } from '@careline/crypto';
import { bool, brokers, durationMs, int, logLevel, port, secret, str, url } from '@careline/runtime';
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
    LOG_LEVEL: logLevel().default('info'),
    HTTP_HOST: str().default('0.0.0.0'),
    HTTP_PORT: port({ allowZero: true }).default(8081),
    GRPC_HOST: str().default('0.0.0.0'),
    GRPC_PORT: port({ allowZero: true }).default(50055),
    DATABASE_URL: url({ protocols: ['postgres', 'postgresql'] }),
    DATABASE_POOL_MAX: int({ min: 2, max: 200 }).default(10),
    KAFKA_BROKERS: brokers(),
    KAFKA_TOPIC_PREFIX: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'may contain only letters, digits, ".", "_" and "-"' })
      .default(''),
    KAFKA_CLIENT_ID: str().default('careline-gateway'),
    /** Create the gateway's topics (and `.dlq`) at start when missing; production provisions them. */
    KAFKA_CREATE_TOPICS: bool().default(true),
    KAFKA_PUBLISH_TIMEOUT_MS: durationMs().default(5_000),
    // Checked here so that a bad key stops the start with the variable's name (never its value).
    CARELINE_MASTER_KEY: secret().refine(isMasterKey, { error: 'must be 32 bytes of base64' }),
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
    SHUTDOWN_TIMEOUT_MS: durationMs().default(10_000),
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
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
  }));

export type Config = z.output<typeof configSchema>;

function isMasterKey(value: string): boolean {
  try {
    parseMasterKey(value);
    return true;
  } catch {
    return false;
  }
}
