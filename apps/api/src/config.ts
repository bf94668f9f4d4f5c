// The api's configuration: the environment contract of every app (minus database and Kafka: api
// keeps no state), where messaging's and audit's gRPC servers are, and who may call (an OIDC provider, and/or
// the local development issuer that is off unless CARELINE_DEV_AUTH=true says otherwise).
import { z } from 'zod';
import { bool, durationMs, kafkaEnv, list, logLevel, port, str, url } from '@careline/runtime';

/** `host:port` (or any grpc-js target such as `dns:///host:port`): no scheme, no whitespace. */
const GRPC_TARGET = /^(?:(?:dns|ipv4|ipv6|unix):[^\s]+|[^\s:/]+:\d{1,5}|\[[0-9a-fA-F:.]+\]:\d{1,5})$/;

export const configSchema = z
  .object({
    LOG_LEVEL: logLevel().default('info'),
    HTTP_HOST: str().default('0.0.0.0'),
    HTTP_PORT: port({ allowZero: true }).default(8080),
    SHUTDOWN_TIMEOUT: durationMs().default(10_000),
    MESSAGING_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50051'),
    // Bounds every call to messaging: a slow service answers 503 rather than holding the request.
    MESSAGING_GRPC_TIMEOUT: durationMs().default(5000),
    // The gateway's ChannelService: onboarding of WhatsApp numbers (/v1/admin/channels).
    GATEWAY_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50055'),
    GATEWAY_GRPC_TIMEOUT: durationMs().default(5000),
    AUDIT_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50054'),
    AUDIT_GRPC_TIMEOUT: durationMs().default(5000),
    // A whole export (or verification) of a tenant's chain: long chains stream for a while.
    AUDIT_EXPORT_TIMEOUT: durationMs().default(600_000),
    // records' RecordsService: patients, consent, documents, shares, FHIR (/v1/patients, /v1/documents, /v1/fhir …)
    RECORDS_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50053'),
    // an upload or a download carries a whole document in one call: more than a query's budget
    RECORDS_GRPC_TIMEOUT: durationMs().default(30_000),
    // scheduling's SchedulingService: the tenant's reminder policy (/v1/admin/reminder-policy).
    SCHEDULING_GRPC_URL: str()
      .refine((value) => GRPC_TARGET.test(value.trim()), {
        message: 'must be host:port (or a grpc target like dns:///host:port)',
      })
      .default('127.0.0.1:50052'),
    SCHEDULING_GRPC_TIMEOUT: durationMs().default(5000),
    // Largest document upload (records has its own limit, 10 MiB by default: keep them equal).
    DOCUMENT_MAX_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(10 * 1024 * 1024),
    // sign-ins, failed sign-ins and refusals go to audit.events.v1 (see auth/access-audit.ts)
    ...kafkaEnv('careline-api'),
    CARELINE_AUTH_ISSUER: str().optional(),
    CARELINE_AUTH_AUDIENCE: str().default('careline-api'),
    CARELINE_AUTH_JWKS_URL: url({ protocols: ['https', 'http'] }).optional(),
    CARELINE_DEV_AUTH: bool().default(false),
    // A name no real provider uses, so a production verifier never accepts a dev token.
    CARELINE_DEV_AUTH_ISSUER: str().default('careline-dev'),
    CARELINE_DEV_AUTH_KEY_FILE: str().optional(),
    // The console's origin(s), exactly as the browser sends them; none by default.
    CORS_ORIGINS: list()
      .refine((origins) => origins.every(isOrigin), {
        message: 'must list origins like https://console.example.org (scheme, host, optional port)',
      })
      .optional(),
  })
  .superRefine((env, ctx) => {
    const issuer = env.CARELINE_AUTH_ISSUER;
    const jwks = env.CARELINE_AUTH_JWKS_URL;
    // Issues on an unset variable read "<VAR> is required" (loadConfig's wording).
    if (issuer !== undefined && jwks === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CARELINE_AUTH_JWKS_URL'],
        message: 'is required with CARELINE_AUTH_ISSUER',
      });
    }
    if (jwks !== undefined && issuer === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['CARELINE_AUTH_ISSUER'],
        message: 'is required with CARELINE_AUTH_JWKS_URL',
      });
    }
    if (issuer === undefined && jwks === undefined && !env.CARELINE_DEV_AUTH) {
      // Without an issuer nobody could ever sign in: say so at start rather than 401 forever.
      ctx.addIssue({
        code: 'custom',
        path: [],
        message:
          'set CARELINE_AUTH_ISSUER and CARELINE_AUTH_JWKS_URL (an OIDC provider), or CARELINE_DEV_AUTH=true',
      });
    }
    if (env.CARELINE_DEV_AUTH && issuer !== undefined && issuer === env.CARELINE_DEV_AUTH_ISSUER) {
      ctx.addIssue({
        code: 'custom',
        path: ['CARELINE_DEV_AUTH_ISSUER'],
        message: 'must differ from CARELINE_AUTH_ISSUER',
      });
    }
  })
  .transform((env) => ({
    logLevel: env.LOG_LEVEL,
    http: { host: env.HTTP_HOST, port: env.HTTP_PORT },
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT,
    messaging: { target: env.MESSAGING_GRPC_URL.trim(), timeoutMs: env.MESSAGING_GRPC_TIMEOUT },
    gateway: { target: env.GATEWAY_GRPC_URL.trim(), timeoutMs: env.GATEWAY_GRPC_TIMEOUT },
    audit: {
      target: env.AUDIT_GRPC_URL.trim(),
      timeoutMs: env.AUDIT_GRPC_TIMEOUT,
      exportTimeoutMs: env.AUDIT_EXPORT_TIMEOUT,
    },
    records: {
      target: env.RECORDS_GRPC_URL.trim(),
      timeoutMs: env.RECORDS_GRPC_TIMEOUT,
      // room for the protobuf framing around the largest document
      maxMessageBytes: env.DOCUMENT_MAX_BYTES + 64 * 1024,
      maxDocumentBytes: env.DOCUMENT_MAX_BYTES,
    },
    scheduling: { target: env.SCHEDULING_GRPC_URL.trim(), timeoutMs: env.SCHEDULING_GRPC_TIMEOUT },
    auth: {
      audience: env.CARELINE_AUTH_AUDIENCE,
      external:
        env.CARELINE_AUTH_ISSUER !== undefined && env.CARELINE_AUTH_JWKS_URL !== undefined
          ? { issuer: env.CARELINE_AUTH_ISSUER, jwksUrl: env.CARELINE_AUTH_JWKS_URL }
          : undefined,
      dev: env.CARELINE_DEV_AUTH
        ? { issuer: env.CARELINE_DEV_AUTH_ISSUER, keyFile: env.CARELINE_DEV_AUTH_KEY_FILE }
        : undefined,
    },
    corsOrigins: env.CORS_ORIGINS ?? [],
    kafka: { brokers: env.KAFKA_BROKERS, topicPrefix: env.KAFKA_TOPIC_PREFIX, clientId: env.KAFKA_CLIENT_ID },
  }));

export type Config = z.output<typeof configSchema>;

function isOrigin(value: string): boolean {
  try {
    const parsed = new URL(value);
    return (parsed.protocol === 'https:' || parsed.protocol === 'http:') && parsed.origin === value;
  } catch {
    return false;
  }
}
