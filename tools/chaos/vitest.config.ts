import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'chaos',
    // the generators and the runner's bookkeeping; the fuzz run against a stack is the e2e suite
    // tools/e2e/src/fuzz.e2e.test.ts (and `npm run chaos -- fuzz` at full size)
    include: ['src/**/*.test.ts'],
  },
});
