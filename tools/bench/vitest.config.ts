import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bench',
    // the statistics, the scheduler and the load generator; the benchmark itself is not a test
    include: ['src/**/*.test.ts'],
  },
});
