import { ConfigError, loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config';

const masterKey = Buffer.alloc(32, 7).toString('base64');
const minimal = {
  DATABASE_URL: 'postgres://records:pw@db:5432/careline',
  KAFKA_BROKERS: 'k1:9092',
  CARELINE_MASTER_KEY: masterKey,
};

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(configSchema, minimal);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8085 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 50053 });
    expect(config.kafka).toMatchObject({ clientId: 'careline-records', topicPrefix: '', createTopics: true });
    expect(config.messaging).toEqual({ target: '127.0.0.1:50051', timeoutMs: 5000 });
    expect(config.release).toMatchObject({
      shareTtlMs: 72 * 3_600_000,
      maxAttempts: 5,
      codeTtlMs: 600_000,
      sessionTtlMs: 900_000,
    });
    expect(config.release.baseUrl.origin).toBe('http://127.0.0.1:8085');
    expect(config.documentMaxBytes).toBe(10 * 1024 * 1024);
    expect([...config.selfServiceKeywords.keys()]).toEqual(['en', 'es', 'fr', 'pt']);
  });

  it('reads the self-service keywords per language, and names the variable when malformed', () => {
    const config = loadConfig(configSchema, { ...minimal, SELF_SERVICE_KEYWORDS: 'en:lab results;es:Análisis' });
    expect(Object.fromEntries(config.selfServiceKeywords)).toEqual({ en: ['lab results'], es: ['analisis'] });
    expect(() => loadConfig(configSchema, { ...minimal, SELF_SERVICE_KEYWORDS: 'results' })).toThrow(/SELF_SERVICE_KEYWORDS/);
  });

  it('fails in one line naming the variables, without echoing the key', () => {
    const badKey = Buffer.alloc(16, 1).toString('base64');
    let error: unknown;
    try {
      loadConfig(configSchema, {
        ...minimal,
        CARELINE_MASTER_KEY: badKey,
        RELEASE_BASE_URL: 'ftp://x',
        MESSAGING_GRPC_URL: 'no port',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('CARELINE_MASTER_KEY');
    expect(message).toContain('RELEASE_BASE_URL');
    expect(message).toContain('MESSAGING_GRPC_URL');
    expect(message).not.toContain(badKey);
  });
});
