import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'e2e',
    // end-to-end suites are their own project: every app a real process (run `npx nx run-many -t build` first)
    include: ['src/**/*.e2e.test.ts'],
    // DATABASE_URL / KAFKA_BROKERS, as for every integration test
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    // each file starts a whole stack (five processes) on a 2-core machine: one file at a time
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
