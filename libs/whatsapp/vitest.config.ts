import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'whatsapp',
    include: ['src/**/*.test.ts'],
  },
});
