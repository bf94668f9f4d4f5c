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
    // Optional bootstrap, upserted into the channel registry table at start.
    GATEWAY_CHANNELS: channels.optional(),
    // The poll that backs up LISTEN/NOTIFY between gateway instances (worst-case staleness).
    CHANNEL_REGISTRY_REFRESH_MS: durationMs().default(5_000),
    WEBHOOK_MAX_BYTES: int({ min: 1024, max: 64 * 1024 * 1024 }).default(DEFAULT_WEBHOOK_MAX_BYTES),
    /** Graph calls per send command, the first included (retryable errors only). */
    OUTBOUND_MAX_ATTEMPTS: int({ min: 1, max: 10 }).default(4),
    OUTBOUND_RETRY_BASE_MS: durationMs().default(500),
    OUTBOUND_RETRY_MAX_MS: durationMs().default(8_000),
    /** Each sending number's throughput cap at Meta (80 by default; 1,000 after Meta's upgrade). */
    GATEWAY_THROUGHPUT_MPS: int({ min: 1, max: 1000 }).default(80),
    /** The percentage of that cap this instance may use (README, "Limits and replicas"). */
    GATEWAY_THROUGHPUT_SHARE_PERCENT: int({ min: 1, max: 100 }).default(100),
    /** Meta's pair rate: one message per this interval to one recipient… */
    GATEWAY_PAIR_INTERVAL_MS: durationMs().default(6_000),
    /** …with bursts of up to this many. */
    GATEWAY_PAIR_BURST: int({ min: 1, max: 1000 }).default(45),
    /** Partitions of `wa.outbound.requested.v1` sent from at once (one command at a time in each). */
    OUTBOUND_PARTITIONS_CONCURRENTLY: int({ min: 1, max: 64 }).default(4),
    /**
     * Commands of one partition (one sending number) sent at once, to different recipients; each
     * recipient's commands stay in order. 1 keeps the default pool (10) enough for the defaults.
     */
    OUTBOUND_IN_PARTITION_CONCURRENCY: int({ min: 1, max: 64 }).default(1),
  })
  .superRefine((env, ctx) => {
    // A command in flight holds its consumer transaction and, around the Graph call, a second
    // connection for the send ledger; the outbox relay holds one more.
    const needed = 2 * env.OUTBOUND_PARTITIONS_CONCURRENTLY * env.OUTBOUND_IN_PARTITION_CONCURRENCY + 1;
    if (env.DATABASE_POOL_MAX < needed) {
      ctx.addIssue({
        code: 'custom',
        path: ['DATABASE_POOL_MAX'],
        message: `must be at least ${needed} (2 × OUTBOUND_PARTITIONS_CONCURRENTLY × OUTBOUND_IN_PARTITION_CONCURRENCY + 1)`,
      });
    }
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
    channels: env.GATEWAY_CHANNELS ?? [],
    channelRegistryRefreshMs: env.CHANNEL_REGISTRY_REFRESH_MS,
    webhookMaxBytes: env.WEBHOOK_MAX_BYTES,
    outbound: {
      maxAttempts: env.OUTBOUND_MAX_ATTEMPTS,
      retryBaseMs: env.OUTBOUND_RETRY_BASE_MS,
      retryMaxMs: env.OUTBOUND_RETRY_MAX_MS,
      partitionsConcurrently: env.OUTBOUND_PARTITIONS_CONCURRENTLY,
      inPartitionConcurrency: env.OUTBOUND_IN_PARTITION_CONCURRENCY,
      throughputMps: env.GATEWAY_THROUGHPUT_MPS,
      throughputSharePercent: env.GATEWAY_THROUGHPUT_SHARE_PERCENT,
      pair: { intervalMs: env.GATEWAY_PAIR_INTERVAL_MS, burst: env.GATEWAY_PAIR_BURST },
    },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
  }));

export type Config = z.output<typeof configSchema>;
