// Every policy kind beyond NetworkPolicy read live from the test API server (discovery first, then the
// lists) gives the verdict the same objects give as `-f` manifests: the live path is the manifests path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { requireFreshBuild, runCliAsync as runAsync } from '../support/cli-process.js';

beforeAll(requireFreshBuild);

const namespace = (name: string, labels: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } });
const pod = (ns: string, name: string, labels: Record<string, string>, ip: string, port: number) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { containers: [{ name: 'c', image: 'x', ports: [{ name: 'main', containerPort: port, protocol: 'TCP' }] }] },
  status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
});
// app/web and app/db in a team=a namespace, other/client in a team=b one; no NetworkPolicy
const CLUSTER = [
  namespace('app', { team: 'a' }),
  namespace('other', { team: 'b' }),
  pod('app', 'web', { app: 'web' }, '10.0.0.1', 8080),
  pod('app', 'db', { app: 'db' }, '10.0.0.2', 5432),
  pod('other', 'client', { app: 'client' }, '10.0.1.1', 9000),
];

interface Case {
  kind: string;
  /** groups the server serves besides the built-in ones */
  groups: string[];
  /** lists the live read must have made, besides its groups' */
  lists?: string[];
  objects: Record<string, unknown>[];
  /** [from, to, port, exit code] */
  asks: [string, string, string, number][];
}

const dbFromWebOnly = (apiVersion: string, name: string) => ({
  apiVersion,
  kind: 'NetworkPolicy',
  metadata: { namespace: 'app', name },
  spec: { selector: "app == 'db'", types: ['Ingress'], ingress: [{ action: 'Allow', protocol: 'TCP', source: { selector: "app == 'web'" } }] },
});
const quarantineTeamB = (apiVersion: string, name: string) => ({
  apiVersion,
  kind: 'GlobalNetworkPolicy',
  metadata: { name },
  spec: { order: 10, selector: "app == 'db'", ingress: [{ action: 'Deny', source: { namespaceSelector: "team == 'b'" } }, { action: 'Allow' }] },
});

/** Tiers security (order 100) and platform (500): security denies team b and passes the rest; platform allows. */
const tiered = (apiVersion: string, securityOrder: number) => [
  { apiVersion, kind: 'Tier', metadata: { name: 'security' }, spec: { order: securityOrder } },
  { apiVersion, kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 500 } },
  { apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name: 'security.team-b' }, spec: { tier: 'security', order: 1, selector: "app == 'db'", ingress: [{ action: 'Deny', source: { namespaceSelector: "team == 'b'" } }, { action: 'Pass' }] } },
  { apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name: 'platform.db-open' }, spec: { tier: 'platform', order: 1, selector: "app == 'db'", ingress: [{ action: 'Allow' }] } },
];

const CASES: Case[] = [
  {
    kind: 'AdminNetworkPolicy',
    groups: ['policy.networking.k8s.io'],
    objects: [{ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'no-team-b' }, spec: { priority: 10, subject: { pods: { namespaceSelector: {}, podSelector: { matchLabels: { app: 'db' } } } }, ingress: [{ name: 'team-b', action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'b' } } }] }] } }],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'BaselineAdminNetworkPolicy',
    groups: ['policy.networking.k8s.io'],
    objects: [{ apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'BaselineAdminNetworkPolicy', metadata: { name: 'default' }, spec: { subject: { namespaces: { matchLabels: { team: 'a' } } }, ingress: [{ action: 'Deny', from: [{ namespaces: { matchLabels: { team: 'b' } } }] }] } }],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'ClusterNetworkPolicy',
    groups: ['policy.networking.k8s.io'],
    objects: [{ apiVersion: 'policy.networking.k8s.io/v1alpha2', kind: 'ClusterNetworkPolicy', metadata: { name: 'no-imds' }, spec: { tier: 'Admin', priority: 5, subject: { namespaces: {} }, egress: [{ name: 'imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] } }],
    asks: [['app/web', 'ip:169.254.169.254', '80', 1], ['app/web', 'ip:203.0.113.9', '80', 0]],
  },
  {
    kind: 'CiliumNetworkPolicy',
    groups: ['cilium.io'],
    objects: [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: 'app', name: 'db-from-web' }, spec: { endpointSelector: { matchLabels: { app: 'db' } }, ingress: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }], toPorts: [{ ports: [{ port: '5432', protocol: 'TCP' }] }] }] } }],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'CiliumClusterwideNetworkPolicy',
    groups: ['cilium.io'],
    objects: [{ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'no-imds' }, spec: { endpointSelector: {}, egressDeny: [{ toCIDR: ['169.254.169.254/32'] }], egress: [{ toEntities: ['all'] }] } }],
    asks: [['app/web', 'ip:169.254.169.254', '80', 1], ['app/web', 'ip:203.0.113.9', '80', 0]],
  },
  {
    kind: 'Calico NetworkPolicy (projectcalico.org/v3)',
    groups: ['projectcalico.org'],
    objects: [dbFromWebOnly('projectcalico.org/v3', 'db-from-web')],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'Calico GlobalNetworkPolicy (projectcalico.org/v3)',
    groups: ['projectcalico.org'],
    objects: [quarantineTeamB('projectcalico.org/v3', 'quarantine-team-b')],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'Calico NetworkPolicy (crd.projectcalico.org/v1, no Calico API server)',
    groups: ['crd.projectcalico.org'],
    objects: [dbFromWebOnly('crd.projectcalico.org/v1', 'default.db-from-web')],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'Calico GlobalNetworkPolicy (crd.projectcalico.org/v1, no Calico API server)',
    groups: ['crd.projectcalico.org'],
    objects: [quarantineTeamB('crd.projectcalico.org/v1', 'default.quarantine-team-b')],
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'Calico Tier (projectcalico.org/v3): security at order 100 before platform',
    groups: ['projectcalico.org'],
    lists: ['/apis/projectcalico.org/v3/tiers'],
    objects: tiered('projectcalico.org/v3', 100),
    asks: [['other/client', 'app/db', '5432', 1], ['app/web', 'app/db', '5432', 0]],
  },
  {
    kind: 'Calico Tier (crd.projectcalico.org/v1): security at order 900, after platform',
    groups: ['crd.projectcalico.org'],
    lists: ['/apis/crd.projectcalico.org/v1/tiers'],
    objects: tiered('crd.projectcalico.org/v1', 900),
    asks: [['other/client', 'app/db', '5432', 0], ['app/web', 'app/db', '5432', 0]],
  },
];

/** What a verdict says, without where it was read from. */
function verdictOf(stdout: string) {
  const out = JSON.parse(stdout);
  const side = (s: { allowed: boolean; decidedBy?: unknown; policies: { kind?: string; namespace: string; name: string; allowed: boolean }[] }) => ({
    allowed: s.allowed,
    decidedBy: s.decidedBy,
    policies: s.policies.map((p) => `${p.kind ?? 'NetworkPolicy'} ${p.namespace}/${p.name} ${p.allowed}`),
  });
  return { allowed: out.allowed, cannotTell: out.cannotTell, notEvaluated: out.notEvaluated, egress: side(out.egress), ingress: side(out.ingress) };
}

describe('policy kinds read live give the verdicts of the same objects as -f manifests', () => {
  const home = mkdtempSync(join(tmpdir(), 'np-live-kinds-'));
  let server: TestApiServer | undefined;
  afterAll(async () => server?.close());

  for (const c of CASES) {
    it(`${c.kind}: served by the test API server, listed after discovery, same verdicts live and -f`, async () => {
      await server?.close();
      server = await startTestApiServer({ staticTokens: { 'admin-token-0123456789': { username: 'admin', groups: ['system:masters'] } }, objects: [...CLUSTER, ...c.objects], policyCrds: c.groups });
      const kubeconfig = join(home, 'config');
      server.writeKubeconfig(kubeconfig, { context: 'live', namespace: 'app', user: { token: 'admin-token-0123456789' } });
      const manifests = join(home, 'objects.yaml');
      writeFileSync(manifests, [...CLUSTER, ...c.objects].map((o) => stringify(o)).join('---\n'));
      for (const [from, to, port, code] of c.asks) {
        const args = ['can-reach', from, to, '--port', port, '-o', 'json'];
        const live = await runAsync([...args, '--kubeconfig', kubeconfig, '-A'], { HOME: home, KUBECONFIG: kubeconfig });
        const file = await runAsync([...args, '-f', manifests], { HOME: home, KUBECONFIG: '/nonexistent' });
        expect(live.code, `${from} → ${to} live: ${live.stderr}`).toBe(code);
        expect(file.code, `${from} → ${to} -f: ${file.stderr}`).toBe(code);
        expect(verdictOf(live.stdout)).toEqual(verdictOf(file.stdout));
      }
      // each kind was listed from its own group, after discovery named it
      for (const group of c.groups) expect(server.requests.some((q) => q.path.startsWith(`/apis/${group}/`) && q.status === 200), group).toBe(true);
      for (const list of c.lists ?? []) expect(server.requests.some((q) => q.path.startsWith(list) && q.status === 200), list).toBe(true);
    });
  }

  it('a kind in a group the server does not serve is skipped quietly (a plain cluster)', async () => {
    await server?.close();
    server = await startTestApiServer({ staticTokens: { 'admin-token-0123456789': { username: 'admin', groups: ['system:masters'] } }, objects: [...CLUSTER, dbFromWebOnly('projectcalico.org/v3', 'db-from-web')] });
    const kubeconfig = join(home, 'plain');
    server.writeKubeconfig(kubeconfig, { context: 'plain', namespace: 'app', user: { token: 'admin-token-0123456789' } });
    const r = await runAsync(['can-reach', 'other/client', 'app/db', '--port', '5432', '--kubeconfig', kubeconfig], { HOME: home, KUBECONFIG: kubeconfig });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/projectcalico|not allowed/);
    expect(server.requests.some((q) => q.path.startsWith('/apis/projectcalico.org/'))).toBe(false);
  });
});
