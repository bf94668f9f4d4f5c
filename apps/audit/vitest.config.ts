import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'audit',
    include: ['src/**/*.test.ts'],
    // Sets DATABASE_URL (a superuser URL) and KAFKA_BROKERS: explicit environment, containers or
    // the local tools (see libs/testing).
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    // Integration tests join consumer groups and wait on the broker; each wait has its own
    // timeout, this is only the backstop.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
