// Names a cluster hands back are text, never terminal control: a binding, role, subject or user name
// holding an escape sequence or a bidirectional override (a hostile or careless admin, a compromised
// controller) must reach the terminal as visible escapes, in the text renderers and in -o yaml, and
// -o yaml must still read back as the exact names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { requireFreshBuild } from '../auth/dist.js';
import { isolatedEnv, runCli } from '../auth/cli.js';

const rbacApi = 'rbac.authorization.k8s.io/v1';
// a window-title change + screen clear, a right-to-left override that would show "evil" reversed, a
// C1 CSI (ESC [ in one byte) colouring text red, and an isolate that reorders what follows
const TITLE = '\u001b]0;pwned\u0007\u001b[2J';
const RLO = '\u202e';
const CSI = '\u009b31m';
const ISOLATE = '\u2066';
const USER = `mallory${RLO}moc.elpmaxe@`;
const GROUP = `ops${CSI}`;
const ROLE = `reader${TITLE}`;
const BINDING = `bind${ISOLATE}ing`;
const TOKEN = 'hostile-names-token-0123456789';
// what must never reach a terminal raw: C0 (but \n and \t), DEL, C1, and the bidi controls
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const dir = mkdtempSync(join(tmpdir(), 'np-hostile-names-'));
const kubeconfig = join(dir, 'config');
let server: TestApiServer;
const run = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfig], { env: { ...isolatedEnv(), NO_COLOR: '1' } });

beforeAll(async () => {
  requireFreshBuild();
  server = await startTestApiServer({
    staticTokens: { [TOKEN]: { username: USER, groups: [GROUP] } },
    objects: [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
      { apiVersion: rbacApi, kind: 'ClusterRole', metadata: { name: ROLE }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }] },
      { apiVersion: rbacApi, kind: 'RoleBinding', metadata: { name: BINDING, namespace: 'shop' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE }, subjects: [{ kind: 'User', name: USER, apiGroup: 'rbac.authorization.k8s.io' }] },
      { apiVersion: rbacApi, kind: 'ClusterRoleBinding', metadata: { name: `${BINDING}-rbac` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE }, subjects: [{ kind: 'Group', name: GROUP, apiGroup: 'rbac.authorization.k8s.io' }] },
    ],
  });
  server.writeKubeconfig(kubeconfig, { context: 'shop', namespace: 'shop', user: { token: TOKEN } });
});
afterAll(() => server?.close());

/** Output a terminal may show: no unsafe character, and each hostile name shown as its visible escape. */
function expectInert(out: string): void {
  expect(out).not.toMatch(UNSAFE);
  expect(out).not.toContain('\u001b');
}

describe('names from the cluster in text output', () => {
  it('explain can-i shows the granting binding, role and user with escapes, not as control sequences', async () => {
    const r = await run(['explain', 'can-i', 'get', 'pods', '-n', 'shop']);
    expect(r.code, r.stderr).toBe(0);
    expectInert(r.stdout);
    expect(r.stdout).toContain(`as mallory\\u202emoc.elpmaxe@`);
    expect(r.stdout).toContain('RoleBinding shop/bind\\u2066ing → ClusterRole reader\\x1b]0;pwned\\x07\\x1b[2J');
  });

  it('who-can (table, -o wide, -o name) and explain can-i --list keep their columns with escaped names', async () => {
    for (const args of [['who-can', 'get', 'pods', '-n', 'shop'], ['who-can', 'get', 'pods', '-n', 'shop', '-o', 'wide'], ['who-can', 'get', 'pods', '-n', 'shop', '-o', 'name'], ['explain', 'can-i', '--list', '-n', 'shop']]) {
      const r = await run(args);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expectInert(r.stdout);
    }
    const table = (await run(['who-can', 'get', 'pods', '-n', 'shop'])).stdout.split('\n');
    const header = table.findIndex((l) => l.startsWith('KIND'));
    const bindingColumn = table[header].indexOf('BINDING');
    const userRow = table.find((l) => l.startsWith('USER'))!;
    const groupRow = table.find((l) => l.startsWith('GROUP'))!;
    expect(userRow).toContain('mallory\\u202emoc.elpmaxe@');
    expect(groupRow).toContain('ops\\x9b31m');
    // the columns line up as shown: every row's binding starts under the header's
    expect(userRow.indexOf('RoleBinding')).toBe(bindingColumn);
    expect(groupRow.indexOf('ClusterRoleBinding')).toBe(bindingColumn);
    const names = await run(['who-can', 'get', 'pods', '-n', 'shop', '-o', 'name']);
    expect(names.stdout.split('\n')).toContain('user/mallory\\u202emoc.elpmaxe@');
  });

  it('access and whoami print the user and bindings inert', async () => {
    const access = await run(['access', '-n', 'shop']);
    expect(access.code, access.stderr).toBe(0);
    expectInert(access.stdout);
    expect(access.stdout).toContain('Access of mallory\\u202emoc.elpmaxe@ in namespace shop');
    const whoami = await run(['whoami']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expectInert(whoami.stdout);
    expect(whoami.stdout).toContain('mallory\\u202emoc.elpmaxe@');
  });
});

describe('names from the cluster in -o yaml', () => {
  it('whoami, explain can-i and who-can write them double-quoted with YAML escapes that read back as the exact names', async () => {
    const whoami = await run(['whoami', '-o', 'yaml']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expectInert(whoami.stdout);
    const report = parse(whoami.stdout);
    expect(report.apiServer.user.username).toBe(USER);
    expect(report.apiServer.user.groups).toContain(GROUP);
    expect(JSON.stringify(report.bindings)).toContain(JSON.stringify(ROLE).slice(1, -1));

    const canI = await run(['explain', 'can-i', 'get', 'pods', '-n', 'shop', '-o', 'yaml']);
    expect(canI.code, canI.stderr).toBe(0);
    expectInert(canI.stdout);
    expect(JSON.stringify(parse(canI.stdout))).toContain(JSON.stringify(BINDING).slice(1, -1));

    const whoCan = await run(['who-can', 'get', 'pods', '-n', 'shop', '-o', 'yaml']);
    expect(whoCan.code, whoCan.stderr).toBe(0);
    expectInert(whoCan.stdout);
    const subjects = (parse(whoCan.stdout) as { entries: { subject: { name: string } }[] }).entries.map((e) => e.subject.name);
    expect(subjects).toEqual(expect.arrayContaining([USER, GROUP]));
  });
});

describe('names from the cluster in -o json', () => {
  it('whoami, explain can-i, who-can and access escape DEL, C1 and bidi characters as \\uXXXX, and the JSON parses back to the exact names', async () => {
    const whoami = await run(['whoami', '-o', 'json']);
    expect(whoami.code, whoami.stderr).toBe(0);
    expectInert(whoami.stdout);
    const report = JSON.parse(whoami.stdout);
    expect(report.apiServer.user.username).toBe(USER);
    expect(report.apiServer.user.groups).toContain(GROUP);
    expect(whoami.stdout).toContain('mallory\\u202emoc.elpmaxe@');

    for (const args of [['explain', 'can-i', 'get', 'pods', '-n', 'shop'], ['who-can', 'get', 'pods', '-n', 'shop'], ['access', '-n', 'shop']]) {
      const r = await run([...args, '-o', 'json']);
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
      expectInert(r.stdout);
      expect(() => JSON.parse(r.stdout)).not.toThrow();
    }
    const whoCan = JSON.parse((await run(['who-can', 'get', 'pods', '-n', 'shop', '-o', 'json'])).stdout) as { entries: { subject: { name: string } }[] };
    expect(whoCan.entries.map((e) => e.subject.name)).toEqual(expect.arrayContaining([USER, GROUP]));
  });
});
