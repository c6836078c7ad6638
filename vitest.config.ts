import { configDefaults, defineConfig } from 'vitest/config';
import { unrunnableGroups } from './test/support/system-parts.mjs';

// Outside CI, a test group whose machine parts are missing (no chromium, no Secret Service…) is left out
// and named at the end of the run (test/support/skipped-groups.ts); under CI=true every group runs, so a
// missing part fails its tests instead of hiding them.
const leftOut = process.env.CI === 'true' ? [] : unrunnableGroups();

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: [...configDefaults.exclude, ...leftOut.flatMap((g) => g.files)],
    globalSetup: ['test/support/skipped-groups.ts'],
    // end-to-end tests chain several real processes (kubectl → kubectl-np → emulator, often with a device
    // code sign-in); 20–30 s on an idle 2-core machine, several minutes on one loaded tenfold. The limit only
    // catches hangs, so it is set for the loaded machine.
    testTimeout: 600_000,
    // a real kube-apiserver's beforeAll waits for etcd, the apiserver and a controller, each allowed 300 s
    // (test/support/real-apiserver): the hook limit must not be the first to run out on a loaded box
    hookTimeout: 600_000,
    // e2e tests start servers on loopback and spawn kubectl; keep them from starving each other on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
