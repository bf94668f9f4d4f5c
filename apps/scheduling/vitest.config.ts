import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'scheduling',
    include: ['src/**/*.test.ts'],
    // Provides DATABASE_URL (a superuser URL) and KAFKA_BROKERS unless set; see libs/testing.
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    // Integration tests start consumers against a real broker: group joins take seconds.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
