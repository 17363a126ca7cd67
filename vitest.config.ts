import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // every file: nothing it runs may print a stack trace (test/support/output-guard.ts)
    setupFiles: ['test/support/output-guard.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
  },
});
