// kubectl np version: the client side always, the cluster's version when it answers, where tokens are kept.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { runCli } from './auth/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
const home = mkdtempSync(join(tmpdir(), 'np-version-'));
const env = { PATH: process.env.PATH, HOME: home, KUBECONFIG: join(home, 'absent') } as NodeJS.ProcessEnv;
let server: TestApiServer;
const kubeconfig = join(home, 'config');

beforeAll(async () => {
  server = await startTestApiServer({ staticTokens: { admin: { username: 'root', groups: ['system:masters'] } } });
  server.writeKubeconfig(kubeconfig, { context: 'test', user: { token: 'admin' } });
});
afterAll(() => server?.close());

describe('kubectl np version', () => {
  it('prints the plugin and Node versions and, without a D-Bus session, that tokens go to 0600 files', async () => {
    const result = await runCli(['version', '--client'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`kubectl-np: ${pkg.version}\nnode: ${process.versions.node} (${process.platform}/${process.arch})\ntoken cache: 0600 files (no D-Bus session bus, so no Secret Service)\n`);
  });

  it("adds the cluster's version from the kubeconfig context, as JSON too", async () => {
    const result = await runCli(['version', '--kubeconfig', kubeconfig, '-o', 'json'], { env });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report).toMatchObject({ kubectlNp: pkg.version, node: process.versions.node, tokenCache: { backend: 'file' }, cluster: { gitVersion: 'v1.31.0-kubectl-np-test-double', context: 'test' } });
  });

  it('-o jsonpath=TEMPLATE picks fields of the -o json document', async () => {
    const result = await runCli(['version', '--kubeconfig', kubeconfig, '-o', 'jsonpath={.kubectlNp} {.cluster.gitVersion}{"\\n"}'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toBe(`${pkg.version} v1.31.0-kubectl-np-test-double\n`);
  });

  it('says why the cluster was not reached, and still exits 0', async () => {
    const result = await runCli(['version'], { env });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^cluster: not reached \(no kubeconfig found/m);
  });

  it('answers -v and --version like other oclif CLIs', async () => {
    for (const flag of ['-v', '--version']) {
      const result = await runCli([flag], { env });
      expect(result.stdout).toMatch(new RegExp(`^kubectl-np/${pkg.version.replace(/\./g, '\\.')} `));
    }
  });
});
