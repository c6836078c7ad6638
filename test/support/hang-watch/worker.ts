// Runs in every test worker (vitest setupFiles): writes, synchronously, which file and test this process is
// in, before the test's own code runs. See reporter.ts for why.
import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { stateDir, type WorkerState } from './state.js';

const dir = stateDir();
const path = join(dir, `${process.pid}.json`);
const fileSince = Date.now();

function record(step: string): void {
  const state: WorkerState = { pid: process.pid, file: expect.getState().testPath ?? '(unknown file)', fileSince, step, since: Date.now() };
  // written whole or not at all: the watcher reads these files while workers write them
  writeFileSync(`${path}.tmp`, JSON.stringify(state));
  renameSync(`${path}.tmp`, path);
}

record('loading the test file');
beforeAll(() => record('beforeAll hooks'));
beforeEach((context) => record(context.task.name));
afterEach((context) => record(`hooks after "${context.task.name}"`));
process.once('exit', () => rmSync(path, { force: true }));
