import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'audit-verify',
    include: ['src/**/*.test.ts'],
  },
});
