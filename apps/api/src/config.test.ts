import { ConfigError, loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config';

const OIDC = {
  CARELINE_AUTH_ISSUER: 'https://sso.example/realms/careline',
  CARELINE_AUTH_JWKS_URL: 'https://sso.example/jwks',
};
// required: sign-ins and refusals are audit events on Kafka
const KAFKA = { KAFKA_BROKERS: 'kafka-0:9092,kafka-1:9092' };

function problems(env: Record<string, string>): string {
  try {
    loadConfig(configSchema, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('has the documented defaults; dev auth and CORS are off unless set', () => {
    const config = loadConfig(configSchema, { ...OIDC, ...KAFKA });
    expect(config).toEqual({
      logLevel: 'info',
      http: { host: '0.0.0.0', port: 8080 },
      shutdownTimeoutMs: 10_000,
      messaging: { target: '127.0.0.1:50051', timeoutMs: 5000 },
      gateway: { target: '127.0.0.1:50055', timeoutMs: 5000 },
      audit: { target: '127.0.0.1:50054', timeoutMs: 5000, exportTimeoutMs: 600_000 },
      records: { target: '127.0.0.1:50053', timeoutMs: 30_000, maxMessageBytes: 10 * 1024 * 1024 + 64 * 1024, maxDocumentBytes: 10 * 1024 * 1024 },
      scheduling: { target: '127.0.0.1:50052', timeoutMs: 5000 },
      auth: {
        audience: 'careline-api',
        external: { issuer: OIDC.CARELINE_AUTH_ISSUER, jwksUrl: OIDC.CARELINE_AUTH_JWKS_URL },
        dev: undefined,
      },
      corsOrigins: [],
      kafka: { brokers: ['kafka-0:9092', 'kafka-1:9092'], topicPrefix: '', clientId: 'careline-api' },
    });
  });

  it('reads every variable', () => {
    const config = loadConfig(configSchema, {
      ...OIDC,
      ...KAFKA,
      KAFKA_TOPIC_PREFIX: 'staging.',
      KAFKA_CLIENT_ID: 'api-7',
      LOG_LEVEL: 'debug',
      HTTP_HOST: '127.0.0.1',
      HTTP_PORT: '9000',
      MESSAGING_GRPC_URL: 'dns:///messaging:50051',
      MESSAGING_GRPC_TIMEOUT: '2s',
      AUDIT_GRPC_URL: 'dns:///audit:50054',
      AUDIT_GRPC_TIMEOUT: '3s',
      AUDIT_EXPORT_TIMEOUT: '2m',
      CARELINE_AUTH_AUDIENCE: 'api://careline',
      CARELINE_DEV_AUTH: 'true',
      CARELINE_DEV_AUTH_ISSUER: 'local-dev',
      CARELINE_DEV_AUTH_KEY_FILE: '.local/dev-key.json',
      CORS_ORIGINS: 'http://localhost:5173, https://console.example.org',
    });
    expect(config.messaging).toEqual({ target: 'dns:///messaging:50051', timeoutMs: 2000 });
    expect(config.audit).toEqual({ target: 'dns:///audit:50054', timeoutMs: 3000, exportTimeoutMs: 120_000 });
    expect(loadConfig(configSchema, { ...OIDC, ...KAFKA, RECORDS_GRPC_URL: 'dns:///records:50053', RECORDS_GRPC_TIMEOUT: '10s', DOCUMENT_MAX_BYTES: '2048' }).records).toEqual({
      target: 'dns:///records:50053',
      timeoutMs: 10_000,
      maxMessageBytes: 2048 + 64 * 1024,
      maxDocumentBytes: 2048,
    });
    expect(
      loadConfig(configSchema, { ...OIDC, ...KAFKA, SCHEDULING_GRPC_URL: ' dns:///scheduling:50052 ', SCHEDULING_GRPC_TIMEOUT: '2s' }).scheduling,
    ).toEqual({ target: 'dns:///scheduling:50052', timeoutMs: 2000 });
    expect(config.auth).toEqual({
      audience: 'api://careline',
      external: { issuer: OIDC.CARELINE_AUTH_ISSUER, jwksUrl: OIDC.CARELINE_AUTH_JWKS_URL },
      dev: { issuer: 'local-dev', keyFile: '.local/dev-key.json' },
    });
    expect(config.corsOrigins).toEqual(['http://localhost:5173', 'https://console.example.org']);
    expect(config.kafka).toEqual({ brokers: ['kafka-0:9092', 'kafka-1:9092'], topicPrefix: 'staging.', clientId: 'api-7' });
  });

  it('runs with the development issuer alone, and only when asked to', () => {
    expect(loadConfig(configSchema, { ...KAFKA, CARELINE_DEV_AUTH: 'true' }).auth).toEqual({
      audience: 'careline-api',
      external: undefined,
      dev: { issuer: 'careline-dev', keyFile: undefined },
    });
    const none =
      'configuration is invalid: set CARELINE_AUTH_ISSUER and CARELINE_AUTH_JWKS_URL (an OIDC provider), or CARELINE_DEV_AUTH=true';
    expect(problems({ ...KAFKA })).toBe(none);
    expect(problems({ ...KAFKA, CARELINE_DEV_AUTH: 'false' })).toBe(none);
  });

  it('fails fast, naming each bad variable', () => {
    expect(problems({ ...KAFKA, CARELINE_AUTH_ISSUER: 'https://sso.example' })).toBe(
      'CARELINE_AUTH_JWKS_URL is required',
    );
    expect(problems({ ...KAFKA, CARELINE_AUTH_JWKS_URL: 'https://sso.example/jwks' })).toBe(
      'CARELINE_AUTH_ISSUER is required',
    );
    expect(problems({ ...OIDC })).toBe('KAFKA_BROKERS is required');
    const message = problems({
      ...OIDC,
      ...KAFKA,
      HTTP_PORT: 'eighty',
      MESSAGING_GRPC_URL: 'http://messaging',
      AUDIT_GRPC_URL: 'audit',
      CORS_ORIGINS: 'https://console.example.org/app',
      CARELINE_DEV_AUTH: 'yes',
    });
    expect(message).toContain('HTTP_PORT must be an integer 0-65535');
    expect(message).toContain('MESSAGING_GRPC_URL must be host:port');
    expect(message).toContain('AUDIT_GRPC_URL must be host:port');
    expect(problems({ ...OIDC, ...KAFKA, RECORDS_GRPC_URL: 'http://records' })).toContain('RECORDS_GRPC_URL must be host:port');
    expect(problems({ ...OIDC, ...KAFKA, SCHEDULING_GRPC_URL: 'http://scheduling' })).toContain('SCHEDULING_GRPC_URL must be host:port');
    expect(message).toContain('CORS_ORIGINS must list origins');
    expect(message).toContain('CARELINE_DEV_AUTH must be true, false, 1 or 0');
    expect(
      problems({ ...OIDC, ...KAFKA, CARELINE_DEV_AUTH: 'true', CARELINE_DEV_AUTH_ISSUER: OIDC.CARELINE_AUTH_ISSUER }),
    ).toContain('CARELINE_DEV_AUTH_ISSUER must differ from CARELINE_AUTH_ISSUER');
  });
});
