import { ConfigError, loadConfig } from '@careline/runtime';
import { describe, expect, it } from 'vitest';
import { configSchema } from './config';

const masterKey = Buffer.alloc(32, 7).toString('base64');
const minimal = { DATABASE_URL: 'postgres://scheduling:pw@db:5432/careline', KAFKA_BROKERS: 'k1:9092', CARELINE_MASTER_KEY: masterKey };

describe('config', () => {
  it('has the documented defaults (DESIGN.md ports 8084 / 50052)', () => {
    const config = loadConfig(configSchema, minimal);
    expect(config.http).toEqual({ host: '0.0.0.0', port: 8084 });
    expect(config.grpc).toEqual({ host: '0.0.0.0', port: 50052 });
    expect(config.kafka.clientId).toBe('careline-scheduling');
    expect(config.messaging).toEqual({ target: '127.0.0.1:50051', timeoutMs: 5000 });
    expect(config.reminders).toEqual({ tickMs: 1000, batchSize: 100 });
  });

  it('fails in one line naming the variable', () => {
    expect(() => loadConfig(configSchema, { ...minimal, REMINDER_BATCH_SIZE: '0' })).toThrow(ConfigError);
    expect(() => loadConfig(configSchema, { ...minimal, REMINDER_BATCH_SIZE: '0' })).toThrow(/REMINDER_BATCH_SIZE/);
  });
});
