import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'deploy-check',
    include: ['src/**/*.test.ts'],
    // builds helm (first run: about two minutes) and the strict decoder once per run
    globalSetup: ['./src/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
