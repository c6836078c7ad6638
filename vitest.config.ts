import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // end-to-end tests chain several real processes (kubectl → kubectl-np → emulator, often with a device
    // code sign-in); 20–30 s on an idle 2-core machine, over 60 s on a busy one. The limit only catches hangs.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // e2e tests start servers on loopback and spawn kubectl; keep them from starving each other on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
