// Impersonation on a real kube-apiserver (issue 15): kubeconfig `as`/`as-groups`/`as-uid` and the
// --as/--as-group/--as-uid flags must make whoami, explain can-i, access and who-can speak for the same
// identity the real `kubectl auth whoami`/`kubectl auth can-i` get with the same impersonation, and a
// forbidden impersonation must be said as such (exit 3), never read as "no". The impersonator is a
// client-certificate user whose only right is `impersonate`, so every answer that is right can only have
// come from the impersonated identity.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImpersonationFlags } from '../../src/cluster/impersonation.js';
import { runCanI } from '../../src/identity/can-i.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { kubectlAs, np } from './cli.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const NS = 'imp';
const roleRef = (kind: 'Role' | 'ClusterRole', name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });
const user = (name: string) => ({ kind: 'User', name, apiGroup: 'rbac.authorization.k8s.io' });
const group = (name: string) => ({ kind: 'Group', name, apiGroup: 'rbac.authorization.k8s.io' });

const objects = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ci', namespace: NS } },
  // ops-bot may impersonate anyone (users, groups, service accounts, uids) and nothing else
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'impersonator' }, rules: [{ apiGroups: [''], resources: ['users', 'groups', 'serviceaccounts'], verbs: ['impersonate'] }, { apiGroups: ['authentication.k8s.io'], resources: ['uids'], verbs: ['impersonate'] }] },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'impersonators' }, roleRef: roleRef('ClusterRole', 'impersonator'), subjects: [group('impersonators')] },
  // carol may impersonate users but not groups
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'user-impersonator' }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'] }] },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'carol-users' }, roleRef: roleRef('ClusterRole', 'user-impersonator'), subjects: [user('carol')] },
  // what the impersonated identities may do
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'debugger', namespace: NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] }] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'devs-debug', namespace: NS }, roleRef: roleRef('Role', 'debugger'), subjects: [group('devs')] },
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'rbac-reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }] },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'readers-rbac' }, roleRef: roleRef('ClusterRole', 'rbac-reader'), subjects: [group('readers')] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'bob-edit', namespace: NS }, roleRef: roleRef('ClusterRole', 'edit'), subjects: [user('bob')] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'ci-view', namespace: NS }, roleRef: roleRef('ClusterRole', 'view'), subjects: [{ kind: 'ServiceAccount', name: 'ci', namespace: NS }] },
];

let server: RealApiServer;
/** ops-bot (O=impersonators) with `as: jane`, `as-groups: [devs, readers]`, `as-uid: 42` in the kubeconfig */
let fromKubeconfig: string;
/** ops-bot without impersonation in the kubeconfig: the flags say whom */
let opsBot: string;
let alice: string;
let carol: string;

beforeAll(async () => {
  // runCanI in this process caches discovery like kubectl: not in the user's cache
  process.env.KUBECACHEDIR = mkdtempSync(join(tmpdir(), 'kubectl-np-kubecache-'));
  server = await startRealApiServer();
  await server.apply(objects);
  const bot = server.clientCertificate('ops-bot', ['impersonators']);
  fromKubeconfig = join(server.dir, 'as-jane.kubeconfig');
  server.writeKubeconfig(fromKubeconfig, { namespace: NS, user: { 'client-certificate': bot.certFile, 'client-key': bot.keyFile, as: 'jane', 'as-groups': ['devs', 'readers'], 'as-uid': '42' } });
  opsBot = server.kubeconfigFor('ops-bot', ['impersonators'], NS);
  alice = server.kubeconfigFor('alice', [], NS);
  carol = server.kubeconfigFor('carol', [], NS);
});
afterAll(async () => server?.close());

/** --as/--as-group/--as-uid as the commands hand them on */
const impersonationOf = (flags: string[]): ImpersonationFlags | undefined => {
  const values = (name: string) => flags.flatMap((f, i) => (f === name ? [flags[i + 1]] : []));
  return flags.length ? { as: values('--as')[0], asGroups: values('--as-group'), asUid: values('--as-uid')[0] } : undefined;
};

const kubectlWhoami = async (kubeconfig: string, flags: string[] = []) => {
  const r = await kubectlAs(kubeconfig, ['auth', 'whoami', '-o', 'json', ...flags]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).status.userInfo as { username: string; uid?: string; groups: string[]; extra?: Record<string, string[]> };
};
const kubectlCanI = async (kubeconfig: string, args: string[]) => (await kubectlAs(kubeconfig, ['auth', 'can-i', ...args])).stdout.trim().split('\n').pop();

/** [description, kubeconfig, flags] — the same impersonation given to both tools */
const identities = (): [string, string, string[]][] => [
  ['kubeconfig as/as-groups/as-uid (jane, devs+readers, uid 42)', fromKubeconfig, []],
  ['--as bob --as-uid 7', opsBot, ['--as', 'bob', '--as-uid', '7']],
  ['--as jane --as-group devs', opsBot, ['--as', 'jane', '--as-group', 'devs']],
  ['--as bob over the kubeconfig\'s as: jane (flags override field by field)', fromKubeconfig, ['--as', 'bob']],
  ['--as system:serviceaccount:imp:ci', opsBot, ['--as', `system:serviceaccount:${NS}:ci`]],
];

describe('whoami under impersonation, on a real kube-apiserver', () => {
  it('each impersonation gives the identity kubectl auth whoami gets (username, uid, groups, extra)', async () => {
    for (const [what, kubeconfig, flags] of identities()) {
      const theirs = await kubectlWhoami(kubeconfig, flags);
      const ours = await np(['whoami', '-o', 'json', ...flags], kubeconfig);
      expect(ours.code, `${what}: ${ours.stderr}`).toBe(0);
      const report = JSON.parse(ours.stdout);
      // the real server adds no credential-id for an impersonated identity: extra is absent on both sides
      expect({ what, user: report.apiServer.user }).toEqual({ what, user: theirs });
      expect(report.impersonation, what).toMatchObject({ user: theirs.username });
    }
  });

  it('the kubeconfig impersonation is named as such, and the bindings listed are jane\'s (through devs and readers), not ops-bot\'s', async () => {
    const r = await np(['whoami', '-o', 'json'], fromKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.impersonation).toMatchObject({ user: 'jane', groups: ['devs', 'readers'], source: 'kubeconfig' });
    const bindings = report.bindings.map((b: { binding: { name: string } }) => b.binding.name);
    expect(bindings).toEqual(expect.arrayContaining(['devs-debug', 'readers-rbac']));
    expect(bindings).not.toContain('impersonators');
    const text = await np(['whoami'], fromKubeconfig);
    expect(text.stdout).toContain('Impersonating  jane (groups devs, readers and uid 42)');
  });
});

describe('explain can-i under impersonation', () => {
  const QUESTIONS: string[][] = [
    ['create', 'pods', '--subresource', 'portforward', '-n', NS],
    ['get', 'pods', '-n', NS],
    ['delete', 'pods', '-n', NS],
    ['create', 'deployments.apps', '-n', NS],
    ['list', 'secrets', '-n', NS],
    ['list', 'configmaps', '-n', NS],
    // cluster-scoped: -A on both sides (kubectl would otherwise send the context namespace along)
    ['list', 'clusterroles', '-A'],
    ['impersonate', 'users', '-A'],
  ];

  it(`answers ${QUESTIONS.length} questions for each impersonation as kubectl auth can-i does with the same impersonation`, async () => {
    const disagreements: string[] = [];
    const answers = new Set<string>();
    for (const [what, kubeconfig, flags] of identities()) {
      for (const q of QUESTIONS) {
        const theirs = await kubectlCanI(kubeconfig, [...q, ...flags]);
        // in-process (the CLI's flag parsing is covered by the other tests here): the flags as the command maps them
        const opt = (name: string) => q[q.indexOf(name) + 1];
        const said = await runCanI({
          kubeconfig,
          verb: q[0],
          target: q[1],
          ...(q.includes('-n') ? { namespace: opt('-n') } : {}),
          ...(q.includes('-A') ? { allNamespaces: true } : {}),
          ...(q.includes('--subresource') ? { subresource: opt('--subresource') } : {}),
          impersonate: impersonationOf(flags),
        }).then(
          (report) => (report.allowed ? 'yes' : 'no'),
          (err: Error) => `error: ${err.message}`,
        );
        answers.add(said);
        if (said !== theirs) disagreements.push(`${what}: ${q.join(' ')}: kubectl-np ${said}, kubectl ${theirs}`);
      }
    }
    expect(disagreements).toEqual([]);
    // not vacuous: the identities are told apart
    expect([...answers].sort()).toEqual(['no', 'yes']);
  });

  it('says whom it answered for: the impersonated user, never the impersonator', async () => {
    const r = await np(['explain', 'can-i', 'create', 'pods', '--subresource', 'portforward', '-n', NS, '--as', 'jane', '--as-group', 'devs'], opsBot);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`yes — create pods/portforward in namespace ${NS} as jane`);
    expect(r.stdout).toContain('devs-debug');
    const bare = await np(['explain', 'can-i', 'create', 'pods', '--subresource', 'portforward', '-n', NS], opsBot);
    expect(bare.code).toBe(1);
  });
});

describe('access and who-can under impersonation', () => {
  it('access: every cell is what kubectl auth can-i says with the same impersonation', async () => {
    const verbs = ['get', 'list', 'create', 'delete'];
    const rows = ['pods', 'secrets', 'configmaps', 'deployments.apps', 'services', 'roles.rbac.authorization.k8s.io'];
    for (const [what, kubeconfig, flags] of identities()) {
      const r = await np(['access', '-n', NS, '--verbs', verbs.join(','), '-o', 'json', ...flags], kubeconfig);
      expect(r.code, `${what}: ${r.stderr}`).toBe(0);
      const table = new Map<string, Record<string, boolean>>((JSON.parse(r.stdout).rows as { name: string; verbs: Record<string, boolean> }[]).map((row) => [row.name, row.verbs]));
      const cells = await Promise.all(
        rows.flatMap((row) => verbs.map(async (verb) => ({ cell: `${verb} ${row}`, ours: table.get(row)?.[verb] ? 'yes' : table.has(row) ? 'no' : 'missing row', theirs: await kubectlCanI(kubeconfig, [verb, row, '-n', NS, ...flags]) }))),
      );
      expect(cells.filter((c) => c.ours !== c.theirs).map((c) => `${what}: ${c.cell}: kubectl-np ${c.ours}, kubectl ${c.theirs}`)).toEqual([]);
    }
  });

  it('who-can reads RBAC as the impersonated identity (the audit log says so) and each subject it names really may, by kubectl auth can-i', async () => {
    const before = server.auditEvents().length;
    const r = await np(['who-can', 'create', 'pods', '--subresource', 'portforward', '-n', NS, '-o', 'json'], fromKubeconfig);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.complete).toBe(true);
    const subjects = (report.entries as { subject: { kind: string; name: string; namespace?: string } }[]).map((e) => e.subject);
    expect(subjects).toEqual(expect.arrayContaining([{ kind: 'Group', name: 'devs', apiGroup: 'rbac.authorization.k8s.io' }, expect.objectContaining({ kind: 'User', name: 'bob' })]));
    const reads = server.auditEvents().slice(before).filter((e) => e.requestURI.startsWith('/apis/rbac.authorization.k8s.io/'));
    expect(reads.length).toBeGreaterThan(0);
    for (const e of reads) expect({ uri: e.requestURI, as: e.impersonatedUser, by: e.user }).toEqual({ uri: e.requestURI, as: 'jane', by: 'ops-bot' });
    // the reference: the server agrees that each User and Group named may do it
    for (const s of subjects) {
      if (s.kind === 'ServiceAccount' || s.name === 'system:masters') continue;
      const as = s.kind === 'User' ? ['--as', s.name] : ['--as', 'someone', '--as-group', s.name];
      expect({ s, says: await kubectlCanI(server.adminKubeconfig, ['create', 'pods', '--subresource', 'portforward', '-n', NS, ...as]) }).toEqual({ s, says: 'yes' });
    }
  });

  it('who-can as ops-bot itself, who may not read RBAC, says INCOMPLETE instead of borrowing jane\'s view', async () => {
    const r = await np(['who-can', 'create', 'pods', '--subresource', 'portforward', '-n', NS, '-o', 'json'], opsBot);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.complete).toBe(false);
    expect(JSON.stringify(report.entries)).not.toContain('devs-debug');
    const text = await np(['who-can', 'create', 'pods', '--subresource', 'portforward', '-n', NS], opsBot);
    expect(text.stdout.split('\n')[0]).toBe(`Who may create pods/portforward in namespace ${NS} (RBAC, INCOMPLETE)`);
  });
});

describe('a forbidden impersonation', () => {
  const FORBIDDEN_USER = 'users "jane" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope';

  it('whoami says which impersonation the server refused and why, in one line, exit 3 (kubectl auth whoami only blames the API)', async () => {
    const theirs = await kubectlAs(alice, ['auth', 'whoami', '--as', 'jane']);
    expect(theirs.code).not.toBe(0);
    const r = await np(['whoami', '--as', 'jane'], alice);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`error: impersonating jane is forbidden: ${FORBIDDEN_USER}`);
    expect(r.stderr).toContain('impersonation needs the "impersonate" verb');
  });

  it('explain can-i gives kubectl\'s server message as exit 3, never "no"', async () => {
    const theirs = await kubectlAs(alice, ['auth', 'can-i', 'get', 'pods', '-n', NS, '--as', 'jane']);
    expect(theirs.stderr).toContain(FORBIDDEN_USER);
    const r = await np(['explain', 'can-i', 'get', 'pods', '-n', NS, '--as', 'jane'], alice);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(FORBIDDEN_USER);
  });

  it('a user allowed to impersonate users but not groups: the refused group is named, for access and who-can too', async () => {
    const theirs = await kubectlAs(carol, ['auth', 'can-i', 'get', 'pods', '-n', NS, '--as', 'jane', '--as-group', 'devs']);
    const message = 'groups "devs" is forbidden: User "carol" cannot impersonate resource "groups" in API group "" at the cluster scope';
    expect(theirs.stderr).toContain(message);
    for (const args of [['explain', 'can-i', 'get', 'pods', '-n', NS], ['access', '-n', NS], ['who-can', 'get', 'pods', '-n', NS]]) {
      const r = await np([...args, '--as', 'jane', '--as-group', 'devs'], carol);
      expect({ args, code: r.code }).toEqual({ args, code: 3 });
      expect(r.stderr, args.join(' ')).toContain(message);
    }
    // users alone she may impersonate: jane without groups answers
    expect((await np(['explain', 'can-i', 'get', 'pods', '-n', NS, '--as', 'jane'], carol)).code).toBe(1);
  });
});
