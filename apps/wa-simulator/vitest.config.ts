import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'wa-simulator',
    include: ['src/**/*.test.ts'],
    // the phone UI's stylesheet is imported `?raw`; vitest blanks CSS unless told to process it
    css: { include: [/src\/ui\/.+\.css/] },
  },
});
