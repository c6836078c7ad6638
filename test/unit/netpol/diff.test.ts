// diff: the overlay of a change on a base, and exactly the connections whose verdict it flips.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import type { ClusterSnapshot, NetworkPolicy, Pod } from '../../../src/model/k8s.js';
import { UsageError } from '../../../src/errors.js';
import { diffReachability, overlaySnapshot, parseDeleteRef } from '../../../src/netpol/diff.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { clusterPods } from '../../../src/netpol/endpoints.js';
import { matrixQueries, resolveQuery } from '../../../src/netpol/matrix.js';
import type { Peer } from '../../../src/netpol/types.js';
import * as arb from './arbitraries.js';
import { CART_FROM_PROMETHEUS } from '../../support/shop-changes.js';

const shop = await readManifestSnapshot(['examples/shop']);

async function manifests(yaml: string) {
  const file = join(mkdtempSync(join(tmpdir(), 'np-diff-')), 'change.yaml');
  writeFileSync(file, yaml);
  return readManifestSnapshot([file]);
}


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

  describe('every policy kind can-reach evaluates', () => {
    const NO_IMDS = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata: {name: no-imds}
spec:
  priority: 10
  subject: {namespaces: {}}
  egress:
    - {name: deny-imds, action: Deny, to: [{networks: [169.254.169.254/32]}]}
`;

    it('an AdminNetworkPolicy added by --with closes connections, named with its tier and rule; --delete adminnetworkpolicy/NAME reopens them', async () => {
      const after = overlaySnapshot(shop, await manifests(NO_IMDS));
      const closed = diffReachability(shop, after, { ports: [80], externals: ['169.254.169.254'] });
      expect(closed.changes.map((c) => `${c.from} → ${c.to} ${c.before}→${c.after}`)).toEqual([
        'default/deploy/cart → ip:169.254.169.254 true→false',
        'default/deploy/frontend → ip:169.254.169.254 true→false',
        'kube-system/deploy/coredns → ip:169.254.169.254 true→false',
        'monitoring/sts/prometheus → ip:169.254.169.254 true→false',
      ]);
      expect(closed.changes[0].reason).toBe('egress from default/cart denied by AdminNetworkPolicy no-imds (tier admin, priority 10) rule #0 "deny-imds" Deny: Deny to IPs in 169.254.169.254/32 on any port');
      const reopened = diffReachability(after, overlaySnapshot(after, undefined, [parseDeleteRef('adminnetworkpolicy/no-imds')]), { ports: [80], externals: ['169.254.169.254'] });
      expect(reopened.changes.map((c) => `${c.from} ${c.before}→${c.after}`)).toEqual(['default/deploy/cart false→true', 'default/deploy/frontend false→true', 'kube-system/deploy/coredns false→true', 'monitoring/sts/prometheus false→true']);
    });

    it('a Calico policy replaces the one of the same name from either Calico group; --delete networkpolicies.projectcalico.org/NS/NAME removes it', async () => {
      const calico = (action: string) => `apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: cart-lockdown, namespace: default}
spec:
  selector: app == 'cart'
  types: [Egress]
  egress: [{action: ${action}}]
`;
      const base = overlaySnapshot(shop, await manifests(calico('Allow').replace('projectcalico.org/v3', 'crd.projectcalico.org/v1')));
      const after = overlaySnapshot(base, await manifests(calico('Deny')));
      expect(after.policyObjects).toHaveLength(1);
      const r = diffReachability(base, after, { ports: [8443] });
      expect(r.changes.map((c) => `${c.from} → ${c.to} ${c.before}→${c.after}`)).toEqual([
        'default/deploy/cart → kube-system/deploy/coredns true→false',
        'default/deploy/cart → monitoring/sts/prometheus true→false',
        'default/deploy/cart → payments/deploy/payments true→false',
      ]);
      expect(r.changes[2].reason).toMatch(/^egress from default\/cart denied by Calico NetworkPolicy default\/cart-lockdown \(tier default\) rule #0 Deny/);
      expect(diffReachability(after, overlaySnapshot(after, undefined, [parseDeleteRef('networkpolicies.projectcalico.org/default/cart-lockdown')]), { ports: [8443] }).changes.map((c) => c.after)).toEqual([true, true, true]);
    });

    it('a change touching a policy kind that is not evaluated is "cannot tell", not a confident "nothing changes"', async () => {
      const antrea = await manifests(`apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata: {name: lockdown, namespace: payments}
spec: {appliedTo: [{podSelector: {}}], ingress: [{action: Drop}]}
`);
      const r = diffReachability(shop, overlaySnapshot(shop, antrea), { ports: [8443] });
      expect(r.changes.length).toBeGreaterThan(0);
      expect(r.changes.every((c) => c.after === null)).toBe(true);
      expect(r.notEvaluated).toEqual([{ object: 'NetworkPolicy payments/lockdown', reason: 'kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1)' }]);
      expect(r.cannotTell?.[0].what).toMatch(/^NetworkPolicy payments\/lockdown, which was not evaluated/);
    });

    it('parses --delete for policy kinds: cluster-scoped KIND/NAME, namespaced KIND/NS/NAME, Calico by PLURAL.GROUP', () => {
      expect(parseDeleteRef('adminnetworkpolicy/no-imds')).toMatchObject({ kind: 'AdminNetworkPolicy', name: 'no-imds' });
      expect(parseDeleteRef('clusternetworkpolicies/base')).toMatchObject({ kind: 'ClusterNetworkPolicy', name: 'base' });
      expect(parseDeleteRef('ciliumnetworkpolicy/app/x')).toMatchObject({ kind: 'CiliumNetworkPolicy', namespace: 'app', name: 'x' });
      expect(parseDeleteRef('networkpolicies.projectcalico.org/app/x')).toMatchObject({ kind: 'NetworkPolicy', policy: { group: 'projectcalico.org' }, namespace: 'app' });
      expect(parseDeleteRef('networkpolicy/app/x')).toMatchObject({ kind: 'NetworkPolicy', namespace: 'app' });
      expect(parseDeleteRef('networkpolicy/app/x').policy).toBeUndefined();
      expect(() => parseDeleteRef('adminnetworkpolicy/ns/x')).toThrow(/AdminNetworkPolicy is cluster-scoped: adminnetworkpolicy\/NAME/);
    });
  });
});

describe('diff, for any cluster and change', () => {
  const snapshot = (namespaces: ClusterSnapshot['namespaces'], pods: Pod[], networkPolicies: NetworkPolicy[], unreadLabels: boolean): ClusterSnapshot => ({
    source: 'generated',
    origin: 'manifests',
    namespaces,
    pods,
    services: [],
    workloads: [],
    networkPolicies,
    roles: [],
    roleBindings: [],
    serviceAccounts: [],
    ...(unreadLabels ? { unreadable: [{ resource: 'namespaces', readByName: [] }] } : {}),
  });
  const world = fc.record({
    ns: arb.namespaces,
    pods: arb.pods,
    before: fc.array(arb.policy, { maxLength: 4 }),
    added: fc.array(arb.policy, { maxLength: 2 }),
    kept: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
    externals: arb.externals,
    unreadLabels: fc.boolean(),
  });

  it('lists exactly the pod pairs (and addresses) whose verdict, judged one pair at a time before and after, differs', () => {
    fc.assert(
      fc.property(world, ({ ns, pods, before, added, kept, externals, unreadLabels }) => {
        const podObjects = pods.map((p): Pod => ({
          metadata: { name: p.name, namespace: p.namespace, labels: p.labels },
          spec: { containers: [{ name: 'main', ports: p.ports }] },
          status: { phase: 'Running', podIPs: p.ips.map((ip) => ({ ip })) },
        }));
        const base = snapshot(ns, podObjects, before, unreadLabels);
        const after = snapshot(ns, podObjects, [...before.filter((_, i) => kept[i]), ...added], unreadLabels);
        const result = diffReachability(base, after, { externals });

        const engines = { before: new PolicyEngine(base), after: new PolicyEngine(after) };
        const views = { before: clusterPods(base), after: clusterPods(after) };
        const peers = (side: 'before' | 'after'): [string, Peer][] => [
          ...views[side].map((pod): [string, Peer] => [`${pod.namespace}/pod/${pod.name}`, { kind: 'pod', pod }]),
          ...externals.map((ip): [string, Peer] => [`ip:${ip}`, { kind: 'ip', ip }]),
        ];
        const expected: string[] = [];
        const unseen = new Set<string>();
        const answer = (v: { value: number; unseen?: { what: string }[] }) => {
          for (const u of v.unseen ?? []) unseen.add(u.what);
          return v.value === 3 ? null : v.value === 1;
        };
        const [pb, pa] = [peers('before'), peers('after')];
        for (const query of matrixQueries([...views.before, ...views.after], [], [])) {
          pb.forEach(([from, sb], s) =>
            pb.forEach(([to, db], d) => {
              const [sa, da] = [pa[s][1], pa[d][1]];
              const [tb, ta] = [resolveQuery(query, db), resolveQuery(query, da)];
              if ((sb.kind === 'ip' && db.kind === 'ip') || !tb || !ta) return;
              const was = answer(engines.before.judge(sb, db, tb));
              const is = answer(engines.after.judge(sa, da, ta));
              if (was !== is) expected.push(`${from} → ${to} ${ta.protocol} ${query.port}: ${was} → ${is}`);
            }),
          );
        }
        expect(result.changes.map((c) => `${c.from} → ${c.to} ${c.protocol} ${c.port}: ${c.before} → ${c.after}`).sort()).toEqual(expected.sort());
        expect(new Set((result.cannotTell ?? []).map((u) => u.what))).toEqual(unseen);
      }),
      { numRuns: 200 },
    );
  });
});
