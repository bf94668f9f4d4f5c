import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'stack',
    // pure tests only: the stack as a whole runs in the end-to-end project (tools/e2e)
    include: ['src/**/*.test.ts'],
  },
});
