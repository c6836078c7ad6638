import { configDefaults, defineConfig } from 'vitest/config';
import { unrunnableGroups } from './test/support/system-parts.mjs';
import HangWatchReporter from './test/support/hang-watch/reporter.js';

const TEST_TIMEOUT_MS = 600_000;
const HOOK_TIMEOUT_MS = 600_000;
// the slowest file takes under a minute on an idle 2-core box, a few on one loaded tenfold
const FILE_LIMIT_MS = 30 * 60_000;

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
    testTimeout: TEST_TIMEOUT_MS,
    // a real kube-apiserver's beforeAll waits for etcd, the apiserver and a controller, each allowed 300 s
    // (test/support/real-apiserver): the hook limit must not be the first to run out on a loaded box
    hookTimeout: HOOK_TIMEOUT_MS,
    // e2e tests start servers on loopback and spawn kubectl; keep them from starving each other on 2 cores
    pool: 'forks',
    maxWorkers: 2,
    // a worker blocked past both limits above (a synchronous call that never returns) would stall the run
    // silently until CI's own limit: name it, with its processes, and end it (test/support/hang-watch)
    setupFiles: ['test/support/hang-watch/worker.ts', 'test/support/fast-check-seed.ts'],
    reporters: ['default', new HangWatchReporter(TEST_TIMEOUT_MS + HOOK_TIMEOUT_MS + 5 * 60_000, FILE_LIMIT_MS)],
  },
});
