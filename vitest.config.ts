import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests start servers on loopback and spawn kubectl; keep them from starving each other on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
