// whoami and explain can-i as users run them: the built CLI (node bin/run.js) in a child process
// against the API server double, checking output, exit codes (0 yes, 1 no, 2 bad input, 3 unreachable)
// and that no token is ever printed. The last test goes all the way: a kubectl-np exec entry signed in
// at the Entra emulator, OIDC validation at the API server, and --resolve-groups through Graph.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../../support/entra-emulator/index.js';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { requireFreshBuild, repoRoot } from '../auth/dist.js';
import { approveFromStderr, isolatedEnv, runCli } from '../auth/cli.js';
import { cliAs, engineAgent, shopExampleObjects } from '../../support/live-cluster.js';
import { ADMINS, DEVS, rbacReaderObjects, shopObjects } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'np-identity-cli-'));
let server: TestApiServer;
const STATIC = 'alice-static-token-0123456789';
/** may list pods and services and port-forward in shop: nothing else (no NetworkPolicies, no RBAC objects) */
const PF_ONLY = 'pf-only-token-0123456789';
/** may read what the NetworkPolicy commands need, cluster-wide, but no RBAC objects */
const NP_READER = 'np-reader-token-0123456789';
const kubeconfig = join(dir, 'static.yaml');

const run = (args: string[], env: NodeJS.ProcessEnv = isolatedEnv()) => runCli(args, { env: { ...env, NO_COLOR: '1' } });

beforeAll(async () => {
  requireFreshBuild();
  server = await startTestApiServer({
    staticTokens: {
      [STATIC]: { username: 'alice@contoso.example', groups: [DEVS, 'readers'] },
      [PF_ONLY]: { username: 'pf@contoso.example', groups: [] },
      [NP_READER]: { username: 'np@contoso.example', groups: [] },
    },
    objects: [
      ...shopObjects(),
      ...rbacReaderObjects('readers'),
      // --as-pod reads the pod's namespace like every analysis command: pods, service accounts, policies
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'reader' }, rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'readers-read' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'reader' }, subjects: [{ kind: 'Group', name: 'readers' }] },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'shop', annotations: { 'azure.workload.identity/client-id': '5a1d2c3b-0000-4000-8000-0000000000c1' } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-0', namespace: 'shop', labels: { app: 'api', 'azure.workload.identity/use': 'true' } }, spec: { serviceAccountName: 'api', containers: [{ name: 'api', ports: [{ containerPort: 8080 }] }] }, status: { phase: 'Running', podIP: '10.0.0.5' } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { app: 'api' }, ports: [{ port: 80, targetPort: 8080 }] } },
      // a Deployment whose running pod uses another service account than its template names (set by hand, or a rollout)
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'worker', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'w' }] } } } },
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'worker-6f8', namespace: 'shop', labels: { app: 'worker' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker', controller: true, uid: 'd1' }] }, spec: { selector: { matchLabels: { app: 'worker' } }, template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'w' }] } } } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'worker-6f8-x2x4z', namespace: 'shop', labels: { app: 'worker', 'pod-template-hash': '6f8' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'worker-6f8', controller: true, uid: 'r1' }] }, spec: { serviceAccountName: 'api', containers: [{ name: 'w' }] }, status: { phase: 'Running', podIP: '10.0.0.6' } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-ingress', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ podSelector: {} }] }] } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'pf', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['pods', 'services'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'pf', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'pf' }, subjects: [{ kind: 'User', name: 'pf@contoso.example' }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'np-reader' }, rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources: ['namespaces', 'pods', 'services', 'networkpolicies', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs'], verbs: ['get', 'list'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'np-reader' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'np-reader' }, subjects: [{ kind: 'User', name: 'np@contoso.example' }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'api-reads-config', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view-pods' }, subjects: [{ kind: 'ServiceAccount', name: 'api', namespace: 'shop' }] },
    ],
  });
  server.writeKubeconfig(kubeconfig, { context: 'shop', namespace: 'shop', user: { token: STATIC } });
});
afterAll(() => server?.close());

describe('kubectl np whoami', () => {
  it('prints the three views and never the token', async () => {
    const r = await run(['whoami', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('API server sees you as (SelfSubjectReview, authentication.k8s.io/v1)');
    expect(r.stdout).toContain('Username  alice@contoso.example');
    expect(r.stdout).toContain('RoleBinding shop/devs-debug → ClusterRole debugger');
    expect(r.stdout + r.stderr).not.toContain(STATIC);
  });

  it('-o json is a stable object', async () => {
    const r = await run(['whoami', '--kubeconfig', kubeconfig, '-o', 'json']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(Object.keys(report)).toEqual(['context', 'server', 'credential', 'apiServer', 'tokenNote', 'bindings', 'rbacGaps', 'authorization', 'notes']);
    expect(report.apiServer.user.username).toBe('alice@contoso.example');
    expect(report.credential).toEqual({ kind: 'token' });
  });

  it('--as-pod shows the workload identity, its RBAC and the policies selecting it', async () => {
    const r = await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'pod/api-0']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Username         system:serviceaccount:shop:api');
    expect(r.stdout).toContain('Client ID     5a1d2c3b-0000-4000-8000-0000000000c1');
    expect(r.stdout).toContain('Pod opted in  yes');
    expect(r.stdout).toContain('RoleBinding shop/api-reads-config → ClusterRole view-pods   via ServiceAccount shop/api');
    // every service account in shop is bound through the group system:serviceaccounts:shop
    expect(r.stdout).toContain('ClusterRoleBinding all-sa-view → ClusterRole view-pods   via Group system:serviceaccounts:shop');
    expect(r.stdout).toContain('shop/api-ingress   ingress   (pods with app=api in namespace shop)');
    const json = JSON.parse((await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'shop/pod/api-0', '-o', 'json'])).stdout);
    expect(json.workloadIdentity).toEqual({ clientId: '5a1d2c3b-0000-4000-8000-0000000000c1', podOptedIn: true });
    expect(json.networkPolicies).toEqual([{ namespace: 'shop', name: 'api-ingress', directions: ['ingress'], appliesTo: 'pods with app=api in namespace shop' }]);
  });

  it('--as-pod deploy/NAME shows the running pod read from the cluster, not the template', async () => {
    const r = await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'deploy/worker']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Workload         Deployment shop/worker (pod worker-6f8-x2x4z)');
    // the pod's service account, which its template does not name
    expect(r.stdout).toContain('Username         system:serviceaccount:shop:api');
    expect(r.stdout).not.toContain('pod template');
    const json = JSON.parse((await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'deploy/worker', '-o', 'json'])).stdout);
    expect(json.target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'worker', fromTemplate: false, pods: ['worker-6f8-x2x4z'] });
  });

  it('--as-pod NS/pod/NAME and NS/NAME read the namespace they name, whatever the context namespace', async () => {
    const elsewhere = join(dir, 'elsewhere.yaml');
    server.writeKubeconfig(elsewhere, { context: 'elsewhere', namespace: 'payments', user: { token: STATIC } });
    for (const form of ['shop/pod/api-0', 'shop/api-0']) {
      const r = await run(['whoami', '--kubeconfig', elsewhere, '--as-pod', form]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('Workload         pod shop/api-0');
      expect(r.stdout).toContain('Username         system:serviceaccount:shop:api');
      expect(r.stdout).toContain('shop/api-ingress   ingress');
    }
    // the argument's namespace wins over -n, too
    const withN = await run(['whoami', '--kubeconfig', elsewhere, '--as-pod', 'shop/pod/api-0', '-n', 'payments', '-o', 'json']);
    expect(withN.code, withN.stderr).toBe(0);
    expect(JSON.parse(withN.stdout).target).toEqual({ kind: 'Pod', namespace: 'shop', name: 'api-0', fromTemplate: false });
  });

  it('bad input is one line and exit 2', async () => {
    const r = await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'svc/api']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual(['error: --as-pod takes a pod or a workload (pod/NAME, deploy/NAME, …), not svc/api']);
    const missing = await run(['whoami', '--kubeconfig', kubeconfig, '--as-pod', 'pod/nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('pod shop/nope not found');
    const noGraph = await run(['whoami', '--kubeconfig', kubeconfig, '--resolve-groups']);
    expect(noGraph.code).toBe(2);
    expect(noGraph.stderr).toContain('--resolve-groups needs a Microsoft Graph token');
  });

  it('an unreachable cluster is exit 3', async () => {
    const dead = join(dir, 'dead.yaml');
    writeFileSync(dead, `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: ${STATIC}}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n`);
    const r = await run(['whoami', '--kubeconfig', dead]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^error: cannot reach the API server https:\/\/127\.0\.0\.1:9/);
    expect(r.stderr).not.toContain(STATIC);
  });
});

describe('kubectl np whoami --as-pod with a policy list one may not read', () => {
  it('marks it "(may select it)" only where the engine enforces its kind', async () => {
    const DEV = 'dev-token-0123456789';
    // may list everything --as-pod reads but the Cilium policies
    const reader = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'no-cilium' }, rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io', 'policy.networking.k8s.io', 'projectcalico.org', 'crd.projectcalico.org'], resources: ['*'], verbs: ['get', 'list'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dev-no-cilium' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'no-cilium' }, subjects: [{ kind: 'User', name: 'dev@example.com' }] };
    const objects = [...shopExampleObjects(), reader, binding];
    const limited = await startTestApiServer({ staticTokens: { [DEV]: { username: 'dev@example.com' } }, objects: [...objects, engineAgent('azure-npm')], policyCrds: true });
    try {
      const config = join(dir, 'no-cilium.yaml');
      limited.writeKubeconfig(config, { context: 'limited', namespace: 'default', user: { token: DEV } });
      const np = cliAs(config, dir);
      const asPod = ['whoami', '--as-pod', 'payments/deploy/payments'];
      const [npm, json] = await Promise.all([np(asPod), np([...asPod, '-o', 'json'])]);
      expect(npm.code, npm.stderr).toBe(0);
      // Azure NPM ignores Cilium policies, read or not: the list changes nothing for the pod
      expect(npm.stdout).toMatch(/^ +not evaluated: ciliumnetworkpolicies\.cilium\.io in namespace payments is not read \(you may not list them\), and not enforced: this cluster's engine is Azure NPM$/m);
      expect(npm.stdout).not.toContain('(may select it)');
      expect(JSON.parse(json.stdout).notEvaluated).toContainEqual({ object: 'ciliumnetworkpolicies.cilium.io in namespace payments', reason: "not read (you may not list them), and not enforced: this cluster's engine is Azure NPM", mayDecide: false });
      // where Cilium runs, the unread list may hold a policy selecting the pod
      limited.setObjects([...objects, engineAgent('cilium')]);
      const [cilium, ciliumJson] = await Promise.all([np(asPod), np([...asPod, '-o', 'json'])]);
      expect(cilium.code, cilium.stderr).toBe(0);
      expect(cilium.stdout).toMatch(/^ +not evaluated: ciliumnetworkpolicies\.cilium\.io in namespace payments — you may not list them \(may select it\)$/m);
      expect(JSON.parse(ciliumJson.stdout).notEvaluated).toContainEqual({ object: 'ciliumnetworkpolicies.cilium.io in namespace payments', reason: 'you may not list them', mayDecide: true });
    } finally {
      await limited.close();
    }
  });
});

describe('no kubeconfig at all', () => {
  it('every live command says so in one line, exit 2, instead of a TLS error about http://localhost:8080', async () => {
    const home = mkdtempSync(join(tmpdir(), 'np-no-kubeconfig-'));
    const env = { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' };
    const manifests = 'error: no kubeconfig found (looked at $KUBECONFIG / ~/.kube/config); use --kubeconfig, or -f to read manifests';
    const identity = 'error: no kubeconfig found (looked at $KUBECONFIG / ~/.kube/config); use --kubeconfig';
    const cases: [string[], string][] = [
      [['can-reach', 'pod/a', 'pod/b', '--port', '80'], manifests],
      [['explain', 'pod/a', 'pod/b'], manifests],
      [['explain', 'pod/a'], manifests],
      [['matrix'], manifests],
      [['whoami'], identity],
      [['whoami', '--as-pod', 'shop/pod/a'], identity],
      [['explain', 'can-i', 'get', 'pods'], identity],
      [['can-reach', 'me', 'svc/web'], identity],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { env });
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 2, stderr: message + '\n' });
    }
    // $KUBECONFIG naming only missing files is the same case
    const r = await runCli(['whoami'], { env: { ...env, KUBECONFIG: join(home, 'nope.yaml') } });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`error: no kubeconfig found (none of the files in $KUBECONFIG exist: ${join(home, 'nope.yaml')}); use --kubeconfig\n`);
  });
});

describe('kubectl np explain can-i', () => {
  it('yes: exit 0 with the granting chain', async () => {
    const r = await run(['explain', 'can-i', 'create', 'pods/web', '--subresource', 'portforward', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('yes — create pods/portforward "web" in namespace shop as alice@contoso.example');
    expect(r.stdout).toContain('Granted by');
  });

  it('no: exit 1 with the nearest misses', async () => {
    const r = await run(['explain', 'can-i', 'delete', 'deploy/web', '-n', 'shop', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('no — delete deployments.apps "web" in namespace shop');
    expect(r.stdout).toContain('✗ the rule allows verbs get, update, patch, not "delete"');
  });

  it('-o json carries the verdict and the chain', async () => {
    const r = await run(['explain', 'can-i', 'get', 'secrets/db', '-n', 'payments', '-o', 'json', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ allowed: true, request: { kind: 'resource', verb: 'get', resource: 'secrets', name: 'db', namespace: 'payments' } });
    expect(json.rbac.grants.map((g: { binding: unknown }) => g.binding)).toEqual([
      { kind: 'ClusterRoleBinding', name: 'readers-read' },
      { kind: 'RoleBinding', name: 'alice-db-secret', namespace: 'payments' },
    ]);
  });

  it('bad input is one line and exit 2', async () => {
    const r = await run(['explain', 'can-i', 'get', 'pods/a/log', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('use RESOURCE/NAME, and --subresource for a subresource');
  });
});

describe('kubectl np can-reach me', () => {
  it('ALLOWED (exit 0) when port-forward is allowed, with the chain for each API path', async () => {
    const r = await run(['can-reach', 'me', 'pod/web-0', '--port', '8080', '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ALLOWED — you may port-forward to pod shop/web-0 as alice@contoso.example');
    expect(r.stdout).toMatch(/port-forward +yes — /);
    expect(r.stdout).toMatch(/exec +yes — /);
    // the "reader" role's resources: ['*'] covers every subresource, pods/proxy included
    expect(r.stdout).toMatch(/proxy +yes — /);
    expect(r.stdout).toContain('ClusterRoleBinding readers-read → ClusterRole reader');
    expect(r.stdout).toContain('RoleBinding shop/devs-debug → ClusterRole debugger');
    expect(r.stdout).toContain('NetworkPolicies do not apply to port-forward');
    expect(r.stdout).toContain('RBAC does not restrict ports');
  });

  it('DENIED (exit 1) elsewhere, with the nearest misses', async () => {
    const r = await run(['can-reach', 'me', 'payments/pod/db-0', '--kubeconfig', kubeconfig]);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('DENIED — you may not port-forward to pod payments/db-0 as alice@contoso.example');
    expect(r.stdout).toContain('✗ the RoleBinding grants it in namespace shop, not in payments');
  });

  it('a Service resolves to its pods for port-forward and exec, and to services/proxy for the proxy', async () => {
    const r = await run(['can-reach', 'me', 'svc/api', '-o', 'json', '--kubeconfig', kubeconfig]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ allowed: true, source: 'me', destination: { kind: 'Service', namespace: 'shop', name: 'api', pods: ['api-0'], service: 'api' } });
    expect(json.paths.map((p: { path: string; allowed: boolean }) => [p.path, p.allowed])).toEqual([['port-forward', true], ['exec', true], ['proxy', true]]);
    expect(json.paths[2].checks[0].request).toEqual({ kind: 'resource', verb: 'get', group: '', resource: 'services', subresource: 'proxy', namespace: 'shop', name: 'api' });
  });

  it('reads only what it needs: no NetworkPolicies (they do not apply to this traffic), no warnings for lists it never uses', async () => {
    const pf = join(dir, 'pf.yaml');
    server.writeKubeconfig(pf, { context: 'pf', namespace: 'shop', user: { token: PF_ONLY } });
    const before = server.requests.length;
    const r = await run(['can-reach', 'me', 'shop/svc/api', '--port', '8080', '--kubeconfig', pf]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ALLOWED — you may port-forward to Service shop/api as pf@contoso.example');
    expect(r.stderr).toBe('');
    const listed = server.requests.slice(before).filter((q) => q.method === 'GET').map((q) => q.path.split('?')[0]);
    expect(listed.filter((p) => /networkpolicies|namespaces$|serviceaccounts|deployments|daemonsets/.test(p))).toEqual([]);
  });

  it('rejects manifests and addresses as bad input', async () => {
    const withFiles = await run(['can-reach', 'me', 'pod/web-0', '-f', 'examples/shop', '--kubeconfig', kubeconfig]);
    expect(withFiles.code).toBe(2);
    expect(withFiles.stderr).toContain('-f (manifests) does not apply');
    const ip = await run(['can-reach', 'me', 'ip:10.0.0.1', '--kubeconfig', kubeconfig]);
    expect(ip.code).toBe(2);
  });
});

describe('a user who may not read RBAC objects', () => {
  const pf = join(dir, 'pf-rbac.yaml');
  beforeAll(() => server.writeKubeconfig(pf, { context: 'pf', namespace: 'shop', user: { token: PF_ONLY } }));

  it('whoami says the binding list is incomplete and points at SelfSubjectAccessReview, never "the whole story"', async () => {
    const r = await run(['whoami', '--kubeconfig', pf]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Bindings (0)\n  (none found in the lists you may read)\n  (incomplete: not allowed to list clusterroles, clusterrolebindings');
    expect(r.stdout).toMatch(/Authorization: RBAC — the bindings above are incomplete \(you may not list clusterroles, .*\);\n  ask the API server instead, its SelfSubjectAccessReview is authoritative: kubectl np explain can-i VERB RESOURCE/);
    expect(r.stdout).not.toContain('whole story');
    // in the order the lists are asked for, not the order the answers happen to arrive
    const json = JSON.parse((await run(['whoami', '--kubeconfig', pf, '-o', 'json'])).stdout);
    expect(json.rbacGaps).toEqual(['clusterroles', 'clusterrolebindings', 'roles in all namespaces', 'rolebindings in all namespaces', 'roles in shop', 'rolebindings in shop']);
  });

  it('explain can-i does not claim nothing comes close, nor blame another authorizer, when it could read no RBAC', async () => {
    const no = await run(['explain', 'can-i', 'delete', 'pods', '--kubeconfig', pf]);
    expect(no.code).toBe(1);
    expect(no.stdout).toContain('No binding or rule you may read comes close.');
    expect(no.stdout).not.toContain('No binding or rule comes close.');
    expect(no.stdout).toMatch(/\(RBAC view incomplete: not allowed to list clusterroles, .*; the API server's verdict above is authoritative\)/);
    const yes = await run(['explain', 'can-i', 'create', 'pods/api-0', '--subresource', 'portforward', '--kubeconfig', pf]);
    expect(yes.code).toBe(0);
    // the test API server gives RBAC's reason, which names the binding we could not read
    expect(yes.stdout).toContain('API server: allowed (RBAC: allowed by RoleBinding "pf/shop" of Role "pf" to User "pf@contoso.example")');
    expect(yes.stdout).toContain("No binding you may read grants this; the API server's reason above names the one that does.");
    expect(yes.stdout).not.toContain('No RBAC binding grants this');
  });
});

describe('live reads by the NetworkPolicy commands', () => {
  it('never read RBAC objects or service accounts, so a user without RBAC read gets no warnings about them', async () => {
    const np = join(dir, 'np.yaml');
    server.writeKubeconfig(np, { context: 'np', namespace: 'shop', user: { token: NP_READER } });
    const r = await run(['can-reach', 'shop/pod/api-0', 'shop/svc/api', '--kubeconfig', np]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/not allowed to list/);
  });

  it('a required list that is forbidden is one line saying what you may not list, exit 3 (no answer: 1 would read as DENIED)', async () => {
    const pf = join(dir, 'pf.yaml');
    server.writeKubeconfig(pf, { context: 'pf', namespace: 'shop', user: { token: PF_ONLY } });
    const r = await run(['can-reach', 'shop/pod/api-0', 'shop/svc/api', '--kubeconfig', pf]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^error: you may not list networkpolicies in namespace shop, which this command needs \(ask for list access, or analyse manifests with -f\)/);
  });
});

describe('whoami through a kubectl-np exec entry (Entra emulator → OIDC API server → Graph)', () => {
  let emu: EntraEmulator;
  let oidcServer: TestApiServer;
  beforeAll(async () => {
    emu = await startEntraEmulator({ users: [{ username: 'many@contoso.example', groups: [DEVS, ADMINS, ...Array.from({ length: 205 }, (_, i) => `7e57${String(i).padStart(4, '0')}-0000-4000-8000-000000000000`)] }], deviceCodeIntervalSeconds: 0.05 });
    (emu as unknown as { addGroup(g: { id: string; displayName: string }): void }).addGroup({ id: DEVS, displayName: 'shop-developers' });
    oidcServer = await startTestApiServer({
      oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, usernameClaim: 'upn', usernamePrefix: '-', caPem: emu.caPem },
      objects: [...shopObjects(), ...rbacReaderObjects('system:authenticated')],
    });
  });
  afterAll(async () => {
    await oidcServer?.close();
    await emu?.close();
  });

  it('signs in once, then whoami shows the overage and resolves the groups from Graph', async () => {
    const env = isolatedEnv({ NODE_EXTRA_CA_CERTS: emu.caFile });
    // a kubectl-np on PATH, as kubectl's exec plugin lookup needs
    const bin = mkdtempSync(join(tmpdir(), 'np-bin-'));
    writeFileSync(join(bin, 'kubectl-np'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin/run.js')}" "$@"\n`);
    chmodSync(join(bin, 'kubectl-np'), 0o755);
    env.PATH = `${bin}:${env.PATH}`;
    const tokenArgs = ['--tenant-id', emu.tenantId, '--authority-host', emu.authorityHost];
    const file = join(dir, 'exec.yaml');
    oidcServer.writeKubeconfig(file, { context: 'aks', namespace: 'shop', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', args: ['get-token', ...tokenArgs], interactiveMode: 'IfAvailable' } } });

    // before signing in: a clear exit 3 naming the fix, not a device-code prompt nobody sees
    const early = await run(['whoami', '--kubeconfig', file], env);
    expect(early.code, early.stderr).toBe(3);
    expect(early.stderr).toContain('kubectl np login');
    expect(early.stderr).not.toMatch(/enter the code/);

    const login = await runCli(['login', '--kubeconfig', file, '--context', 'aks'], { env, onStderr: approveFromStderr((code) => emu.approveDeviceCode(code, 'many@contoso.example')) });
    expect(login.code, login.stderr).toBe(0);

    const plain = await run(['whoami', '--kubeconfig', file, '-o', 'json'], env);
    expect(plain.code, plain.stderr).toBe(0);
    const report = JSON.parse(plain.stdout);
    expect(report.credential).toEqual({ kind: 'exec', command: 'kubectl-np', helper: 'kubectl-np' });
    expect(report.apiServer.user.username).toBe('many@contoso.example');
    expect(report.token.overage.kind).toBe('claim-sources');
    expect(report.notes.join('\n')).toContain('--resolve-groups');

    const before = emu.requests.length;
    const resolved = await run(['whoami', '--kubeconfig', file, '--resolve-groups', '--graph-url', emu.graphUrl], env);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain('Groups from Microsoft Graph (207)');
    expect(resolved.stdout).toContain(`${DEVS}  shop-developers   (not seen by the API server)`);
    // the Graph token came silently from the cached account: a refresh-token grant, no new sign-in
    const calls = emu.requests.slice(before);
    expect(calls.filter((c) => c.endpoint === 'token').map((c) => c.grantType)).toEqual(['refresh_token']);
    expect(calls.filter((c) => c.endpoint === 'graph').map((c) => c.path)).toEqual(['/graph/v1.0/me/getMemberObjects', '/graph/v1.0/directoryObjects/getByIds']);
    expect(resolved.stdout + resolved.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);

    // who-can --resolve-groups names the groups through the same account and Graph (the emulator's)
    const whoCan = await run(['who-can', 'get', 'pods', '-n', 'shop', '--kubeconfig', file, '--resolve-groups', '--graph-url', emu.graphUrl, '-o', 'json'], env);
    expect(whoCan.code, whoCan.stderr).toBe(0);
    const devs = JSON.parse(whoCan.stdout).entries.find((e: { subject: { name: string } }) => e.subject.name === DEVS);
    expect(devs).toMatchObject({ subject: { kind: 'Group', name: DEVS }, displayName: 'shop-developers' });
    const whoCanText = await run(['who-can', 'get', 'pods', '-n', 'shop', '--kubeconfig', file, '--resolve-groups', '--graph-url', emu.graphUrl], env);
    expect(whoCanText.stdout).toMatch(/^KIND +SUBJECT +DISPLAY NAME +BINDING → ROLE$/m);
    expect(whoCanText.stdout).toMatch(new RegExp(`^GROUP +${DEVS} +shop-developers +ClusterRoleBinding devs-view → ClusterRole view-pods$`, 'm'));

    // --debug reaches into the exec plugin: its sign-in steps, then one line per API request; never a token
    const debug = await run(['whoami', '--kubeconfig', file, '--resolve-groups', '--graph-url', emu.graphUrl, '--debug'], env);
    expect(debug.code, debug.stderr).toBe(0);
    const lines = debug.stderr.trim().split('\n');
    const at = (pattern: RegExp) => lines.findIndex((l) => pattern.test(l));
    const running = at(/^debug: credential plugin: running kubectl-np get-token \(the exec entry of user /);
    const cached = at(/^debug: sign-in: cached access token valid until \S+ \(in \d+ min\): no request to Entra$/);
    const exited = at(/^debug: credential plugin: kubectl-np exited 0 \(\d+ ms\)$/);
    const review = at(/^debug: POST \/apis\/authentication\.k8s\.io\/v1\/selfsubjectreviews → 201 \(\d+ ms\)$/);
    expect([running, cached, exited, review].every((i) => i >= 0), debug.stderr).toBe(true);
    expect(running < cached && cached < exited && exited < review).toBe(true);
    // the Graph token is this process's own: its requests to Entra get a line each too
    expect(debug.stderr).toMatch(/^debug: GET https:\/\/\S+\/v2\.0\/\.well-known\/openid-configuration → 200 \(\d+ ms\)$/m);
    expect(debug.stdout + debug.stderr).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\./);
    expect(debug.stderr).not.toMatch(/refresh_token=|access_token"/);
  });
});
