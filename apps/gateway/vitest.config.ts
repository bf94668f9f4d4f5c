import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'gateway',
    include: ['src/**/*.test.ts'],
    // Sets DATABASE_URL / KAFKA_BROKERS (explicit environment, containers or the local tools).
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    // Integration tests start the simulator as a process and wait on the broker; each waits on
    // conditions with its own timeout, these are only the backstop.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
