// kubectl np report as users run it: the built CLI against a live cluster (the test API server) and against
// manifests, checking the page's data and the exit codes it shares with matrix (0, 3 for cannot tell, 2).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pairLetters, pairTrace, readReportData, type ReportData } from '../../src/render/report-html.js';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { repoRoot, requireFreshBuild } from './auth/dist.js';
import { CART_FROM_PROMETHEUS } from '../support/shop-changes.js';
import { runCliAsync } from '../support/cli-process.js';
import { bindScopedReader, labelledNamespace, policyReaderRole, postgresPod, runningPod, SCOPED_READER, shopExampleObjects } from '../support/live-cluster.js';

beforeAll(() => requireFreshBuild());

/** The CLI as a child process (the test API server runs in this one), with no kubeconfig unless a test passes one. */
const run = (args: string[], env: Record<string, string> = {}) => runCliAsync(args, { KUBECONFIG: '/nonexistent', ...env });
const runWithInput = (args: string[], input: string) => runCliAsync(args, { KUBECONFIG: '/nonexistent' }, input);

const embedded = readReportData;

/** A pair's letters, one per port (a allowed, d denied, p partly, u cannot tell, - no verdict). */
function cell(data: ReportData, from: string, to: string, port: string): string {
  const ids = data.workloads.map((w) => w.id);
  expect(ids).toContain(from);
  expect(ids).toContain(to);
  return pairLetters(data)[ids.indexOf(from) * ids.length + ids.indexOf(to)][data.ports.indexOf(port)];
}

const home = mkdtempSync(join(tmpdir(), 'np-report-live-'));

describe('kubectl np report against a live cluster (the test API server)', () => {
  const shop = shopExampleObjects();
  const running = (namespace: string, name: string, labels: Record<string, string>, rs: string, ip: string, ports: unknown[]) => runningPod(namespace, name, labels, { kind: 'ReplicaSet', name: rs }, ip, ports);
  const pods = [
    running('default', 'frontend-6d9f-a', { app: 'frontend', tier: 'web', 'pod-template-hash': '6d9f' }, 'frontend-6d9f', '10.1.0.11', [{ name: 'http', containerPort: 8080 }]),
    running('default', 'frontend-6d9f-b', { app: 'frontend', tier: 'web', 'pod-template-hash': '6d9f' }, 'frontend-6d9f', '10.1.0.12', [{ name: 'http', containerPort: 8080 }]),
    running('payments', 'payments-77c-a', { app: 'payments', 'pod-template-hash': '77c' }, 'payments-77c', '10.1.1.21', [{ name: 'https', containerPort: 8443 }]),
  ];
  let server: TestApiServer;
  let kubeconfig: string;

  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { 'oncall-token-0123456789': { username: 'oncall@example.com' } }, authorizer: 'always-allow', objects: [...shop, ...pods] });
    kubeconfig = join(home, 'config');
    server.writeKubeconfig(kubeconfig, { context: 'prod', namespace: 'default', user: { token: 'oncall-token-0123456789' } });
  });
  afterAll(async () => server?.close());

  it('reads the cluster (no -f): running replicas collapsed into their Deployment, verdicts and traces from the live policies, exit 0', async () => {
    const r = await run(['report', '--kubeconfig', kubeconfig, '-A', '-o', 'html'], { HOME: home });
    expect(r.code, r.stderr).toBe(0);
    const data = embedded(r.stdout);
    expect(data.meta.source).toBe('context prod');
    const frontend = data.workloads.find((w) => w.id === 'default/deploy/frontend');
    expect(frontend?.desc).toBe('Deployment ×2');
    expect(cell(data, 'default/deploy/frontend', 'payments/deploy/payments', 'TCP 8443')).toBe('d');
    const ids = data.workloads.map((w) => w.id);
    const trace = pairTrace(data, ids.indexOf('default/deploy/frontend') * ids.length + ids.indexOf('payments/deploy/payments'), data.ports.indexOf('TCP 8443'));
    expect(trace).toContain('payments/default-deny');
    expect(r.stdout).not.toContain('cannot tell</b>');
    // it asked the server, not some manifest
    expect(server.requests.some((q) => q.path.startsWith('/api/v1/pods') || q.path.includes('/pods'))).toBe(true);
    expect(server.requests.some((q) => q.path.includes('/networkpolicies'))).toBe(true);
  });

  it('the context namespace by default, -n to pick others', async () => {
    const own = embedded((await run(['report', '--kubeconfig', kubeconfig, '-o', 'html'], { HOME: home })).stdout);
    expect(new Set(own.workloads.map((w) => w.ns))).toEqual(new Set(['default']));
    const payments = await run(['report', '--kubeconfig', kubeconfig, '-n', 'payments', '-o', 'html'], { HOME: home });
    expect(payments.code, payments.stderr).toBe(0);
    expect(embedded(payments.stdout).workloads.map((w) => w.id)).toEqual(['payments/deploy/payments']);
  });

  it('a cell that hangs on namespace labels one may not list is ? (cannot tell): the page is written, says why, and the exit code is 3 as for matrix', async () => {
    const policy = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'app', name: 'lab' }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: 'lab' } } }] }] } };
    const scoped = await startTestApiServer({
      staticTokens: { 'dev-token-0123456789': { username: SCOPED_READER }, 'admin-token-0123456789': { username: 'admin', groups: ['system:masters'] } },
      objects: [labelledNamespace('app'), labelledNamespace('np-lab', { team: 'lab' }), postgresPod('np-lab', 'client', '10.1.0.5'), postgresPod('app', 'db', '10.1.0.6'), policyReaderRole('ns-view'), bindScopedReader('app', 'ns-view'), bindScopedReader('np-lab', 'ns-view'), policy],
    });
    try {
      const dev = join(home, 'scoped');
      scoped.writeKubeconfig(dev, { context: 'scoped', namespace: 'app', user: { token: 'dev-token-0123456789' } });
      const r = await run(['report', '--kubeconfig', dev, '-n', 'app', '-n', 'np-lab', '--port', '5432', '-o', 'html'], { HOME: home });
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toMatch(/<\/html>\n$/);
      const data = embedded(r.stdout);
      expect(cell(data, 'np-lab/pod/client', 'app/pod/db', 'TCP 5432')).toBe('u');
      expect(cell(data, 'app/pod/db', 'np-lab/pod/client', 'TCP 5432')).toBe('a');
      expect(r.stderr).toMatch(/^cannot tell: some verdicts depend on whether namespace np-lab .*you need to .*list namespaces/m);
      expect(data.meta.cannotTell).toContainEqual(expect.stringMatching(/^whether namespace np-lab .*you need to .*list namespaces/));
      expect(r.stdout).toContain('<b>cannot tell</b> (? cells)');
      // with the list, every cell has its verdict
      const admin = join(home, 'admin');
      scoped.writeKubeconfig(admin, { context: 'admin', namespace: 'app', user: { token: 'admin-token-0123456789' } });
      const full = await run(['report', '--kubeconfig', admin, '-n', 'app', '-n', 'np-lab', '--port', '5432', '-o', 'html'], { HOME: home });
      expect(full.code, full.stderr).toBe(0);
      expect(cell(embedded(full.stdout), 'np-lab/pod/client', 'app/pod/db', 'TCP 5432')).toBe('a');
    } finally {
      await scoped.close();
    }
  });

  it('a cluster it cannot reach is one line on stderr and exit 3, with nothing on stdout', async () => {
    const closed = await startTestApiServer({ staticTokens: {} });
    const dead = join(home, 'dead');
    closed.writeKubeconfig(dead, { context: 'dead', user: { token: 'x-token-0123456789' } });
    await closed.close();
    const r = await run(['report', '--kubeconfig', dead, '-o', 'html'], { HOME: home });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});


describe('kubectl np report --with/--delete: what a change would change', () => {
  it('marks the pairs diff finds flipped (one opened by the new policy, one closed by the deletion), on the changed cluster; exit 0 as for any report', async () => {
    const args = ['report', '-f', join(repoRoot, 'examples/shop'), '--with', '-', '--delete', 'networkpolicy/payments/allow-cart', '-o', 'html'];
    const r = await runWithInput(args, CART_FROM_PROMETHEUS);
    expect(r.code, r.stderr).toBe(0);
    const data = embedded(r.stdout);
    const ids = data.workloads.map((w) => w.id);
    const changed = new Map(data.changes!.pairs.map(([k, c]) => [`${ids[Math.floor(k / ids.length)]} → ${ids[k % ids.length]}`, c.map((x) => `${data.ports[x.q]} ${x.before} → ${x.after}`)]));
    expect(changed.get('monitoring/sts/prometheus → default/deploy/cart')).toEqual(['TCP 8080 false → true']);
    expect(changed.get('default/deploy/cart → payments/deploy/payments')).toEqual(['TCP 8443 true → false']);
    // the heatmap is the cluster after the change
    expect(cell(data, 'monitoring/sts/prometheus', 'default/deploy/cart', 'TCP 8080')).toBe('a');
    expect(cell(data, 'default/deploy/cart', 'payments/deploy/payments', 'TCP 8443')).toBe('d');
    expect(data.changes!.change).toBe('stdin, --delete networkpolicy/payments/allow-cart');
    // the same connections diff lists, so the page and diff cannot disagree
    const diff = await runWithInput(['diff', '-f', join(repoRoot, 'examples/shop'), '--with', '-', '--delete', 'networkpolicy/payments/allow-cart', '-o', 'json'], CART_FROM_PROMETHEUS);
    expect(JSON.parse(diff.stdout).changes).toHaveLength(data.changes!.pairs.reduce((n, [, c]) => n + c.length, 0));
    const table = await runWithInput(['diff', '-f', join(repoRoot, 'examples/shop'), '--with', '-', '--delete', 'networkpolicy/payments/allow-cart'], CART_FROM_PROMETHEUS);
    expect(table.stdout.trim().split('\n').pop()).toBe(data.changes!.summary);
  });

  it('refuses what diff refuses, on one line with exit 2', async () => {
    const gone = await run(['report', '-f', join(repoRoot, 'examples/shop'), '--delete', 'networkpolicy/payments/nosuch', '-o', 'html']);
    expect(gone.code).toBe(2);
    expect(gone.stdout).toBe('');
    expect(gone.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: --delete networkpolicy\/payments\/nosuch: networkpolicy payments\/nosuch is not in /)]);
    const both = await run(['report', '-f', '-', '--with', '-', '-o', 'html']);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/stdin can hold the base \(-f -\) or the change \(--with -\), not both/);
  });
});

describe('kubectl np report -f', () => {
  it('bad input is one line and exit 2', async () => {
    const r = await run(['report', '-f', join(repoRoot, 'examples/shop'), '-n', 'nosuch', '-o', 'html']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^error: no pods or workloads in namespace nosuch/)]);
  });
});
