// `kubectl np setup` through the built CLI: what it writes and says when an entry is set up again.
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';
import { requireFreshBuild } from './dist.js';
import { isolatedEnv, runCli } from './cli.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const AKS_SERVER = '6dae42f8-4368-4678-94ff-3960e28e3630';
const SP = '5ec7e700-0000-4000-8000-000000000011';

beforeAll(() => requireFreshBuild());

let env: ReturnType<typeof isolatedEnv>;
beforeEach(() => {
  env = isolatedEnv();
  writeFileSync(
    env.KUBECONFIG!,
    'apiVersion: v1\nkind: Config\ncurrent-context: aks\nclusters:\n- name: c\n  cluster: {server: "https://127.0.0.1:1"}\n' +
      'contexts:\n- name: aks\n  context: {cluster: c, user: bot}\nusers:\n- name: bot\n  user: {token: placeholder}\n',
    { mode: 0o600 },
  );
});

const argsOf = () => (parse(readFileSync(env.KUBECONFIG!, 'utf8')) as { users: { user: { exec: { args: string[] } } }[] }).users[0].user.exec.args;

describe('setup run again with another login mode', () => {
  it('drops the options only the old mode used and says the entry was updated', async () => {
    const first = await runCli(['setup', '--context', 'aks', '--login', 'ropc', '--tenant-id', TENANT, '--username', 'u@x.example'], { env });
    expect(first.code).toBe(0);
    expect(argsOf()).toContain('--username');
    const second = await runCli(['setup', '--context', 'aks', '--login', 'spn', '--client-id', SP], { env });
    expect(second.code).toBe(0);
    const args = ['get-token', '--login', 'spn', '--tenant-id', TENANT, '--client-id', SP, '--server-id', AKS_SERVER];
    expect(argsOf()).toEqual(args);
    expect(second.stdout.split('\n')[0]).toBe(`user bot (context aks): updated to kubectl-np ${args.join(' ')}`);
    expect(second.stderr).toBe('warning: user bot: --username dropped: --login spn does not use it\n');
  });

  it('keeps what both modes use when switching between people\'s sign-ins', async () => {
    await runCli(['setup', '--context', 'aks', '--login', 'interactive', '--tenant-id', TENANT, '--browser-command', 'firefox', '--token-type', 'id'], { env });
    const second = await runCli(['setup', '--context', 'aks', '--login', 'devicecode'], { env });
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('');
    expect(argsOf()).toEqual(['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--client-id', '80faf920-1908-4b52-b5ef-a8e7bedfc67a', '--server-id', AKS_SERVER, '--token-type', 'id', '--browser-command', 'firefox']);
    // to an app-only mode: the public client's ID and the ID token do not carry over
    const third = await runCli(['setup', '--context', 'aks', '--login', 'msi'], { env });
    expect(third.code).toBe(0);
    expect(argsOf()).toEqual(['get-token', '--login', 'msi', '--tenant-id', TENANT, '--server-id', AKS_SERVER]);
    expect(third.stderr).toBe('warning: user bot: --browser-command, --client-id, --token-type dropped: --login msi does not use them\n');
  });
});

describe('setup --dry-run', () => {
  it('prints the kubeconfig change as a unified diff with the replaced credentials masked, and writes nothing', async () => {
    const before = readFileSync(env.KUBECONFIG!, 'utf8').replace('  user: {token: placeholder}', '  user:\n    token: sekrit-static-token-0123456789');
    writeFileSync(env.KUBECONFIG!, before, { mode: 0o600 });
    const r = await runCli(['setup', '--context', 'aks', '--tenant-id', TENANT, '--dry-run'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(env.KUBECONFIG!, 'utf8')).toBe(before);
    const lines = r.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual([`--- ${env.KUBECONFIG}`, `+++ ${env.KUBECONFIG} (after kubectl np setup)`]);
    expect(lines[2]).toMatch(/^@@ -\d+(,\d+)? \+\d+,\d+ @@$/);
    expect(lines).toContain('-    token: <redacted>');
    expect(lines).toContain('+      command: kubectl-np');
    expect(lines).toContain(`+      - ${TENANT}`);
    expect(r.stdout + r.stderr).not.toContain('sekrit');
    expect(r.stderr).toMatch(/^user bot \(context aks\): converted to kubectl-np get-token .* \(dry run\)\ndry run: nothing was written\n$/);
    // what the run without --dry-run then writes is what the diff showed
    expect((await runCli(['setup', '--context', 'aks', '--tenant-id', TENANT], { env })).code).toBe(0);
    const written = readFileSync(env.KUBECONFIG!, 'utf8');
    for (const added of lines.filter((l) => l.startsWith('+') && !l.startsWith('+++'))) expect(written).toContain(added.slice(1));
  });
});
