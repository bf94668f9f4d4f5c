import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wa-simulator',
    include: ['src/**/*.test.ts'],
  },
});
