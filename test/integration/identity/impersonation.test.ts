// Impersonation must give the identity kubectl uses: kubeconfig `as`/`as-groups`/`as-uid`/`as-user-extra`
// and --as/--as-group/--as-uid reach the API server double (which checks impersonate rights like
// kube-apiserver) as the same headers, so whoami and explain can-i agree with the real kubectl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKubectl, startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { runWhoami } from '../../../src/identity/whoami.js';
import { runCanI } from '../../../src/identity/can-i.js';
import { renderWhoami } from '../../../src/render/whoami.js';
import { UsageError } from '../../../src/errors.js';
import { requireFreshBuild } from '../auth/dist.js';
import { isolatedEnv, runCli } from '../auth/cli.js';
import { DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-impersonation-'));
const home = mkdtempSync(join(tmpdir(), 'np-impersonation-home-'));
const ADMIN = 'impersonator-token-0123456789';
const ALICE = 'alice-token-0123456789';
let server: TestApiServer;
const kc = (name: string, user: Record<string, unknown>) => {
  const file = join(dir, `${name}.yaml`);
  server.writeKubeconfig(file, { context: 'shop', namespace: 'shop', user });
  return file;
};
const rbacApi = 'rbac.authorization.k8s.io/v1';

beforeAll(async () => {
  // runCanI in this process caches discovery per server address: not in the user's cache, where a test
  // server of another file (or an earlier run) on the same port left its own
  process.env.KUBECACHEDIR = mkdtempSync(join(tmpdir(), 'np-impersonation-kubecache-'));
  server = await startTestApiServer({
    staticTokens: {
      [ADMIN]: { username: 'ops-bot', groups: ['impersonators'] },
      [ALICE]: { username: 'alice@contoso.example', groups: ['readers'] },
    },
    objects: [
      ...shopObjects(),
      ...rbacReaderObjects('readers'),
      { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: 'impersonator' }, rules: [{ apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] }, { apiGroups: ['authentication.k8s.io'], resources: ['uids', 'userextras/example.com/team'], verbs: ['impersonate'] }] },
      { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: 'impersonators' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'impersonator' }, subjects: [{ kind: 'Group', name: 'impersonators' }] },
    ],
  });
});
afterAll(() => server?.close());

describe('impersonation from the kubeconfig', () => {
  it('sends every impersonation field, so the API server sees the groups kubectl sends', async () => {
    const file = kc('as-groups', { token: ADMIN, as: 'jane@contoso.example', 'as-groups': [DEVS, 'readers'], 'as-uid': '42', 'as-user-extra': { 'example.com/team': ['blue', 'green'] } });
    const before = server.requests.length;
    const result = await runWhoami({ kubeconfig: file });
    if (result.kind !== 'user') throw new Error('expected a user report');
    const r = result.report;
    expect(r.apiServer.user).toEqual({ username: 'jane@contoso.example', uid: '42', groups: [DEVS, 'readers', 'system:authenticated'], extra: { 'example.com/team': ['blue', 'green'] } });
    expect(r.impersonation).toMatchObject({ user: 'jane@contoso.example', groups: [DEVS, 'readers'], source: 'kubeconfig' });
    // the binding list is jane's (through her groups), not the impersonator's
    expect(r.bindings.map((b) => b.binding.name)).toContain('devs-view');
    expect(r.bindings.map((b) => b.binding.name)).not.toContain('impersonators');
    expect(renderWhoami(r)).toContain(`Impersonating  jane@contoso.example (groups ${DEVS}, readers and uid 42 and extra example.com/team)`);
    // one request's record: each group arrived as its own header line
    const sent = server.requests.slice(before).find((q) => q.path.includes('selfsubjectreviews'));
    expect(sent?.impersonatedBy).toBe('ops-bot');
    expect(sent?.impersonated?.groups).toEqual([DEVS, 'readers', 'system:authenticated']);

    // and it is the identity real kubectl gets from the same kubeconfig
    const kubectl = await runKubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: file, home });
    expect(kubectl.code).toBe(0);
    const status = JSON.parse(kubectl.stdout).status.userInfo;
    expect(r.apiServer.user?.groups).toEqual(status.groups);
    expect(r.apiServer.user?.username).toBe(status.username);
  });

  it('answers explain can-i as kubectl auth can-i does for an impersonated group', async () => {
    const file = kc('as-devs', { token: ADMIN, as: 'jane@contoso.example', 'as-groups': [DEVS] });
    const report = await runCanI({ kubeconfig: file, verb: 'create', target: 'pods', subresource: 'portforward', namespace: 'shop' });
    expect(report.allowed).toBe(true);
    expect(report.review.reason).toContain('RoleBinding "devs-debug/shop"');
    const kubectl = await runKubectl(['auth', 'can-i', 'create', 'pods', '--subresource', 'portforward', '-n', 'shop'], { kubeconfig: file, home });
    expect(kubectl.stdout.trim()).toBe('yes');
  });
});

describe('--as, --as-group, --as-uid', () => {
  it('override the kubeconfig field by field, as kubectl does', async () => {
    const file = kc('flags', { token: ADMIN, as: 'jane@contoso.example', 'as-groups': [DEVS] });
    const result = await runWhoami({ kubeconfig: file, impersonate: { as: 'bob@contoso.example' } });
    if (result.kind !== 'user') throw new Error('expected a user report');
    const kubectl = await runKubectl(['auth', 'whoami', '-o', 'json', '--as', 'bob@contoso.example'], { kubeconfig: file, home });
    const status = JSON.parse(kubectl.stdout).status.userInfo;
    expect(result.report.apiServer.user).toMatchObject({ username: 'bob@contoso.example', groups: status.groups });
    expect(status.groups).toEqual([DEVS, 'system:authenticated']);
  });

  it('impersonate a service account with its namespace groups', async () => {
    const file = kc('plain-admin', { token: ADMIN });
    const report = await runCanI({ kubeconfig: file, verb: 'list', target: 'pods', namespace: 'shop', impersonate: { as: 'system:serviceaccount:shop:ci' } });
    expect(report.user).toMatchObject({ username: 'system:serviceaccount:shop:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] });
    expect(report.allowed).toBe(true);
    expect(report.review.reason).toContain('ClusterRoleBinding "all-sa-view"');
  });

  it('say plainly when the caller may not impersonate (exit 3), and never read it as "no"', async () => {
    const file = kc('alice', { token: ALICE });
    const err = await runCanI({ kubeconfig: file, verb: 'get', target: 'pods', namespace: 'shop', impersonate: { as: 'jane@contoso.example', asGroups: ['ops'] } }).catch((e: unknown) => e as Error & { exitCode?: number });
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      'impersonating jane@contoso.example (groups ops) is forbidden: users "jane@contoso.example" is forbidden: User "alice@contoso.example" cannot impersonate resource "users" in API group "" at the cluster scope — impersonation needs the "impersonate" verb on users (groups, uids, userextras for the rest) in a ClusterRole bound to you; ask a cluster admin, or drop --as/--as-group/--as-uid',
    );
    expect((err as { exitCode?: number }).exitCode).toBe(3);
  });

  it('refuse --as-group without --as', async () => {
    const file = kc('plain-admin-2', { token: ADMIN });
    await expect(runWhoami({ kubeconfig: file, impersonate: { asGroups: ['ops'] } })).rejects.toThrow(UsageError);
  });
});

describe('the CLI', () => {
  it('explain can-i --as --as-group answers for that identity; --debug shows each request, never the token', async () => {
    requireFreshBuild();
    const file = kc('cli', { token: ADMIN });
    const r = await runCli(['explain', 'can-i', 'create', 'pods', '--subresource', 'portforward', '-n', 'shop', '--as', 'jane@contoso.example', '--as-group', DEVS, '--as-group', 'readers', '--kubeconfig', file, '--debug'], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('yes — create pods/portforward in namespace shop as jane@contoso.example');
    expect(r.stderr).toMatch(new RegExp(`^debug: POST /apis/authorization\\.k8s\\.io/v1/selfsubjectaccessreviews as jane@contoso\\.example \\(groups ${DEVS}, readers\\) → 201 \\(\\d+ ms\\)$`, 'm'));
    expect(r.stdout + r.stderr).not.toContain(ADMIN);
  });

  it('a forbidden impersonation is one line and exit 3', async () => {
    const file = kc('cli-alice', { token: ALICE });
    const r = await runCli(['whoami', '--as', 'jane@contoso.example', '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: impersonating jane@contoso\.example is forbidden: users "jane@contoso\.example" is forbidden: User "alice@contoso\.example" cannot impersonate resource "users"/);
  });

  it('audit, diff and test read the cluster as the --as identity too (they used to drop the flag)', async () => {
    const file = kc('cli-review', { token: ADMIN });
    const change = join(dir, 'deny-all.yaml');
    writeFileSync(change, 'apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny-all, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n');
    for (const args of [['audit', '-n', 'shop'], ['diff', '-n', 'shop', '--with', change]]) {
      const before = server.requests.length;
      const r = await runCli([...args, '--as', 'jane@contoso.example', '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
      const reads = server.requests.slice(before).filter((q) => q.method === 'GET' && q.path.includes('/namespaces/shop/'));
      expect(reads.length, `${args[0]}: ${r.stderr}`).toBeGreaterThan(0);
      for (const q of reads) expect(q.user, `${args[0]} ${q.path}`).toBe('jane@contoso.example');
      for (const q of reads) expect(q.impersonatedBy, `${args[0]} ${q.path}`).toBe('ops-bot');
    }
  });
});
