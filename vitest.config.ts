import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/globalSetup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Most suites wait on PostgreSQL, Agenda's polling or child processes rather than on the
    // CPU, so files run four at a time even on a two-core machine (the default is cores - 1).
    maxWorkers: 4,
  },
});
