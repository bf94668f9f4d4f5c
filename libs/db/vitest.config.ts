import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'db',
    include: ['src/**/*.test.ts'],
    // Provides DATABASE_URL (a superuser URL) unless it is set explicitly; see libs/testing.
    globalSetup: ['../../libs/testing/src/global-setup.ts'],
    // Integration tests create databases, roles and concurrent migration runs on a real server.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
