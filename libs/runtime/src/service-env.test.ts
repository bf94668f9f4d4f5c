import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { loadConfig } from './config';
import { baseEnv, databaseEnv, grpcEnv, httpEnv, kafkaEnv } from './service-env';

const schema = z.object({
  ...baseEnv,
  ...httpEnv(8083),
  ...grpcEnv(50051),
  ...databaseEnv,
  ...kafkaEnv('careline-x'),
});

describe('shared service environment', () => {
  it('gives every service the same defaults', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://x@127.0.0.1/db',
      KAFKA_BROKERS: '127.0.0.1:9092',
    });
    expect(config).toMatchObject({
      LOG_LEVEL: 'info',
      SHUTDOWN_TIMEOUT: 10_000,
      HTTP_HOST: '0.0.0.0',
      HTTP_PORT: 8083,
      GRPC_PORT: 50051,
      DATABASE_POOL_MAX: 10,
      KAFKA_TOPIC_PREFIX: '',
      KAFKA_CLIENT_ID: 'careline-x',
      KAFKA_CREATE_TOPICS: true,
    });
  });

  it('names each bad shared variable in one line', () => {
    expect(() =>
      loadConfig(schema, {
        DATABASE_URL: 'mysql://x',
        KAFKA_BROKERS: '127.0.0.1:9092',
        KAFKA_TOPIC_PREFIX: 'a b',
      }),
    ).toThrow(/DATABASE_URL.*KAFKA_TOPIC_PREFIX|KAFKA_TOPIC_PREFIX.*DATABASE_URL/);
  });
});
