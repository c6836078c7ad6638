// diff: the overlay of a change on a base, and exactly the connections whose verdict it flips.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import { UsageError } from '../../../src/errors.js';
import { diffReachability, overlaySnapshot, parseDeleteRef } from '../../../src/netpol/diff.js';

const shop = await readManifestSnapshot(['examples/shop']);

async function manifests(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'np-diff-')), 'change.yaml');
  writeFileSync(file, yaml);
  return readManifestSnapshot([file]);
}

const CART_FROM_PROMETHEUS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cart-from-prometheus, namespace: default}
spec:
  podSelector: {matchLabels: {app: cart}}
  ingress:
    - from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]
      ports: [{port: http}]
`;

describe('diff', () => {
  it('lists exactly the one connection a new policy opens, with the policy that opens it', async () => {
    const after = overlaySnapshot(shop, await manifests(CART_FROM_PROMETHEUS));
    const { changes, notes } = diffReachability(shop, after);
    expect(changes).toEqual([
      {
        from: 'monitoring/sts/prometheus',
        to: 'default/deploy/cart',
        port: 8080,
        protocol: 'TCP',
        before: false,
        after: true,
        reason: 'egress from monitoring/prometheus is not isolated; ingress to default/cart allowed by default/cart-from-prometheus rule #0',
      },
    ]);
    expect(notes).toEqual([]);
    // the base is untouched
    expect(shop.networkPolicies.some((p) => p.metadata.name === 'cart-from-prometheus')).toBe(false);
  });

  it('a replaced policy (same kind, namespace, name) and a deleted one close connections', async () => {
    const narrowed = await manifests(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: allow-prometheus, namespace: payments}
spec:
  podSelector: {matchLabels: {app: payments}}
  ingress: []
`);
    const replaced = diffReachability(shop, overlaySnapshot(shop, narrowed));
    expect(replaced.changes.map((c) => `${c.from} → ${c.to} ${c.protocol} ${c.port} ${c.before}→${c.after}`)).toEqual(['monitoring/sts/prometheus → payments/deploy/payments TCP 9090 true→false']);

    const deleted = diffReachability(shop, overlaySnapshot(shop, undefined, [parseDeleteRef('networkpolicy/payments/allow-cart')]));
    expect(deleted.changes.map((c) => `${c.from} → ${c.to} ${c.port} ${c.after}`)).toEqual(['default/deploy/cart → payments/deploy/payments 8443 false']);
    expect(deleted.changes[0].reason).toMatch(/^ingress to payments\/payments denied: selected by payments\/allow-prometheus, payments\/default-deny, and none allows it/);
  });

  it('a namespace the change only refers to keeps the base labels that policies select on', async () => {
    // the change has no Namespace object for "default" (team: shop); payments/allow-cart selects team=shop
    const after = overlaySnapshot(shop, await manifests(CART_FROM_PROMETHEUS));
    expect(after.namespaces.find((n) => n.metadata.name === 'default')?.metadata.labels).toMatchObject({ team: 'shop' });
  });

  it('compares --external addresses, and notes workloads that exist on one side only', async () => {
    const change = await manifests(`apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: frontend-egress, namespace: default}
spec:
  podSelector: {matchLabels: {app: frontend}}
  policyTypes: [Egress]
  egress:
    - to: [{podSelector: {matchLabels: {app: cart}}}]
      ports: [{port: http}]
    - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 169.254.169.254/32]}}]
      ports: [{port: 80}, {port: 443}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: search, namespace: default}
spec:
  selector: {matchLabels: {app: search}}
  template:
    metadata: {labels: {app: search}}
    spec: {containers: [{name: s, ports: [{containerPort: 9200}]}]}
`);
    const { changes, notes } = diffReachability(shop, overlaySnapshot(shop, change), { ports: [80], externals: ['169.254.169.254'] });
    expect(changes.map((c) => `${c.from} → ${c.to} ${c.port} ${c.after}`)).toEqual(['default/deploy/frontend → ip:169.254.169.254 80 false']);
    expect(notes).toEqual(['only after the change, not compared: default/deploy/search']);
  });

  it('refuses deletions it cannot apply, with one line', () => {
    const message = (fn: () => unknown) => {
      try {
        fn();
      } catch (err) {
        expect(err).toBeInstanceOf(UsageError);
        return (err as Error).message;
      }
      throw new Error('expected a UsageError');
    };
    expect(message(() => parseDeleteRef('networkpolicy/allow-cart'))).toMatch(/expected KIND\/NAMESPACE\/NAME/);
    expect(message(() => parseDeleteRef('configmap/a/b'))).toMatch(/unknown kind "configmap"/);
    expect(message(() => overlaySnapshot(shop, undefined, [parseDeleteRef('netpol/payments/nope')]))).toMatch(/networkpolicy payments\/nope is not in manifests examples\/shop/);
    expect(parseDeleteRef('ns/payments')).toMatchObject({ kind: 'Namespace', name: 'payments' });
  });
});
