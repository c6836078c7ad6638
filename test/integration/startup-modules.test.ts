// A live command's start-up is module loading: Node resolved and linked some 1,300 files before whoami's
// first request until the CLI was bundled (scripts/bundle.mjs, docs/benchmarks.md). Timing it here would race
// the clock, so this counts instead: every file the built CLI loads, through import or require, for a real
// `whoami` and `explain can-i` against the test API server. All of it must come from the bundles in dist/
// (never node_modules: a dependency left out of the bundle is loaded file by file again), and a few dozen files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { runCli } from './auth/cli.js';

const repoRoot = new URL('../../', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'np-startup-'));
const kubeconfig = join(home, 'config');
const register = join(home, 'register.mjs');
let server: TestApiServer;

beforeAll(async () => {
  // ES modules through a load hook (it runs on the loader thread, hence writeSync), CommonJS through Module._load
  writeFileSync(join(home, 'hooks.mjs'), `import { writeSync } from 'node:fs';
export async function load(url, context, next) {
  if (url.startsWith('file:')) writeSync(2, 'loaded ' + new URL(url).pathname + '\\n');
  return next(url, context);
}
`);
  writeFileSync(register, `import Module, { isBuiltin, register } from 'node:module';
register('./hooks.mjs', import.meta.url);
const load = Module._load;
Module._load = function (request, parent, isMain) {
  if (!isBuiltin(request)) process.stderr.write('loaded ' + Module._resolveFilename(request, parent, isMain) + '\\n');
  return load.apply(this, arguments);
};
`);
  server = await startTestApiServer({ staticTokens: { 'startup-token': { username: 'dev@example.com', groups: ['devs'] } } });
  server.writeKubeconfig(kubeconfig, { context: 'startup', namespace: 'default', user: { token: 'startup-token' } });
});
afterAll(() => server?.close());

async function filesLoaded(args: string[]): Promise<string[]> {
  const result = await runCli(args, { env: { PATH: process.env.PATH, HOME: home, NODE_OPTIONS: `--import ${register}` } as NodeJS.ProcessEnv });
  expect(result.code, result.stderr).toBeLessThanOrEqual(1); // 1: explain can-i answered "no"
  expect(server.requests.length).toBeGreaterThan(0);
  const files = [...new Set(result.stderr.split('\n').filter((l) => l.startsWith('loaded ')).map((l) => l.slice('loaded '.length).replace(repoRoot, '')))];
  expect(files).toContain('dist/index.js');
  return files;
}

describe('the built CLI loads its bundles, not the dependencies file by file', () => {
  for (const args of [['whoami'], ['explain', 'can-i', 'list', 'secrets']]) {
    it(`kubectl np ${args.join(' ')} against a cluster`, async () => {
      server.requests.length = 0;
      const files = await filesLoaded([...args, '--kubeconfig', kubeconfig]);
      expect(files.filter((f) => f.includes('node_modules/')), 'dependencies loaded file by file (a plain tsc build? npm run build bundles)').toEqual([]);
      expect(files.length).toBeLessThan(80);
    });
  }
});
