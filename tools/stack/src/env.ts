// The environment of each process: exactly the contract of /docs (LOG_LEVEL, HTTP_*, GRPC_*,
// DATABASE_URL, KAFKA_*, CARELINE_MASTER_KEY_FILE) plus each app's own variables. Variables the
// launcher's own environment might carry and that would change an app's behaviour (a stray
// CARELINE_MASTER_KEY next to the _FILE variant is a start-up error) are removed explicitly.
import type { DatabaseService } from './database';
import type { StackPorts } from './ports';
import type { StackSeed } from './seed';
import type { StateFiles } from './state';

export const APP_NAMES = ['wa-simulator', 'gateway', 'ingest', 'messaging', 'scheduling', 'records', 'audit', 'api', 'console'] as const;
export type AppName = (typeof APP_NAMES)[number];

/** `undefined` removes a variable the parent process has. */
export type ProcessEnv = Record<string, string | undefined>;

export interface EnvContext {
  host: string;
  ports: StackPorts;
  logLevel: string;
  kafkaBrokers: string;
  topicPrefix: string;
  serviceUrls: Record<DatabaseService, string>;
  files: StateFiles;
  seed: StackSeed;
  graphApiVersion: string;
  authAudience: string;
}

/** Set by the parent shell or vitest, read by some libraries: never inherited by an app. */
const SCRUBBED = [
  'DATABASE_URL',
  'KAFKA_BROKERS',
  'KAFKA_TOPIC_PREFIX',
  'CARELINE_MASTER_KEY',
  'CARELINE_MASTER_KEY_FILE',
  'AUDIT_SIGNING_KEY',
  'AUDIT_SIGNING_KEY_FILE',
  'GATEWAY_CHANNELS',
  'WHATSAPP_VERIFY_TOKEN',
  'WHATSAPP_VERIFY_TOKEN_FILE',
  'CARELINE_AUTH_ISSUER',
  'CARELINE_AUTH_JWKS_URL',
  'NODE_ENV',
  'NODE_OPTIONS',
];

function scrubbed(): ProcessEnv {
  return Object.fromEntries(SCRUBBED.map((key) => [key, undefined]));
}

export function urlOf(host: string, port: number): string {
  return `http://${host}:${port}`;
}

function common(ctx: EnvContext, httpPort: number): ProcessEnv {
  return {
    ...scrubbed(),
    LOG_LEVEL: ctx.logLevel,
    HTTP_HOST: ctx.host,
    HTTP_PORT: String(httpPort),
  };
}

function kafka(ctx: EnvContext): ProcessEnv {
  return {
    KAFKA_BROKERS: ctx.kafkaBrokers,
    // unset rather than empty: an empty prefix is the default everywhere
    KAFKA_TOPIC_PREFIX: ctx.topicPrefix === '' ? undefined : ctx.topicPrefix,
    CARELINE_MASTER_KEY_FILE: ctx.files.masterKey,
  };
}

export function appEnv(app: AppName, ctx: EnvContext): ProcessEnv {
  const { ports, host } = ctx;
  switch (app) {
    case 'wa-simulator':
      return {
        ...scrubbed(),
        WA_SIM_HOST: host,
        WA_SIM_PORT: String(ports.simulator),
        WA_SIM_LOG_LEVEL: ctx.logLevel,
        WA_SIM_BUSINESSES_FILE: ctx.files.simulatorBusinesses,
      };
    case 'gateway':
      return {
        ...common(ctx, ports.gateway),
        ...kafka(ctx),
        GRPC_HOST: host,
        GRPC_PORT: String(ports.gatewayGrpc),
        DATABASE_URL: ctx.serviceUrls.gateway,
        WHATSAPP_VERIFY_TOKEN: ctx.seed.whatsapp.verifyToken,
        GRAPH_BASE_URL: urlOf(host, ports.simulator),
        GRAPH_API_VERSION: ctx.graphApiVersion,
        GATEWAY_CHANNELS_FILE: ctx.files.channels,
      };
    case 'ingest':
      return { ...common(ctx, ports.ingest), ...kafka(ctx), DATABASE_URL: ctx.serviceUrls.ingest };
    case 'messaging':
      return {
        ...common(ctx, ports.messaging),
        ...kafka(ctx),
        GRPC_HOST: host,
        GRPC_PORT: String(ports.messagingGrpc),
        DATABASE_URL: ctx.serviceUrls.messaging,
        // the gateway's WabaTemplateService: the template registry's source
        GATEWAY_GRPC_URL: `${host}:${ports.gatewayGrpc}`,
      };
    case 'scheduling':
      return {
        ...common(ctx, ports.scheduling),
        ...kafka(ctx),
        GRPC_HOST: host,
        GRPC_PORT: String(ports.schedulingGrpc),
        DATABASE_URL: ctx.serviceUrls.scheduling,
        // reminders and answers to patients go out through messaging's SendTemplate/SendInteractive
        MESSAGING_GRPC_URL: `${host}:${ports.messagingGrpc}`,
      };
    case 'records':
      return {
        ...common(ctx, ports.records),
        ...kafka(ctx),
        GRPC_HOST: host,
        GRPC_PORT: String(ports.recordsGrpc),
        DATABASE_URL: ctx.serviceUrls.records,
        // the result notice and one-time codes go out through messaging's SendTemplate
        MESSAGING_GRPC_URL: `${host}:${ports.messagingGrpc}`,
        // the patient-facing release page is records' own HTTP port
        RELEASE_BASE_URL: urlOf(host, ports.records),
      };
    case 'audit':
      return {
        ...common(ctx, ports.audit),
        ...kafka(ctx),
        GRPC_HOST: host,
        GRPC_PORT: String(ports.auditGrpc),
        DATABASE_URL: ctx.serviceUrls.audit,
        AUDIT_SIGNING_KEY_FILE: ctx.files.auditSigningKey,
      };
    case 'api':
      return {
        ...common(ctx, ports.api),
        // sign-ins and refusals go to audit.events.v1; api needs no master key
        KAFKA_BROKERS: ctx.kafkaBrokers,
        KAFKA_TOPIC_PREFIX: ctx.topicPrefix === '' ? undefined : ctx.topicPrefix,
        MESSAGING_GRPC_URL: `${host}:${ports.messagingGrpc}`,
        GATEWAY_GRPC_URL: `${host}:${ports.gatewayGrpc}`,
        AUDIT_GRPC_URL: `${host}:${ports.auditGrpc}`,
        // patients, documents, shares, FHIR (/v1/patients, /v1/documents, /v1/fhir)
        RECORDS_GRPC_URL: `${host}:${ports.recordsGrpc}`,
        // the tenant's reminder policy (/v1/admin/reminder-policy)
        SCHEDULING_GRPC_URL: `${host}:${ports.schedulingGrpc}`,
        CARELINE_AUTH_AUDIENCE: ctx.authAudience,
        // Development sign-in only: the api's own issuer, its key kept in the state dir.
        CARELINE_DEV_AUTH: 'true',
        CARELINE_DEV_AUTH_KEY_FILE: ctx.files.devAuthKey,
        // the console's pages call the api from the browser: its origin(s) only
        CORS_ORIGINS: consoleOrigins(host, ports.console).join(','),
      };
    case 'console':
      return {
        ...common(ctx, ports.console),
        CONSOLE_API_URL: urlOf(host, ports.api),
        // the development sign-in form, pre-filled with the demo hospital
        CONSOLE_DEV_SIGN_IN: 'true',
        CONSOLE_DEV_TENANT_ID: ctx.seed.tenant.id,
      };
  }
}

/**
 * The origins a browser shows the console under. On loopback both spellings are common (the
 * banner prints 127.0.0.1, people type localhost), and CORS compares origins as strings.
 */
export function consoleOrigins(host: string, port: number): string[] {
  const origins = [urlOf(host, port)];
  if (host === '127.0.0.1') origins.push(urlOf('localhost', port));
  return origins;
}
