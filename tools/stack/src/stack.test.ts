import { TOPIC_PROVISIONING } from '@careline/contracts';
import { describe, expect, it } from 'vitest';
import { serviceRolePassword } from './database';
import { APP_NAMES, type EnvContext, appEnv } from './env';
import { DEFAULT_PORTS } from './ports';
import { generateSeed } from './seed';
import { assertBundles } from './stack';
import { gatewayChannels, simulatorBusinesses } from './state';
import { topicSpecs } from './topics';

const seed = generateSeed();
const ctx: EnvContext = {
  host: '127.0.0.1',
  ports: { ...DEFAULT_PORTS },
  logLevel: 'warn',
  kafkaBrokers: '127.0.0.1:9092',
  topicPrefix: 'e2e_x.',
  serviceUrls: {
    gateway: 'postgres://gateway:pw@127.0.0.1:5432/db',
    ingest: 'postgres://ingest:pw@127.0.0.1:5432/db',
    messaging: 'postgres://messaging:pw@127.0.0.1:5432/db',
    scheduling: 'postgres://scheduling:pw@127.0.0.1:5432/db',
    records: 'postgres://records:pw@127.0.0.1:5432/db',
    audit: 'postgres://audit:pw@127.0.0.1:5432/db',
  },
  files: {
    dir: '/s',
    channels: '/s/ch.json',
    simulatorBusinesses: '/s/sim.json',
    masterKey: '/s/master.key',
    devAuthKey: '/s/dev.json',
    auditSigningKey: '/s/audit-signing-key.pem',
    auditPublicKey: '/s/audit-public-key.pem',
  },
  seed,
  graphApiVersion: 'v21.0',
  authAudience: 'careline-api',
};

describe('appEnv', () => {
  it('gives each service its own database role, never the admin URL the launcher was given', () => {
    expect(appEnv('gateway', ctx).DATABASE_URL).toBe(ctx.serviceUrls.gateway);
    expect(appEnv('ingest', ctx).DATABASE_URL).toBe(ctx.serviceUrls.ingest);
    expect(appEnv('messaging', ctx).DATABASE_URL).toBe(ctx.serviceUrls.messaging);
    // api and the simulator keep no database: an inherited admin URL is removed
    expect(appEnv('api', ctx)).toHaveProperty('DATABASE_URL', undefined);
    expect(appEnv('wa-simulator', ctx)).toHaveProperty('DATABASE_URL', undefined);
  });

  it('wires the gateway to the simulator as Meta, and the api to messaging', () => {
    const gateway = appEnv('gateway', ctx);
    expect(gateway.GRAPH_BASE_URL).toBe('http://127.0.0.1:8090');
    expect(gateway.WHATSAPP_VERIFY_TOKEN).toBe(seed.whatsapp.verifyToken);
    expect(gateway.GATEWAY_CHANNELS_FILE).toBe('/s/ch.json');
    expect(gateway.GRPC_PORT).toBe('50055');
    expect(appEnv('api', ctx).MESSAGING_GRPC_URL).toBe('127.0.0.1:50051');
    expect(appEnv('api', ctx).CARELINE_DEV_AUTH).toBe('true');
  });

  it('passes the master key as a file and removes a stray inline key (both set is a start-up error)', () => {
    for (const app of ['gateway', 'ingest', 'messaging'] as const) {
      const env = appEnv(app, ctx);
      expect(env.CARELINE_MASTER_KEY_FILE).toBe('/s/master.key');
      expect(env).toHaveProperty('CARELINE_MASTER_KEY', undefined);
      expect(env.KAFKA_TOPIC_PREFIX).toBe('e2e_x.');
    }
  });

  it('gives audit its own role, the Kafka contract and its signing key as a file', () => {
    const audit = appEnv('audit', ctx);
    expect(audit.DATABASE_URL).toBe(ctx.serviceUrls.audit);
    expect(audit.HTTP_PORT).toBe('8086');
    expect(audit.AUDIT_SIGNING_KEY_FILE).toBe('/s/audit-signing-key.pem');
    expect(audit).toHaveProperty('AUDIT_SIGNING_KEY', undefined);
    expect(audit.KAFKA_TOPIC_PREFIX).toBe('e2e_x.');
    // AuditService on its own gRPC port, and the api told where it is
    expect(audit.GRPC_PORT).toBe('50054');
    expect(appEnv('api', ctx).AUDIT_GRPC_URL).toBe(`${ctx.host}:50054`);
  });

  it('gives records its own role, the master key, messaging for its templates and the release page origin', () => {
    const records = appEnv('records', ctx);
    expect(records.DATABASE_URL).toBe(ctx.serviceUrls.records);
    expect(records.HTTP_PORT).toBe('8085');
    expect(records.GRPC_PORT).toBe('50053');
    expect(records.CARELINE_MASTER_KEY_FILE).toBe('/s/master.key');
    expect(records).toHaveProperty('CARELINE_MASTER_KEY', undefined);
    expect(records.MESSAGING_GRPC_URL).toBe('127.0.0.1:50051');
    expect(records.RELEASE_BASE_URL).toBe('http://127.0.0.1:8085');
    expect(records.KAFKA_TOPIC_PREFIX).toBe('e2e_x.');
  });

  it('points the console at the api and lets only the console origin call the api from a browser', () => {
    const consoleEnv = appEnv('console', ctx);
    expect(consoleEnv.HTTP_PORT).toBe('8087');
    expect(consoleEnv.CONSOLE_API_URL).toBe('http://127.0.0.1:8080');
    expect(consoleEnv.CONSOLE_DEV_SIGN_IN).toBe('true');
    expect(consoleEnv.CONSOLE_DEV_TENANT_ID).toBe(seed.tenant.id);
    // no database, no Kafka, no keys: it serves files
    expect(consoleEnv).toHaveProperty('DATABASE_URL', undefined);
    expect(consoleEnv).toHaveProperty('KAFKA_BROKERS', undefined);
    expect(appEnv('api', ctx).CORS_ORIGINS).toBe('http://127.0.0.1:8087,http://localhost:8087');
    expect(appEnv('api', { ...ctx, host: '10.1.2.3' }).CORS_ORIGINS).toBe('http://10.1.2.3:8087');
  });

  it('leaves KAFKA_TOPIC_PREFIX unset for the empty prefix', () => {
    expect(appEnv('ingest', { ...ctx, topicPrefix: '' })).toHaveProperty('KAFKA_TOPIC_PREFIX', undefined);
  });

  it('puts every process on its own port', () => {
    const ports = APP_NAMES.map((app) => appEnv(app, ctx)).map((env) => env.HTTP_PORT ?? env.WA_SIM_PORT);
    expect(new Set(ports).size).toBe(APP_NAMES.length);
  });
});

describe('state files', () => {
  it('gives the gateway and the simulator the same number, token and app secret', () => {
    const [channel] = gatewayChannels(seed);
    const [business] = simulatorBusinesses(seed, 'http://127.0.0.1:8081/webhooks/whatsapp');
    expect(channel?.tenant_id).toBe(seed.tenant.id);
    for (const key of [
      'phone_number_id',
      'display_phone_number',
      'waba_id',
      'access_token',
      'app_secret',
    ] as const) {
      expect(business?.[key]).toBe(channel?.[key]);
    }
    expect(business?.verify_token).toBe(seed.whatsapp.verifyToken);
  });
});

describe('seed', () => {
  it('makes different ids and credentials each time', () => {
    const other = generateSeed();
    expect(other.tenant.id).not.toBe(seed.tenant.id);
    expect(other.whatsapp.appSecret).not.toBe(seed.whatsapp.appSecret);
    expect(other.whatsapp.phoneNumberId).toMatch(/^[1-9][0-9]{14}$/);
  });
});

describe('topics', () => {
  it('provisions every contract topic with its dead-letter companion', () => {
    const specs = topicSpecs();
    const names = specs.flatMap((spec) => [spec.topic, `${spec.topic}.dlq`]).sort();
    expect(names).toEqual(TOPIC_PROVISIONING.map((entry) => entry.topic).sort());
    expect(specs.every((spec) => spec.dlq === true)).toBe(true);
    expect(topicSpecs(3).every((spec) => spec.numPartitions === 3 && spec.dlqPartitions === 1)).toBe(true);
  });
});

describe('service role passwords', () => {
  it('are the same for every stack of one server, and differ per role and server', () => {
    const url = 'postgres://postgres@127.0.0.1:5432/postgres';
    expect(serviceRolePassword(url, 'gateway')).toBe(serviceRolePassword(url, 'gateway'));
    expect(serviceRolePassword(url, 'gateway')).not.toBe(serviceRolePassword(url, 'ingest'));
    expect(serviceRolePassword(url, 'gateway')).not.toBe(
      serviceRolePassword('postgres://postgres@db:5432/postgres', 'gateway'),
    );
  });
});

describe('bundles', () => {
  it('names the missing bundles and the build command', () => {
    expect(() => assertBundles(['gateway', 'api'], '/nonexistent/dist')).toThrow(
      /missing app bundles .*gateway\/main\.js, .*api\/main\.js: run `npx nx run-many -t build` first/,
    );
  });
});
