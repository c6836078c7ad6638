// The test double of kube-apiserver, checked against the real kubectl and against kube-apiserver's
// documented OIDC and RBAC behaviour, so other tests can trust what it answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { apiRequest, canI, requireKubectl, runKubectl, startTestApiServer, type TestApiServer, type TestApiServerOptions } from '../support/apiserver/index.js';
import { startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';

const fixtures = [
  { kind: 'Namespace', metadata: { name: 'shop', labels: { team: 'retail' } } },
  { kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop', labels: { app: 'web' } }, spec: { containers: [{ name: 'web' }] }, status: { phase: 'Running', podIP: '10.0.0.5' } },
  { kind: 'Pod', metadata: { name: 'db-0', namespace: 'shop', labels: { app: 'db' } }, spec: { containers: [{ name: 'db' }] }, status: { phase: 'Running' } },
  { kind: 'Pod', metadata: { name: 'coredns-1', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } }, spec: { containers: [{ name: 'coredns' }] } },
  { kind: 'ClusterRole', metadata: { name: 'pod-reader' }, rules: [{ apiGroups: [''], resources: ['pods', 'namespaces'], verbs: ['get', 'list'] }] },
  { kind: 'ClusterRoleBinding', metadata: { name: 'devs-read-pods' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'pod-reader' }, subjects: [{ kind: 'Group', name: 'devs' }] },
  { kind: 'Role', metadata: { name: 'exec', namespace: 'shop' }, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] },
  { kind: 'RoleBinding', metadata: { name: 'alice-exec', namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'exec' }, subjects: [{ kind: 'User', name: 'alice' }] },
];

const tokens: TestApiServerOptions['staticTokens'] = {
  'alice-token-0123456789': { username: 'alice', groups: ['devs'] },
  'bob-token-0123456789': { username: 'bob', groups: [] },
};

describe('test API server with real kubectl', () => {
  let server: TestApiServer;
  let home: string;
  let aliceConfig: string;

  beforeAll(async () => {
    requireKubectl();
    server = await startTestApiServer({ staticTokens: tokens, objects: fixtures });
    home = mkdtempSync(join(tmpdir(), 'kubectl-np-apiserver-'));
    aliceConfig = join(home, 'alice.yaml');
    server.writeKubeconfig(aliceConfig, { context: 'alice', user: { token: 'alice-token-0123456789' } });
  });
  afterAll(async () => server?.close());

  const kubectl = (args: string[], kubeconfig = aliceConfig) => runKubectl(args, { kubeconfig, home });

  it('kubectl get ns prints every namespace, including ones implied by fixtures', async () => {
    const r = await kubectl(['get', 'ns']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const names = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names.sort()).toEqual(['default', 'kube-system', 'shop']);
    expect(r.stdout).toMatch(/^NAME\s+STATUS\s+AGE/);
  });

  it('kubectl get pods -A lists pods of all namespaces with their namespace', async () => {
    const r = await kubectl(['get', 'pods', '-A']);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split('\n').slice(1).map((l) => l.split(/\s+/).slice(0, 2).join('/'));
    expect(rows.sort()).toEqual(['kube-system/coredns-1', 'shop/db-0', 'shop/web-1']);
  });

  it('kubectl get pods -l filters by label selector, and -o json returns the objects', async () => {
    const r = await kubectl(['get', 'pods', '-n', 'shop', '-l', 'app in (web)', '-o', 'json']);
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout);
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['web-1']);
    expect(server.requests.some((q) => q.path.startsWith('/api/v1/namespaces/shop/pods?') && q.path.includes('labelSelector=app+in+%28web%29'))).toBe(true);
  });

  it('kubectl get ns shows the namespace label the real server adds', async () => {
    const r = await kubectl(['get', 'ns', 'shop', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).metadata.labels).toEqual({ team: 'retail', 'kubernetes.io/metadata.name': 'shop' });
  });

  it('kubectl auth can-i answers from RBAC: yes (exit 0) and no (exit 1)', async () => {
    const yes = await kubectl(['auth', 'can-i', 'list', 'pods', '-n', 'shop']);
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    const no = await kubectl(['auth', 'can-i', 'delete', 'pods', '-n', 'shop']);
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    const exec = await kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'shop']);
    expect([exec.code, exec.stdout.trim()]).toEqual([0, 'yes']);
    const execElsewhere = await kubectl(['auth', 'can-i', 'create', 'pods', '--subresource=exec', '-n', 'default']);
    expect([execElsewhere.code, execElsewhere.stdout.trim()]).toEqual([1, 'no']);
  });

  it('kubectl auth whoami shows the user and groups (SelfSubjectReview v1)', async () => {
    const r = await kubectl(['auth', 'whoami', '-o', 'json']);
    expect(r.code).toBe(0);
    const review = JSON.parse(r.stdout);
    expect(review.apiVersion).toBe('authentication.k8s.io/v1');
    expect(review.status.userInfo).toEqual({ username: 'alice', groups: ['devs', 'system:authenticated'] });
  });

  it('a forbidden list fails in kubectl with the real server\'s Forbidden message', async () => {
    const bob = join(home, 'bob.yaml');
    server.writeKubeconfig(bob, { context: 'bob', user: { token: 'bob-token-0123456789' } });
    const r = await kubectl(['get', 'pods', '-n', 'shop'], bob);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Error from server (Forbidden): pods is forbidden: User "bob" cannot list resource "pods" in API group "" in the namespace "shop"');
  });

  it('a bad token gets 401 and kubectl says it must log in', async () => {
    const bad = join(home, 'bad.yaml');
    server.writeKubeconfig(bad, { context: 'bad', user: { token: 'not-a-known-token' } });
    const before = server.requests.length;
    const r = await kubectl(['get', 'ns'], bad);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/You must be logged in to the server|Unauthorized/);
    expect(server.requests.slice(before).every((q) => q.status === 401 && q.authorization === 'bearer' && q.user === undefined)).toBe(true);
  });

  it('records requests without ever storing a token', () => {
    const log = JSON.stringify(server.requests);
    expect(server.requests.length).toBeGreaterThan(10);
    expect(log).not.toContain('alice-token');
    expect(log).not.toContain('not-a-known-token');
  });

  it('kubectl auth whoami falls back to v1beta1 on an older server, and fails when none is served', async () => {
    const old = await startTestApiServer({ staticTokens: tokens, selfSubjectReviewVersions: ['v1beta1'] });
    const none = await startTestApiServer({ staticTokens: tokens, selfSubjectReviewVersions: [] });
    try {
      const oldConfig = join(home, 'old.yaml');
      old.writeKubeconfig(oldConfig, { user: { token: 'alice-token-0123456789' } });
      const r = await kubectl(['auth', 'whoami', '-o', 'json'], oldConfig);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).apiVersion).toBe('authentication.k8s.io/v1beta1');
      expect(old.requests.some((q) => q.path === '/apis/authentication.k8s.io/v1/selfsubjectreviews' && q.status === 404)).toBe(true);

      const noneConfig = join(home, 'none.yaml');
      none.writeKubeconfig(noneConfig, { user: { token: 'alice-token-0123456789' } });
      const n = await kubectl(['auth', 'whoami'], noneConfig);
      expect(n.code).not.toBe(0);
      expect(n.stderr).toMatch(/selfsubjectreviews|not enabled|doesn't have a resource/i);
    } finally {
      await Promise.all([old.close(), none.close()]);
    }
  });
});

describe('test API server: HTTP contract', () => {
  let server: TestApiServer;
  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: tokens, objects: fixtures });
  });
  afterAll(async () => server?.close());

  it('anonymous and unknown tokens get the Unauthorized Status body', async () => {
    const expected = { kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };
    const anon = await apiRequest(server, '/api/v1/namespaces');
    expect(anon.status).toBe(401);
    expect(anon.body).toMatchObject(expected);
    const bad = await apiRequest(server, '/api/v1/namespaces', { token: 'wrong' });
    expect(bad.status).toBe(401);
    expect(bad.body).toMatchObject(expected);
    expect(server.requests.at(-2)).toMatchObject({ authorization: 'none', status: 401 });
  });

  it('serves lists and gets on namespaced and all-namespace paths, with field selectors', async () => {
    const all = await apiRequest(server, '/api/v1/pods', { token: 'alice-token-0123456789' });
    expect(all.body.kind).toBe('PodList');
    expect(all.body.items).toHaveLength(3);
    const ns = await apiRequest(server, '/api/v1/namespaces/shop/pods?fieldSelector=metadata.name%3Ddb-0', { token: 'alice-token-0123456789' });
    expect(ns.body.items.map((p: { metadata: { name: string } }) => p.metadata.name)).toEqual(['db-0']);
    const one = await apiRequest(server, '/api/v1/namespaces/shop/pods/web-1', { token: 'alice-token-0123456789' });
    expect(one.body).toMatchObject({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'shop' } });
    const missing = await apiRequest(server, '/api/v1/namespaces/shop/pods/nope', { token: 'alice-token-0123456789' });
    expect(missing.status).toBe(404);
    expect(missing.body.reason).toBe('NotFound');
  });

  it('a bad label selector is a 400, an unknown resource a 404', async () => {
    expect((await apiRequest(server, '/api/v1/pods?labelSelector=a%20in%20(', { token: 'alice-token-0123456789' })).status).toBe(400);
    expect((await apiRequest(server, '/apis/apps/v1/widgets', { token: 'alice-token-0123456789' })).status).toBe(404);
  });

  it('setObjects replaces what is served', async () => {
    server.setObjects([{ kind: 'Namespace', metadata: { name: 'fresh' } }, ...fixtures.filter((o) => o.kind.startsWith('Cluster'))]);
    try {
      const r = await apiRequest(server, '/api/v1/namespaces', { token: 'alice-token-0123456789' });
      expect(r.body.items.map((n: { metadata: { name: string } }) => n.metadata.name).sort()).toEqual(['default', 'fresh']);
      expect((await apiRequest(server, '/api/v1/pods', { token: 'alice-token-0123456789' })).body.items).toEqual([]);
    } finally {
      server.setObjects(fixtures);
    }
  });
});

describe('test API server: RBAC authorizer', () => {
  const rbacFixtures = [
    { kind: 'ClusterRole', metadata: { name: 'aggregate-view' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { 'example.com/aggregate-to-view': 'true' } }] } },
    { kind: 'ClusterRole', metadata: { name: 'netpol-view', labels: { 'example.com/aggregate-to-view': 'true' } }, rules: [{ apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['get', 'list'] }] },
    { kind: 'ClusterRole', metadata: { name: 'svc-view', labels: { 'example.com/aggregate-to-view': 'true' } }, rules: [{ apiGroups: [''], resources: ['services'], verbs: ['list'] }] },
    { kind: 'ClusterRoleBinding', metadata: { name: 'carol-view' }, roleRef: { kind: 'ClusterRole', name: 'aggregate-view' }, subjects: [{ kind: 'User', name: 'carol' }] },
    { kind: 'ClusterRole', metadata: { name: 'edit-apps' }, rules: [{ apiGroups: ['apps'], resources: ['*'], verbs: ['*'] }, { apiGroups: ['*'], resources: ['*/scale'], verbs: ['update'] }] },
    { kind: 'RoleBinding', metadata: { name: 'carol-apps', namespace: 'team-a' }, roleRef: { kind: 'ClusterRole', name: 'edit-apps' }, subjects: [{ kind: 'User', name: 'carol' }] },
    { kind: 'Role', metadata: { name: 'one-secret', namespace: 'team-a' }, rules: [{ apiGroups: [''], resources: ['secrets'], resourceNames: ['db-password'], verbs: ['get'] }] },
    { kind: 'RoleBinding', metadata: { name: 'ci-secret', namespace: 'team-a' }, roleRef: { kind: 'Role', name: 'one-secret' }, subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: 'team-a' }] },
    { kind: 'ClusterRole', metadata: { name: 'metrics' }, rules: [{ nonResourceURLs: ['/metrics', '/logs/*'], verbs: ['get'] }] },
    { kind: 'ClusterRoleBinding', metadata: { name: 'ops-metrics' }, roleRef: { kind: 'ClusterRole', name: 'metrics' }, subjects: [{ kind: 'Group', name: 'ops' }] },
  ];
  let server: TestApiServer;
  beforeAll(async () => {
    server = await startTestApiServer({
      staticTokens: {
        carol: { username: 'carol' },
        ci: { username: 'system:serviceaccount:team-a:ci', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a'] },
        ops: { username: 'dave', groups: ['ops'] },
        admin: { username: 'root', groups: ['system:masters'] },
      },
      objects: rbacFixtures,
    });
  });
  afterAll(async () => server?.close());

  it('aggregated ClusterRoles collect the rules of the roles their selectors match', async () => {
    expect((await canI(server, 'carol', { verb: 'list', resource: 'networkpolicies', group: 'networking.k8s.io', namespace: 'x' })).allowed).toBe(true);
    expect((await canI(server, 'carol', { verb: 'list', resource: 'services', namespace: 'x' })).allowed).toBe(true);
    expect((await canI(server, 'carol', { verb: 'delete', resource: 'services', namespace: 'x' })).allowed).toBe(false);
  });

  it('a RoleBinding to a ClusterRole grants only in its namespace; wildcards and */subresource match', async () => {
    const inNs = await canI(server, 'carol', { verb: 'delete', resource: 'deployments', group: 'apps', namespace: 'team-a' });
    expect(inNs).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "carol-apps/team-a" of ClusterRole "edit-apps" to User "carol"' });
    expect((await canI(server, 'carol', { verb: 'delete', resource: 'deployments', group: 'apps', namespace: 'team-b' })).allowed).toBe(false);
    expect((await canI(server, 'carol', { verb: 'delete', resource: 'deployments', group: 'apps' })).allowed).toBe(false);
    expect((await canI(server, 'carol', { verb: 'update', resource: 'deployments', subresource: 'scale', group: 'apps', namespace: 'team-a' })).allowed).toBe(true);
    expect((await canI(server, 'carol', { verb: 'update', resource: 'replicationcontrollers', subresource: 'scale', group: '', namespace: 'team-a' })).allowed).toBe(true);
    expect((await canI(server, 'carol', { verb: 'update', resource: 'replicationcontrollers', group: '', namespace: 'team-a' })).allowed).toBe(false);
  });

  it('resourceNames restrict to named objects; ServiceAccount subjects match their username', async () => {
    expect((await canI(server, 'ci', { verb: 'get', resource: 'secrets', name: 'db-password', namespace: 'team-a' })).allowed).toBe(true);
    expect((await canI(server, 'ci', { verb: 'get', resource: 'secrets', name: 'other', namespace: 'team-a' })).allowed).toBe(false);
    expect((await canI(server, 'ci', { verb: 'get', resource: 'secrets', namespace: 'team-a' })).allowed).toBe(false);
  });

  it('nonResourceURLs match exactly or by trailing-* prefix; system:masters is cluster-admin', async () => {
    expect((await canI(server, 'ops', { verb: 'get', path: '/metrics' })).allowed).toBe(true);
    expect((await canI(server, 'ops', { verb: 'get', path: '/logs/kubelet.log' })).allowed).toBe(true);
    expect((await canI(server, 'ops', { verb: 'get', path: '/metricsx' })).allowed).toBe(false);
    expect((await canI(server, 'ops', { verb: 'post', path: '/metrics' })).allowed).toBe(false);
    expect((await canI(server, 'admin', { verb: 'delete', resource: 'nodes' })).allowed).toBe(true);
  });

  it('enforces authorization on reads: 403 Forbidden Status', async () => {
    const r = await apiRequest(server, '/apis/apps/v1/namespaces/team-b/deployments', { token: 'carol' });
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, message: 'deployments.apps is forbidden: User "carol" cannot list resource "deployments" in API group "apps" in the namespace "team-b"' });
    expect((await apiRequest(server, '/apis/apps/v1/namespaces/team-a/deployments', { token: 'carol' })).status).toBe(200);
  });

  it('SelfSubjectRulesReview lists the rules that apply in a namespace', async () => {
    const r = await apiRequest(server, '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { token: 'carol', body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace: 'team-a' } } });
    expect(r.status).toBe(201);
    expect(r.body.status.incomplete).toBe(false);
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ['*'], apiGroups: ['apps'], resources: ['*'] });
    expect(r.body.status.resourceRules).toContainEqual({ verbs: ['list'], apiGroups: [''], resources: ['services'] });
  });
});

describe('test API server: webhook and always-allow authorizers', () => {
  it('webhook mode: RBAC or the webhook allows; rules reviews are incomplete', async () => {
    const calls: string[] = [];
    const server = await startTestApiServer({
      staticTokens: { t: { username: 'erin@contoso.example', groups: ['aad-group-1'] } },
      authorizer: 'webhook',
      webhook: (user, attrs) => {
        calls.push(`${user.username} ${attrs.verb} ${attrs.resource ?? attrs.path} ${attrs.namespace ?? ''}`);
        return user.groups.includes('aad-group-1') && attrs.verb === 'get' && attrs.resource === 'pods' && attrs.namespace === 'prod';
      },
    });
    try {
      expect((await canI(server, 't', { verb: 'get', resource: 'pods', namespace: 'prod' }))).toEqual({ allowed: true, reason: 'allowed by webhook' });
      expect((await canI(server, 't', { verb: 'get', resource: 'pods', namespace: 'dev' })).allowed).toBe(false);
      expect(calls).toContain('erin@contoso.example get pods prod');
      const rules = await apiRequest(server, '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', { token: 't', body: { spec: { namespace: 'prod' } } });
      expect(rules.body.status.incomplete).toBe(true);
    } finally {
      await server.close();
    }
  });

  it('always-allow mode allows everything, even without bindings', async () => {
    const server = await startTestApiServer({ staticTokens: { t: { username: 'x' } }, authorizer: 'always-allow', bootstrapPolicy: false });
    try {
      expect((await canI(server, 't', { verb: 'delete', resource: 'nodes' })).allowed).toBe(true);
      expect((await apiRequest(server, '/api/v1/namespaces', { token: 't' })).status).toBe(200);
    } finally {
      await server.close();
    }
  });
});

describe('test API server: OIDC authenticator (tokens from the Entra emulator)', () => {
  let emu: EntraEmulator;
  let server: TestApiServer;
  const audience = 'kubectl-np-test-client';
  const now = () => Math.floor(Date.now() / 1000);
  const claims = (extra: Record<string, unknown> = {}) => ({ iss: emu.issuer(), aud: audience, sub: 'user-123', iat: now(), nbf: now(), exp: now() + 600, groups: ['g1', 'g2'], ...extra });
  const who = async (s: TestApiServer, token: string) => {
    const r = await apiRequest(s, '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } });
    return r.status === 201 ? r.body.status.userInfo : { status: r.status, body: r.body };
  };
  const withServer = async (oidc: Partial<NonNullable<TestApiServerOptions['oidc']>>, fn: (s: TestApiServer) => Promise<void>) => {
    const s = await startTestApiServer({ oidc: { issuerUrl: emu.issuer(), audience, caPem: emu.caPem, ...oidc } });
    try {
      await fn(s);
    } finally {
      await s.close();
    }
  };

  beforeAll(async () => {
    emu = await startEntraEmulator();
    server = await startTestApiServer({ oidc: { issuerUrl: emu.issuer(), audience, groupsClaim: 'groups', groupsPrefix: 'aad:', caPem: emu.caPem } });
  });
  afterAll(async () => {
    await server?.close();
    await emu?.close();
  });

  it('a valid token: username is ISSUER#sub by default, groups prefixed, plus system:authenticated', async () => {
    expect(await who(server, emu.mintToken(claims()))).toEqual({ username: `${emu.issuer()}#user-123`, groups: ['aad:g1', 'aad:g2', 'system:authenticated'] });
  });

  it('groups may be a single string; aud may be an array containing the client id', async () => {
    expect(await who(server, emu.mintToken(claims({ groups: 'solo', aud: ['other', audience] })))).toEqual({ username: `${emu.issuer()}#user-123`, groups: ['aad:solo', 'system:authenticated'] });
  });

  it('rejects wrong audience, wrong issuer, expiry, future nbf, tampering and unsigned tokens with 401', async () => {
    const rejected = { status: 401, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 } };
    expect(await who(server, emu.mintToken(claims({ aud: 'someone-else' })))).toEqual(rejected);
    expect(server.requests.at(-1)?.authError).toMatch(/audience/);
    expect(await who(server, emu.mintToken(claims({ iss: 'https://elsewhere.example/v2.0' })))).toEqual(rejected);
    expect(await who(server, emu.mintToken(claims({ exp: now() - 5 })))).toEqual(rejected);
    expect(server.requests.at(-1)?.authError).toMatch(/expired/);
    expect(await who(server, emu.mintToken(claims({ nbf: now() + 600 })))).toEqual(rejected);
    expect(await who(server, emu.mintToken(claims({ exp: undefined })))).toEqual(rejected);
    const [h, p, s] = emu.mintToken(claims()).split('.');
    const forgedPayload = Buffer.from(JSON.stringify(claims({ sub: 'admin' }))).toString('base64url');
    expect(await who(server, `${h}.${forgedPayload}.${s}`)).toEqual(rejected);
    expect(server.requests.at(-1)?.authError).toMatch(/signature/);
    const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    expect(await who(server, `${none}.${p}.`)).toEqual(rejected);
  });

  it('nbf within the 5-minute leeway is accepted', async () => {
    expect((await who(server, emu.mintToken(claims({ nbf: now() + 120 })))).username).toBe(`${emu.issuer()}#user-123`);
  });

  it('re-fetches the JWKS when a token is signed with a new key', async () => {
    expect((await who(server, emu.mintToken(claims()))).username).toBeDefined();
    emu.rotateSigningKey(undefined, true);
    expect((await who(server, emu.mintToken(claims()))).username).toBe(`${emu.issuer()}#user-123`);
  });

  it('username prefix rules: email claim unprefixed, "-" disables, explicit prefix used', async () => {
    await withServer({ usernameClaim: 'email' }, async (s) => {
      expect((await who(s, emu.mintToken(claims({ email: 'a@contoso.example' })))).username).toBe('a@contoso.example');
      expect((await who(s, emu.mintToken(claims({ email: 'a@contoso.example', email_verified: true })))).username).toBe('a@contoso.example');
      expect((await who(s, emu.mintToken(claims({ email: 'a@contoso.example', email_verified: false })))).status).toBe(401);
      expect(s.requests.at(-1)?.authError).toBe('oidc: email not verified');
    });
    await withServer({ usernameClaim: 'preferred_username', usernamePrefix: '-' }, async (s) => {
      expect(await who(s, emu.mintToken(claims({ preferred_username: 'alice@contoso.example' })))).toEqual({ username: 'alice@contoso.example', groups: ['system:authenticated'] });
      expect((await who(s, emu.mintToken(claims()))).status).toBe(401); // claim missing
    });
    await withServer({ usernameClaim: 'oid', usernamePrefix: 'aad:' }, async (s) => {
      expect((await who(s, emu.mintToken(claims({ oid: '0000-1111' })))).username).toBe('aad:0000-1111');
    });
  });

  it('an overage token whose distributed groups claim cannot be resolved is rejected', async () => {
    const overage = claims({ groups: undefined, _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: `${emu.authorityHost}/nowhere/getMemberObjects` } } });
    const r = await who(server, emu.mintToken(overage));
    expect(r.status).toBe(401);
    expect(server.requests.at(-1)?.authError).toMatch(/distributed claims/);
  });

  it('kubectl with an OIDC token sees the mapped identity', async () => {
    requireKubectl();
    const home = mkdtempSync(join(tmpdir(), 'kubectl-np-apiserver-oidc-'));
    const config = join(home, 'config');
    server.writeKubeconfig(config, { user: { token: emu.mintToken(claims()) } });
    const r = await runKubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig: config, home });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).status.userInfo.username).toBe(`${emu.issuer()}#user-123`);
  });
});
