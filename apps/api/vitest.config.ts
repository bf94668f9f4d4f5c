import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'api',
    include: ['src/**/*.test.ts'],
    // Provides KAFKA_BROKERS (and DATABASE_URL) unless set; see libs/testing. api owns no database,
    // but it publishes sign-in audit events to Kafka, which the process test reads back. The other
    // integration tests start their own gRPC servers (fake services) on loopback.
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    testTimeout: 20_000,
    hookTimeout: 30_000,
  },
});
