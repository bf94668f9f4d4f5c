import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'api',
    include: ['src/**/*.test.ts'],
    // No globalSetup: api owns no database and no Kafka, so its tests need neither. The
    // integration tests start their own gRPC server (a fake MessagingService) on loopback.
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
