import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'test-cli',
    include: ['src/**/*.test.ts'],
  },
});
