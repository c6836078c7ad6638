// diff, test, whoami --as-pod and report --with follow the live engine detection as can-reach does
// (`node bin/run.js` against the test API server): the engine whose agent DaemonSet runs decides which
// policy kinds count, the others are named and change nothing; --engine overrides; -f stays auto.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { cliAs, engineAgent, SHOP_EXAMPLE_FILES, shopExampleObjects } from '../support/live-cluster.js';

const shop = shopExampleObjects();
const AZURE_NPM = engineAgent('azure-npm');
const CILIUM = engineAgent('cilium');

// the shop's NetworkPolicies let the cart reach payments (svc 443, pod port 8443); this Cilium deny closes it where Cilium runs
const noCart = {
  apiVersion: 'cilium.io/v2',
  kind: 'CiliumNetworkPolicy',
  metadata: { namespace: 'payments', name: 'no-cart' },
  spec: { endpointSelector: { matchLabels: { app: 'payments' } }, ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'cart', 'k8s:io.kubernetes.pod.namespace': 'default' } }] }] },
};
const IGNORED_UNDER_NPM = "not evaluated: CiliumNetworkPolicy payments/no-cart is not enforced: this cluster's engine is Azure NPM";
const NPM_DETECTED = 'engine: Azure NPM (detected: DaemonSet azure-npm runs)';

describe('diff, test, whoami --as-pod and report --with follow the detected engine', () => {
  let server: TestApiServer;
  let kubeconfig: string;
  const home = mkdtempSync(join(tmpdir(), 'np-engine-wiring-'));
  const np = (args: string[]) => cliAs(kubeconfig, home)(args);
  const change = join(home, 'no-cart.yaml');
  const expectations = join(home, 'cart-pays.yaml');
  const shopFiles = SHOP_EXAMPLE_FILES.flatMap((f) => ['-f', f]);

  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { 'oncall-token-0123456789': { username: 'oncall@example.com' } }, authorizer: 'always-allow', objects: shop, policyCrds: true });
    kubeconfig = join(home, 'config');
    server.writeKubeconfig(kubeconfig, { context: 'prod', namespace: 'default', user: { token: 'oncall-token-0123456789' } });
    writeFileSync(change, stringify(noCart));
    writeFileSync(expectations, stringify({ apiVersion: 'kubectl-np/v1', kind: 'ConnectivityExpectations', expect: [{ name: 'the cart pays', from: 'default/deploy/cart', to: 'payments/svc/payments', port: 443, allowed: true }] }));
  });
  afterAll(async () => server?.close());

  it('diff: a Cilium policy changes nothing where Azure NPM runs (named), closes the cart where Cilium runs or --engine cilium says so; -f counts it', async () => {
    const diff = ['diff', '-A', '--with', change, '--port', '8443'];
    server.setObjects([...shop, AZURE_NPM]);
    const [npm, json, named, manifests] = await Promise.all([np(diff), np([...diff, '-o', 'json']), np([...diff, '--engine', 'cilium']), np(['diff', ...shopFiles, '--with', change, '--port', '8443'])]);
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).toContain('no connection changes its verdict');
    expect(npm.stdout).toContain(IGNORED_UNDER_NPM);
    expect(npm.stdout).toContain(NPM_DETECTED);
    const out = JSON.parse(json.stdout);
    expect(out.changes).toEqual([]);
    expect(out.notEvaluated).toEqual([{ object: 'CiliumNetworkPolicy payments/no-cart', reason: "not enforced: this cluster's engine is Azure NPM" }]);
    expect(out.engine).toMatchObject({ by: 'detected', engines: ['azure-npm'] });
    for (const closed of [named, manifests]) {
      expect(closed.code, closed.stderr).toBe(1);
      expect(closed.stdout).toMatch(/^default\/deploy\/cart\n  → payments\/deploy\/payments  TCP 8443  allowed → denied\n      ingress to .*CiliumNetworkPolicy payments\/no-cart/m);
    }
    expect(named.stdout).toContain('engine: Cilium (--engine cilium)');
    expect(manifests.stdout).not.toContain('engine:');
    server.setObjects([...shop, CILIUM]);
    const cilium = await np(diff);
    expect(cilium.code, cilium.stderr).toBe(1);
    expect(cilium.stdout).toMatch(/^default\/deploy\/cart\n  → payments\/deploy\/payments  TCP 8443  allowed → denied$/m);
    expect(cilium.stdout).toContain('engine: Cilium (detected: DaemonSet cilium runs)');
    // deleting a policy the engine ignores changes nothing, and says it was not enforced
    server.setObjects([...shop, noCart, AZURE_NPM]);
    const deleted = await np(['diff', '-A', '--delete', 'ciliumnetworkpolicy/payments/no-cart', '--port', '8443']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('no connection changes its verdict');
    expect(deleted.stdout).toContain(IGNORED_UNDER_NPM);
  });

  it('test: the expectation holds where Azure NPM runs (the Cilium policy named) and fails where Cilium runs; -f counts every kind', async () => {
    server.setObjects([...shop, noCart, AZURE_NPM]);
    const [npm, json, junit] = await Promise.all([np(['test', expectations]), np(['test', expectations, '-o', 'json']), np(['test', expectations, '-o', 'junit'])]);
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).toContain('1 expectation: 1 passed, 0 failed');
    expect(npm.stdout).toContain(IGNORED_UNDER_NPM);
    expect(npm.stdout).toContain(NPM_DETECTED);
    expect(JSON.parse(json.stdout)).toMatchObject({ passed: 1, failed: 0, notEvaluated: [{ object: 'CiliumNetworkPolicy payments/no-cart' }], engine: { by: 'detected', engines: ['azure-npm'] } });
    expect(junit.stdout).toContain('failures="0"');
    expect(junit.stderr).toContain(IGNORED_UNDER_NPM);
    server.setObjects([...shop, noCart, CILIUM]);
    const [cilium, manifests] = await Promise.all([np(['test', expectations]), np(['test', ...shopFiles, '-f', change, expectations])]);
    for (const failed of [cilium, manifests]) {
      expect(failed.code, failed.stderr).toBe(1);
      expect(failed.stdout).toMatch(/^FAIL  the cart pays: default\/deploy\/cart → payments\/svc\/payments TCP 443: expected allowed, found denied$/m);
      expect(failed.stdout).toContain('CiliumNetworkPolicy payments/no-cart');
    }
    expect(manifests.stdout).not.toContain('engine:');
  });

  it('whoami --as-pod: only the detected engine\'s kinds select the pod; the others are named as not enforced; --engine overrides', async () => {
    const asPod = ['whoami', '--as-pod', 'payments/deploy/payments'];
    // a second ignored policy that would not select payments: counted, not listed
    const noDb = { ...noCart, metadata: { namespace: 'payments', name: 'no-db' }, spec: { ...noCart.spec, endpointSelector: { matchLabels: { app: 'ledger-db' } } } };
    server.setObjects([...shop, noCart, noDb, AZURE_NPM]);
    const [npm, json, named] = await Promise.all([np(asPod), np([...asPod, '-o', 'json']), np([...asPod, '--engine', 'cilium'])]);
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).not.toMatch(/^ +CiliumNetworkPolicy payments\/no-cart +ingress/m);
    expect(npm.stdout).toMatch(/^ +not evaluated: CiliumNetworkPolicy payments\/no-cart is not enforced: this cluster's engine is Azure NPM$/m);
    expect(npm.stdout).toContain(NPM_DETECTED);
    expect(npm.stdout).not.toContain('no-db');
    expect(npm.stdout).toMatch(/^ +\(1 other policy of kinds the engine does not enforce would not select it: not listed\)$/m);
    const out = JSON.parse(json.stdout);
    expect(out.notEvaluated).toEqual([{ object: 'CiliumNetworkPolicy payments/no-cart', reason: "not enforced: this cluster's engine is Azure NPM", mayDecide: false }]);
    expect(out.ignoredNotSelecting).toBe(1);
    expect(out.networkPolicies.map((p: { kind?: string }) => p.kind)).not.toContain('CiliumNetworkPolicy');
    expect(out.engine).toMatchObject({ by: 'detected', engines: ['azure-npm'] });
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/^ +CiliumNetworkPolicy payments\/no-cart +ingress/m);
    expect(named.stdout).toContain('engine: Cilium (--engine cilium)');
    server.setObjects([...shop, noCart, CILIUM]);
    const cilium = await np(asPod);
    expect(cilium.stdout).toMatch(/^ +CiliumNetworkPolicy payments\/no-cart +ingress/m);
    expect(cilium.stdout).not.toContain('not evaluated');
    expect((await np(['whoami', '--engine', 'cilium'])).stderr).toMatch(/^error: --engine says whose policy kinds select a pod: it needs --as-pod$/m);
  });

  it('report --with: the change list follows the heatmap\'s engine', async () => {
    const report = ['report', '-n', 'default', '-n', 'payments', '--port', '8443', '--with', change];
    server.setObjects([...shop, AZURE_NPM]);
    const [npm, named] = await Promise.all([np(report), np([...report, '--engine', 'cilium'])]);
    expect(npm.code, npm.stderr).toBe(0);
    expect(npm.stdout).toContain('no connection changes its verdict');
    expect(npm.stderr).toContain(IGNORED_UNDER_NPM);
    expect(named.code, named.stderr).toBe(0);
    expect(named.stdout).toMatch(/\d+ connections? changes?: 0 opened, [1-9]\d* closed/);
  });
});
