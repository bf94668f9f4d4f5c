import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'audit-chain',
    include: ['src/**/*.test.ts'],
  },
});
