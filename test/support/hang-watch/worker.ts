// Runs in every test worker (vitest setupFiles): writes, synchronously, which file and test this process is
// in, before the test's own code runs. See reporter.ts for why.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { processIdentity, stateDir, type WorkerState } from './state.js';

const dir = stateDir();
const path = join(dir, `${process.pid}.json`);
const fileSince = Date.now();
const identity = processIdentity(process.pid);

function record(step: string): void {
  const state: WorkerState = { pid: process.pid, file: expect.getState().testPath ?? '(unknown file)', fileSince, step, since: Date.now(), identity };
  // written whole or not at all: the watcher reads these files while workers write them
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path);
}

record('loading the test file');
beforeAll(() => record('beforeAll hooks'));
beforeEach((context) => record(context.task.name));
afterEach((context) => record(`hooks after "${context.task.name}"`));
// registered first, so it runs after the file's own afterAll hooks: nothing of the file is left to watch. vitest
// ends a worker with a signal, which skips 'exit' handlers; the watcher drops what a dead worker left behind
afterAll(() => rmSync(path, { force: true }));
process.once('exit', () => rmSync(path, { force: true }));
