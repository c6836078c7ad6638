// ConnectivityExpectations: the parser accepts exactly what the JSON Schema in docs/ describes, and
// checking the shop example's expectations passes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { UsageError } from '../../../src/errors.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { checkExpectations, parseExpectations } from '../../../src/netpol/expectations.js';

const schema = JSON.parse(readFileSync('docs/connectivity-expectations.schema.json', 'utf8'));
const doc = (expect: unknown[]) => ({ apiVersion: 'kubectl-np/v1', kind: 'ConnectivityExpectations', expect });

function refused(value: unknown): string {
  try {
    parseExpectations(value, 'f.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('ConnectivityExpectations', () => {
  it('the parser and the JSON Schema agree on the fields and which are required', () => {
    const item = schema.properties.expect.items;
    const all = { name: 'n', from: 'a/pod/x', to: 'ip:10.0.0.1', port: 'http', protocol: 'udp', allowed: true };
    expect(parseExpectations(doc([all]), 'f.yaml')[0]).toMatchObject({ ...all, protocol: 'UDP' });
    expect(Object.keys(item.properties).sort()).toEqual(Object.keys(all).sort());
    for (const key of Object.keys(all)) {
      const without = Object.fromEntries(Object.entries(all).filter(([k]) => k !== key));
      const required = item.required.includes(key);
      if (required) expect(refused(doc([without])), key).toMatch(new RegExp(`"${key}"`));
      else expect(parseExpectations(doc([without]), 'f.yaml')).toHaveLength(1);
    }
    expect(schema.properties.apiVersion.const).toBe('kubectl-np/v1');
    expect(schema.properties.kind.const).toBe('ConnectivityExpectations');
  });

  it('refuses what the schema refuses, one line each', () => {
    expect(refused(doc([]))).toMatch(/"expect" must be a non-empty list/);
    expect(refused({ ...doc([{ from: 'a', to: 'b', allowed: true }]), kind: 'Expectations' })).toMatch(/expected apiVersion kubectl-np\/v1 and kind ConnectivityExpectations/);
    expect(refused(doc([{ from: 'a', to: 'b', allowed: true, port: 70000 }]))).toMatch(/expect\[0\]: "port" must be a number 1-65535 or a port name/);
    expect(refused(doc([{ from: 'a', to: 'ns//b', allowed: true }]))).toMatch(/expect\[0\]: cannot read endpoint "ns\/\/b"/);
    expect(refused(doc([{ from: 'a', to: 'b', allowed: 'yes' }]))).toMatch(/"allowed" must be true or false/);
  });

  it('the shop example expectations all hold', async () => {
    const snapshot = await readManifestSnapshot(['examples/shop']);
    const list = parseExpectations(parse(readFileSync('examples/shop/expectations.yaml', 'utf8')), 'expectations.yaml');
    const results = checkExpectations(snapshot, new PolicyEngine(snapshot), list, 'default');
    expect(results.filter((r) => !r.passed)).toEqual([]);
    expect(results.length).toBeGreaterThanOrEqual(9);
  });

  it('every policy kind can-reach evaluates decides an expectation, and the failure names the deciding rule of that kind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-expect-'));
    writeFileSync(
      join(dir, 'kinds.yaml'),
      `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-imds}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress: [{name: deny-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}]
---
apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata: {name: cart-egress-deny, namespace: default}
spec:
  endpointSelector: {matchLabels: {app: cart}}
  egressDeny: [{toEndpoints: [{matchLabels: {k8s:io.kubernetes.pod.namespace: payments}}]}]
  egress: [{toEntities: [all]}]
`,
    );
    const snapshot = await readManifestSnapshot(['examples/shop', dir]);
    const list = parseExpectations(
      doc([
        { name: 'imds', from: 'default/deploy/frontend', to: 'ip:169.254.169.254', port: 80, allowed: true },
        { name: 'cart-pays', from: 'default/deploy/cart', to: 'payments/deploy/payments', port: 8443, allowed: true },
        { name: 'web', from: 'default/deploy/frontend', to: 'default/deploy/cart', port: 8080, allowed: true },
      ]),
      'kinds.yaml',
    );
    const [imds, pays, web] = checkExpectations(snapshot, new PolicyEngine(snapshot), list, 'default');
    expect(imds).toMatchObject({ passed: false, actual: false, reason: 'egress from default/frontend denied by AdminNetworkPolicy no-imds (tier admin, priority 10) rule #0 "deny-imds" Deny: Deny to IPs in 169.254.169.254/32 on any port' });
    expect(pays).toMatchObject({ passed: false, actual: false });
    expect(pays.reason).toMatch(/^egress from default\/cart denied by CiliumNetworkPolicy default\/cart-egress-deny \(tier cilium\) rule #0 Deny/);
    expect(web).toMatchObject({ passed: true, actual: true });
  });

  it('an expectation on pods an unevaluated policy may select neither passes nor fails by luck', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-expect-'));
    writeFileSync(join(dir, 'antrea.yaml'), 'apiVersion: crd.antrea.io/v1beta1\nkind: NetworkPolicy\nmetadata: {name: lockdown, namespace: payments}\nspec: {}\n');
    const snapshot = await readManifestSnapshot(['examples/shop', dir]);
    const list = parseExpectations(doc([{ from: 'default/deploy/cart', to: 'payments/deploy/payments', port: 8443, allowed: true }]), 'x.yaml');
    const [result] = checkExpectations(snapshot, new PolicyEngine(snapshot), list, 'default');
    expect(result.passed).toBe(false);
    expect(result.reason).toMatch(/^cannot tell: depends on NetworkPolicy payments\/lockdown, which may select payments\/payments and was not evaluated/);
  });
});
