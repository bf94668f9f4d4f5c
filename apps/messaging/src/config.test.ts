import { ConfigError, loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config';

const masterKey = Buffer.alloc(32, 7).toString('base64');
const minimal = { DATABASE_URL: 'postgres://messaging:pw@db:5432/careline', KAFKA_BROKERS: 'k1:9092,k2:9092', CARELINE_MASTER_KEY: masterKey };

describe('config', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(configSchema, minimal);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8083 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 50051 });
    expect(config.database.poolMax).toBe(10);
    expect(config.kafka).toEqual({ brokers: ['k1:9092', 'k2:9092'], topicPrefix: '', clientId: 'careline-messaging', createTopics: true });
    expect(config.logLevel).toBe('info');
  });

  it('reads the master key from a file', () => {
    const config = loadConfig(
      configSchema,
      { ...minimal, CARELINE_MASTER_KEY: undefined, CARELINE_MASTER_KEY_FILE: '/run/secrets/key' },
      { readFile: () => `${masterKey}\n` },
    );
    expect(Buffer.from(config.masterKey).toString('base64')).toBe(masterKey);
  });

  it('fails in one line naming the variables, without echoing the key', () => {
    const badKey = Buffer.alloc(16, 1).toString('base64');
    let error: unknown;
    try {
      loadConfig(configSchema, { ...minimal, KAFKA_BROKERS: undefined, CARELINE_MASTER_KEY: badKey, KAFKA_TOPIC_PREFIX: 'a b' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    expect(message).toContain('KAFKA_BROKERS');
    expect(message).toContain('CARELINE_MASTER_KEY');
    expect(message).toContain('KAFKA_TOPIC_PREFIX');
    expect(message).not.toContain(badKey);
  });
});
