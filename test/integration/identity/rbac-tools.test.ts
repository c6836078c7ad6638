// explain can-i --list, who-can and access, run as users run them (the built CLI) against the API
// server double, whose RBAC is an independent implementation; kubectl's own answers where it has them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runKubectl, startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { requireFreshBuild } from '../auth/dist.js';
import { isolatedEnv, runCli } from '../auth/cli.js';
import { DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-rbac-tools-'));
const home = mkdtempSync(join(tmpdir(), 'np-rbac-tools-home-'));
const ALICE = 'alice-token-rbac-tools-0123456789';
const servers: TestApiServer[] = [];
let kubeconfig: string;
let webhookConfig: string;
const run = (args: string[], file = kubeconfig) => runCli([...args, '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });

beforeAll(async () => {
  requireFreshBuild();
  const objects = [...shopObjects(), ...rbacReaderObjects('readers')];
  const tokens = { [ALICE]: { username: 'alice@contoso.example', groups: [DEVS, 'readers'] } };
  const rbac = await startTestApiServer({ staticTokens: tokens, objects });
  const webhook = await startTestApiServer({ staticTokens: tokens, objects, authorizer: 'webhook', webhook: (_u, a) => a.resource === 'configmaps' });
  servers.push(rbac, webhook);
  kubeconfig = join(dir, 'rbac.yaml');
  webhookConfig = join(dir, 'webhook.yaml');
  rbac.writeKubeconfig(kubeconfig, { context: 'shop', namespace: 'shop', user: { token: ALICE } });
  webhook.writeKubeconfig(webhookConfig, { context: 'aks', namespace: 'shop', user: { token: ALICE } });
});
afterAll(() => Promise.all(servers.map((s) => s.close())));

describe('explain can-i --list', () => {
  it('lists the rules as kubectl auth can-i --list does, each with the binding and role that grant it', async () => {
    const r = await run(['explain', 'can-i', '--list', '-n', 'shop']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('What alice@contoso.example may do in namespace shop (SelfSubjectRulesReview)');
    expect(lines[1]).toMatch(/^RESOURCES +NON-RESOURCE URLS +RESOURCE NAMES +VERBS +GRANTED BY$/);
    expect(r.stdout).toMatch(/^pods\/log +\[\] +\[\] +\[get list watch\] +ClusterRoleBinding devs-view → ClusterRole view-pods$/m);
    expect(r.stdout).toMatch(/^pods\/portforward +\[\] +\[\] +\[create\] +RoleBinding shop\/devs-debug → ClusterRole debugger$/m);
    expect(r.stdout).toMatch(/^deployments\.apps\/scale +\[\] +\[\] +\[get update patch\] +RoleBinding shop\/alice-deployer → Role shop\/deployer$/m);
    // the same rules as kubectl's
    const kubectl = await runKubectl(['auth', 'can-i', '--list', '-n', 'shop'], { kubeconfig, home });
    expect(kubectl.stdout).toMatch(/pods\/portforward +\[\] +\[\] +\[create\]/);
    expect(r.stdout).not.toContain('INCOMPLETE');
  });

  it('says INCOMPLETE when a webhook authorizer answers beside RBAC', async () => {
    const r = await run(['explain', 'can-i', '--list', '-o', 'json'], webhookConfig);
    const report = JSON.parse(r.stdout);
    expect(report.incomplete).toBe(true);
    expect(report.notes.join('\n')).toContain('a webhook authorizer (such as AKS Azure RBAC) answers beside RBAC and cannot list what it allows');
    const text = await run(['explain', 'can-i', '--list'], webhookConfig);
    expect(text.stdout.split('\n')[0]).toContain('— INCOMPLETE');
  });

  it('refuses VERB and RESOURCE with --list, and names what is missing without it', async () => {
    expect((await run(['explain', 'can-i', 'get', '--list'])).code).toBe(2);
    const r = await run(['explain', 'can-i', 'get']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: missing RESOURCE: kubectl np explain can-i VERB RESOURCE[/NAME] (e.g. explain can-i get pods -n shop), or --list\n');
  });
});

describe('who-can', () => {
  it('lists every subject RBAC lets do it, with the binding chain, superusers included', async () => {
    const r = await run(['who-can', 'get', 'secrets/db', '-n', 'payments']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe('Who may get secrets "db" in namespace payments (RBAC)');
    expect(r.stdout).toMatch(/^USER +alice@contoso\.example +RoleBinding payments\/alice-db-secret → ClusterRole secret-reader$/m);
    expect(r.stdout).toMatch(/^GROUP +system:masters +ClusterRoleBinding cluster-admin → ClusterRole cluster-admin$/m);
    // a RoleBinding in another namespace does not count
    expect(r.stdout).not.toContain('shop/');
    const other = await run(['who-can', 'get', 'secrets/other', '-n', 'payments', '--no-headers']);
    expect(other.stdout).not.toContain('alice');
    expect(other.stdout.split('\n')[0]).toMatch(/^GROUP +system:masters/);
  });

  it('-o name prints each subject once as kind/name, -o wide adds the rule that matched', async () => {
    const name = await run(['who-can', 'get', 'secrets/db', '-n', 'payments', '-o', 'name']);
    expect(name.code).toBe(0);
    const lines = name.stdout.trim().split('\n');
    expect(lines).toContain('user/alice@contoso.example');
    expect(lines).toContain('group/system:masters');
    expect(new Set(lines).size).toBe(lines.length);
    for (const l of lines) expect(l).toMatch(/^(user|group|serviceaccount)\/\S+$/);
    const wide = await run(['who-can', 'get', 'secrets/db', '-n', 'payments', '-o', 'wide']);
    expect(wide.stdout).toMatch(/^KIND +SUBJECT +BINDING → ROLE +RULE$/m);
    expect(wide.stdout).toMatch(/^USER +alice@contoso\.example +RoleBinding payments\/alice-db-secret → ClusterRole secret-reader +verbs=\S*get\S* .*resources=\S*secrets/m);
  });

  it('follows aggregation and service accounts bound without a namespace', async () => {
    const r = await run(['who-can', 'update', 'deployments.apps', '-n', 'shop', '-o', 'json']);
    const report = JSON.parse(r.stdout);
    const subjects = report.entries.map((e: { subject: { kind: string; name: string; namespace?: string } }) => `${e.subject.kind}/${e.subject.namespace ? `${e.subject.namespace}/` : ''}${e.subject.name}`);
    expect(subjects).toEqual(['User/alice@contoso.example', 'Group/system:masters', 'ServiceAccount/shop/ci']);
    expect(report.complete).toBe(true);
  });
});

describe('access', () => {
  it('draws verbs × resources from SelfSubjectAccessReviews, as kubectl auth can-i answers each', async () => {
    const r = await run(['access', '-n', 'shop']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('Access of alice@contoso.example in namespace shop (SelfSubjectAccessReview)');
    expect(r.stdout).toMatch(/^NAME +LIST +CREATE +UPDATE +DELETE$/m);
    expect(r.stdout).toMatch(/^pods +✔ +✖ +✖ +✖$/m);
    expect(r.stdout).toMatch(/^deployments\.apps +✖ +✖ +✔ +✖$/m);
    expect(r.stdout).not.toMatch(/^nodes /m);
    for (const [verb, resource, want] of [['list', 'pods', 'yes'], ['update', 'deployments.apps', 'yes'], ['delete', 'pods', 'no']]) {
      const kubectl = await runKubectl(['auth', 'can-i', verb, resource, '-n', 'shop'], { kubeconfig, home });
      expect(kubectl.stdout.trim()).toBe(want);
    }
  });

  it('--verbs, --no-headers and -o json', async () => {
    const r = await run(['access', '-n', 'shop', '--verbs', 'get,watch', '--no-headers']);
    expect(r.stdout.split('\n')[0]).not.toMatch(/^NAME/);
    expect(r.stdout).toMatch(/^pods +✔ +✔$/m);
    const json = JSON.parse((await run(['access', '-n', 'shop', '--verbs', 'get', '-o', 'json'])).stdout);
    expect(json.rows.find((row: { name: string }) => row.name === 'secrets').verbs).toEqual({ get: false });
    expect((await run(['access', '--verbs', 'frobnicate'])).code).toBe(2);
  });
});

describe('kubectl conventions', () => {
  it('a typo verb is still answered "no", with a did-you-mean warning on stderr', async () => {
    const r = await run(['explain', 'can-i', 'lsit', 'pods', '-n', 'shop']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('warning: unknown verb "lsit" (did you mean list?): only a rule with verbs ["*"] allows it\n');
  });

  it('-o jsonpath=TEMPLATE on whoami, explain can-i, who-can and access, as kubectl reads templates', async () => {
    const whoami = await run(['whoami', '-o', 'jsonpath={.apiServer.user.username}']);
    expect(whoami.stderr).toBe('');
    expect(whoami.stdout).toBe('alice@contoso.example');
    const json = JSON.parse((await run(['explain', 'can-i', 'list', 'pods', '-n', 'shop', '-o', 'json'])).stdout);
    const canI = await run(['explain', 'can-i', 'list', 'pods', '-n', 'shop', '-o', 'jsonpath={.allowed}{"\\n"}']);
    expect(canI.code).toBe(0);
    expect(canI.stdout).toBe(`${json.allowed}\n`);
    const whoCan = await run(['who-can', 'get', 'secrets/db', '-n', 'payments', '-o', 'jsonpath={range .entries[*]}{.subject.kind} {.subject.name}{"\\n"}{end}']);
    expect(whoCan.code).toBe(0);
    expect(whoCan.stdout.split('\n')).toContain('User alice@contoso.example');
    const access = await run(['access', '-n', 'shop', '--verbs', 'get', '-o', 'jsonpath={.rows[?(@.name=="secrets")].verbs.get}']);
    expect(access.stdout).toBe('false');
  });

  it('a bad -o jsonpath template or format is one line and exit 2, before any request', async () => {
    for (const o of ['jsonpath={.user', 'jsonpath={end}', 'xml']) {
      const r = await run(['whoami', '-o', o]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^error: --output: /);
    }
  });

  it('KUBECTL_NP_DEBUG=1 writes one line per API request, as --debug does, on success too', async () => {
    const r = await runCli(['access', '-n', 'shop', '--verbs', 'get', '--kubeconfig', kubeconfig], { env: { ...isolatedEnv(), NO_COLOR: '1', KUBECTL_NP_DEBUG: '1' } });
    expect(r.code).toBe(0);
    const debug = r.stderr.split('\n').filter((l) => l.startsWith('debug: '));
    // one SelfSubjectReview and one SelfSubjectAccessReview per resource
    expect(debug.filter((l) => / POST \/apis\/authorization\.k8s\.io\/v1\/selfsubjectaccessreviews → 201 \(\d+ ms\)$/.test(l)).length).toBe(r.stdout.split('\n').filter((l) => /[✔✖]$/.test(l)).length);
    expect(debug.some((l) => l.includes('POST /apis/authentication.k8s.io/v1/selfsubjectreviews → 201'))).toBe(true);
    expect(r.stderr).not.toContain(ALICE);
  });
});
