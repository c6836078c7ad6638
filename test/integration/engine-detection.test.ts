// Live engine detection end to end (`node bin/run.js` against the test API server): the engine whose
// agent DaemonSet runs decides which policy kinds count; what it does not enforce is named and ignored,
// never "cannot tell"; a forbidden DaemonSet list falls back to every kind, saying so; --engine overrides.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import type { CliResult } from '../support/cli-process.js';
import { cliAs, engineAgent, shopExampleObjects } from '../support/live-cluster.js';

const shop = shopExampleObjects();

/** Each engine's agent, where its installer puts it. */
const AGENTS = {
  'azure-npm': engineAgent('azure-npm'),
  cilium: engineAgent('cilium'),
  calico: engineAgent('calico-node', 'calico-system'),
  antrea: engineAgent('antrea-agent'),
};

// the NetworkPolicies let the cart reach payments and the frontend reach the metadata service; a Cilium
// deny closes the first, an AdminNetworkPolicy Deny the second
const noCart = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { namespace: 'payments', name: 'no-cart' },
  spec: { endpointSelector: { matchLabels: { app: 'payments' } }, ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'cart', 'k8s:io.kubernetes.pod.namespace': 'default' } }] }] },
};
const noImds = {
  apiVersion: 'policy.networking.k8s.io/v1alpha1',
  kind: 'AdminNetworkPolicy',
  metadata: { name: 'no-imds' },
  spec: { priority: 10, subject: { namespaces: {} }, egress: [{ name: 'deny-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] },
};
const CART_TO_PAYMENTS = ['default/deploy/cart', 'payments/svc/payments', '--port', '443'];
const FRONTEND_TO_IMDS = ['default/deploy/frontend', 'ip:169.254.169.254', '--port', '80'];

describe('live engine detection (the test API server)', () => {
  let server: TestApiServer;
  let kubeconfig: string;
  const home = mkdtempSync(join(tmpdir(), 'np-engine-'));
  const np = (args: string[]) => cliAs(kubeconfig, home)(args);

  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { 'oncall-token-0123456789': { username: 'oncall@example.com' } }, authorizer: 'always-allow', objects: [...shop, noCart, noImds], policyCrds: true });
    kubeconfig = join(home, 'config');
    server.writeKubeconfig(kubeconfig, { context: 'prod', namespace: 'default', user: { token: 'oncall-token-0123456789' } });
  });
  afterAll(async () => server?.close());

  // per engine: exit of cart → payments (Cilium deny), exit of frontend → IMDS (ANP deny), and what is ignored
  const cases = [
    { engine: 'azure-npm', title: 'Azure NPM', daemonSet: 'azure-npm', cart: 0, imds: 0, ignored: ['AdminNetworkPolicy no-imds', 'CiliumNetworkPolicy payments/no-cart'] },
    { engine: 'cilium', title: 'Cilium', daemonSet: 'cilium', cart: 1, imds: 0, ignored: ['AdminNetworkPolicy no-imds'] },
    { engine: 'calico', title: 'Calico', daemonSet: 'calico-node', cart: 0, imds: 1, ignored: ['CiliumNetworkPolicy payments/no-cart'] },
    { engine: 'antrea', title: 'Antrea', daemonSet: 'antrea-agent', cart: 0, imds: 1, ignored: ['CiliumNetworkPolicy payments/no-cart'] },
  ] as const;

  it.each(cases)('$title runs: only its kinds decide, the others are named as not enforced (exit 0/1, never 3)', async (c) => {
    server.setObjects([...shop, noCart, noImds, AGENTS[c.engine]]);
    const [cart, imds, json] = await Promise.all([np(['can-reach', ...CART_TO_PAYMENTS]), np(['can-reach', ...FRONTEND_TO_IMDS]), np(['can-reach', ...CART_TO_PAYMENTS, '-o', 'json'])]);
    expect(cart.code, cart.stderr).toBe(c.cart);
    expect(imds.code, imds.stderr).toBe(c.imds);
    const why = `is not enforced: this cluster's engine is ${c.title}`;
    for (const object of c.ignored) expect(cart.stdout).toContain(`not evaluated: ${object} ${why}`);
    expect(cart.stdout).toContain(`\nengine: ${c.title} (detected: DaemonSet ${c.daemonSet} runs)\n`);
    expect(cart.stderr).not.toContain('enforcement engine');
    const out = JSON.parse(json.stdout);
    expect(out.engine).toEqual({ by: 'detected', engines: [c.engine], text: `${c.title} (detected: DaemonSet ${c.daemonSet} runs)` });
    expect(out.notEvaluated).toEqual(c.ignored.map((object) => ({ object, reason: `not enforced: this cluster's engine is ${c.title}` })));
    expect(out.allowed).toBe(c.cart === 0);
  });

  it('the deciding policy of the detected engine is named in the trace; --engine overrides the detection', async () => {
    server.setObjects([...shop, noCart, noImds, AGENTS.cilium]);
    const [explain, overridden] = await Promise.all([np(['explain', ...CART_TO_PAYMENTS]), np(['can-reach', ...CART_TO_PAYMENTS, '--engine', 'azure-npm'])]);
    expect(explain.code).toBe(1);
    expect(explain.stdout).toContain('denied by CiliumNetworkPolicy payments/no-cart (tier cilium) rule #0 Deny');
    expect(explain.stdout).toContain('engine: Cilium (detected: DaemonSet cilium runs)');
    expect(overridden.code).toBe(0);
    expect(overridden.stdout).toContain('not evaluated: CiliumNetworkPolicy payments/no-cart is not enforced: --engine azure-npm: Azure NPM does not enforce CiliumNetworkPolicy');
    expect(overridden.stdout).toContain('engine: Azure NPM (--engine azure-npm)');
  });

  it('a Calico GlobalNetworkPolicy decides where Calico runs, and is named and ignored under Cilium', async () => {
    const quarantine = {
      apiVersion: 'projectcalico.org/v3',
      kind: 'GlobalNetworkPolicy',
      metadata: { name: 'quarantine-cart' },
      spec: { order: 10, selector: "projectcalico.org/namespace == 'payments'", types: ['Ingress'], ingress: [{ action: 'Deny', source: { selector: "app == 'cart'", namespaceSelector: 'all()' } }] },
    };
    server.setObjects([...shop, quarantine, AGENTS.calico]);
    const calico = await np(['can-reach', ...CART_TO_PAYMENTS]);
    expect(calico.code, calico.stderr).toBe(1);
    expect(calico.stdout).toContain('denied by Calico GlobalNetworkPolicy quarantine-cart (tier default, order 10) rule #0 Deny');
    server.setObjects([...shop, quarantine, AGENTS.cilium]);
    const cilium = await np(['can-reach', ...CART_TO_PAYMENTS]);
    expect(cilium.code, cilium.stderr).toBe(0);
    expect(cilium.stdout).toContain("not evaluated: Calico GlobalNetworkPolicy quarantine-cart is not enforced: this cluster's engine is Cilium");
  });

  it('Cilium: a NetworkPolicy ipBlock over pod IPs admits no pod (the verdict says why); Calico follows the upstream tests', async () => {
    const pod = (name: string, ip: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'lab', name, labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 5432 }] }] }, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } });
    const fromRange = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'lab', name: 'db-from-range' }, spec: { podSelector: { matchLabels: { app: 'db' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.9.0.0/24' } }] }] } };
    const lab = [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'lab' } }, pod('client', '10.9.0.5'), pod('db', '10.9.0.6'), fromRange];
    server.setObjects([...shop, ...lab, AGENTS.calico]);
    const calico = await np(['can-reach', 'lab/client', 'lab/db', '--port', '5432']);
    expect(calico.code, calico.stderr).toBe(0);
    expect(calico.stdout).toContain('an ipBlock matched the pod IP of lab/client');
    server.setObjects([...shop, ...lab, AGENTS.cilium]);
    const cilium = await np(['can-reach', 'lab/client', 'lab/db', '--port', '5432']);
    expect(cilium.code, cilium.stderr).toBe(1);
    expect(cilium.stdout).toContain('lab/client is in the cluster, and Cilium (the engine) matches ipBlock 10.9.0.0/24 only against addresses outside it, never pods or nodes');
  });

  it('matrix: cells follow the detected engine, and -o json names the engine and the ignored policies', async () => {
    const cell = async (engine: keyof typeof AGENTS) => {
      server.setObjects([...shop, noCart, noImds, AGENTS[engine]]);
      const r = await np(['matrix', '-n', 'default', '-n', 'payments', '--port', '8443', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      return { out, allowed: out.verdicts.find((v: { from: string; to: string }) => v.from === 'default/cart' && v.to === 'payments/payments').allowed };
    };
    const npm = await cell('azure-npm');
    expect(npm.allowed).toBe(true);
    expect(npm.out.engine.text).toBe('Azure NPM (detected: DaemonSet azure-npm runs)');
    expect(npm.out.notEvaluated.map((n: { object: string }) => n.object)).toEqual(['AdminNetworkPolicy no-imds', 'CiliumNetworkPolicy payments/no-cart']);
    const cilium = await cell('cilium');
    expect(cilium.allowed).toBe(false);
    expect(cilium.out.notEvaluated).toEqual([{ object: 'AdminNetworkPolicy no-imds', reason: "not enforced: this cluster's engine is Cilium" }]);
  });

  it('no engine runs: every kind is evaluated as written, with the warning; audit reports no-enforcing-engine', async () => {
    server.setObjects([...shop, noCart, noImds]);
    const [cart, audit] = await Promise.all([np(['can-reach', ...CART_TO_PAYMENTS]), np(['audit', '-A', '-o', 'json'])]);
    expect(cart.code).toBe(1);
    expect(cart.stdout).toContain('engine: none found (no Calico, Cilium, Azure NPM, Antrea… agent runs)');
    expect(cart.stderr).toMatch(/^warning: no NetworkPolicy enforcement engine/m);
    const findings = JSON.parse(audit.stdout).findings as { rule: string; object: string; message: string }[];
    expect(findings.filter((f) => f.rule === 'no-enforcing-engine').map((f) => f.message)).toEqual([expect.stringMatching(/^\d+ NetworkPolicies and 2 other policies exist in prod, but no enforcement engine/)]);
    expect(findings.filter((f) => f.rule === 'policy-kind-not-enforced')).toEqual([]);
    expect(audit.stderr).toContain('note: policy-kind-not-enforced was not checked: no engine runs (see no-enforcing-engine)');
  });

  it('audit: policy-kind-not-enforced from the detected engine (exit 1), and from --engine', async () => {
    server.setObjects([...shop, noCart, noImds, AGENTS['azure-npm']]);
    const [detected, table, named] = await Promise.all([np(['audit', '-A', '-o', 'json']), np(['audit', '-A', '--skip', 'no-default-deny-ingress', '--skip', 'no-default-deny-egress']), np(['audit', '-A', '-o', 'json', '--engine', 'cilium'])]);
    expect(detected.code).toBe(1);
    const kinds = (r: { stdout: string }) => (JSON.parse(r.stdout).findings as { rule: string; namespace: string; object: string }[]).filter((f) => f.rule === 'policy-kind-not-enforced').map((f) => `${f.namespace}/${f.object}`);
    expect(kinds(detected)).toEqual(['/adminnetworkpolicy/no-imds', 'payments/ciliumnetworkpolicy/no-cart']);
    expect(JSON.parse(detected.stdout).findings.map((f: { rule: string }) => f.rule)).not.toContain('no-enforcing-engine');
    expect(detected.stderr).toContain('engine: Azure NPM (detected: DaemonSet azure-npm runs)');
    expect(table.stdout).toMatch(/policy-kind-not-enforced\s+payments\s+ciliumnetworkpolicy\/no-cart\s+CiliumNetworkPolicy payments\/no-cart is not enforced: this cluster's engine is Azure NPM; its rules have no effect/);
    expect(table.stdout).toContain('\nengine: Azure NPM (detected: DaemonSet azure-npm runs)\n');
    expect(kinds(named)).toEqual(['/adminnetworkpolicy/no-imds']);
  });

  it('report: the engine and the policies it ignores are said on stderr', async () => {
    server.setObjects([...shop, noCart, noImds, AGENTS['azure-npm']]);
    const r = await np(['report', '-n', 'default', '-n', 'payments', '--port', '443']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^<!doctype html>/i);
    expect(r.stderr).toContain("not evaluated: CiliumNetworkPolicy payments/no-cart is not enforced: this cluster's engine is Azure NPM");
    expect(r.stderr).toContain('engine: Azure NPM (detected: DaemonSet azure-npm runs)');
  });

  describe('what detection and policy lists one may not read do', () => {
    const rbac = (resources: Record<string, string[]>) => [
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'viewer' }, rules: Object.entries(resources).map(([group, list]) => ({ apiGroups: [group], resources: list, verbs: ['list'] })) },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dev-viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'viewer' }, subjects: [{ kind: 'User', name: 'dev@example.com' }] },
    ];
    const core = { '': ['pods', 'services', 'namespaces'], 'networking.k8s.io': ['networkpolicies'], batch: ['jobs'], 'policy.networking.k8s.io': ['*'], 'projectcalico.org': ['*'], 'crd.projectcalico.org': ['*'] };
    const limited = async (objects: unknown[], run: (np: (args: string[]) => Promise<CliResult>) => Promise<void>) => {
      const s = await startTestApiServer({ staticTokens: { 'dev-token-0123456789': { username: 'dev@example.com' } }, objects, policyCrds: true });
      try {
        const config = join(home, `limited-${s.url.split(':').pop()}`);
        s.writeKubeconfig(config, { context: 'limited', namespace: 'default', user: { token: 'dev-token-0123456789' } });
        await run(cliAs(config, home));
      } finally {
        await s.close();
      }
    };

    it('DaemonSets one may not list: every kind is evaluated, naming the list and the assumption', async () => {
      const objects = [...shop, noCart, noImds, AGENTS['azure-npm'], ...rbac({ ...core, apps: ['deployments', 'statefulsets', 'replicasets'], 'cilium.io': ['*'] })];
      await limited(objects, async (ask) => {
        const [cart, json] = await Promise.all([ask(['can-reach', ...CART_TO_PAYMENTS]), ask(['can-reach', ...CART_TO_PAYMENTS, '-o', 'json'])]);
        expect(cart.code, cart.stderr).toBe(1);
        expect(cart.stderr).toMatch(/^warning: not allowed to list daemonsets in namespace kube-system/m);
        expect(cart.stdout).toContain('engine: unknown (you may not list daemonsets in kube-system and calico-system)');
        expect(cart.stdout).toContain('note: the enforcing engine could not be detected (you may not list daemonsets in kube-system and calico-system), so every policy kind read is evaluated as if enforced; pass --engine NAME to name it (');
        expect(cart.stdout).toContain('cilium.io/v2 is served, so Cilium may run elsewhere: if it does, pass --engine cilium');
        expect(JSON.parse(json.stdout).engine).toMatchObject({ by: 'unknown', engines: [] });
      });
    });

    it('a Cilium list one may not read: "cannot tell" (exit 3) where Cilium enforces, named and ignored where Azure NPM does', async () => {
      const noCilium = rbac({ ...core, apps: ['deployments', 'statefulsets', 'replicasets', 'daemonsets'] });
      await limited([...shop, noCart, AGENTS.cilium, ...noCilium], async (ask) => {
        const r = await ask(['can-reach', ...CART_TO_PAYMENTS, '-o', 'json']);
        expect(r.code, r.stderr).toBe(3);
        expect(JSON.parse(r.stdout).notEvaluated).toContainEqual({ object: 'ciliumnetworkpolicies.cilium.io in namespace default', reason: 'you may not list them' });
      });
      await limited([...shop, noCart, AGENTS['azure-npm'], ...noCilium], async (ask) => {
        const r = await ask(['can-reach', ...CART_TO_PAYMENTS, '-o', 'json']);
        expect(r.code, r.stderr).toBe(0);
        const out = JSON.parse(r.stdout);
        expect(out.allowed).toBe(true);
        expect(out.notEvaluated).toContainEqual({ object: 'ciliumnetworkpolicies.cilium.io in namespace default', reason: "not read (you may not list them), and not enforced: this cluster's engine is Azure NPM" });
      });
    });
  });
});
