// The cases of kubernetes/kubernetes test/e2e/network/netpol/network_policy.go, transcribed: same
// pods, same policies, same expected reachability (loopback ignored, as upstream does).
import { describe, expect, it } from 'vitest';
import type { LabelSelector, NetworkPolicy, Protocol } from '../../../src/model/k8s.js';
import { NS_NAME, Reachability, e2eCluster, mismatches, policy } from './e2e-model.js';

const all: LabelSelector = {};
const podIs = (name: string): LabelSelector => ({ matchLabels: { pod: name } });
const nsIs = (name: string): LabelSelector => ({ matchLabels: { [NS_NAME]: name } });
const nsNotIn = (...names: string[]): LabelSelector => ({ matchExpressions: [{ key: NS_NAME, operator: 'NotIn', values: names }] });

function check(pods: string[], policies: NetworkPolicy[], port: number, protocol: Protocol, expectations: (r: Reachability) => void, ports = [port], protocols: Protocol[] = [protocol]) {
  const cluster = e2eCluster(pods, ports, protocols);
  const r = new Reachability(pods, true);
  expectations(r);
  expect(mismatches(cluster, policies, port, protocol, r)).toEqual([]);
}

describe('upstream NetworkPolicy e2e (TCP)', () => {
  it("supports a 'default-deny-ingress' policy", () => {
    check(['x/a', 'x/b', 'y/a', 'y/b'], [policy('x', 'deny-ingress', all, { ingress: [] })], 80, 'TCP', (r) => r.expectPeer({}, { ns: 'x' }, false));
  });

  it("supports a 'default-deny-all' policy", () => {
    check(['x/a', 'x/b', 'y/a'], [policy('x', 'deny-all', all, { ingress: [], egress: [] })], 80, 'TCP', (r) =>
      r.expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x' }, {}, false),
    );
  });

  it('allows traffic from pods within the server namespace based on PodSelector', () => {
    const p = policy('x', 'x-a-allows-x-b', podIs('a'), { ingress: [{ from: [{ podSelector: podIs('b') }] }] });
    check(['x/a', 'x/b', 'x/c', 'y/a'], [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
  });

  it('allows ingress traffic for a target despite a namespace default-deny', () => {
    const deny = policy('x', 'deny-all', all, { ingress: [] });
    const allowA = policy('x', 'allow-all-to-a', podIs('a'), { ingress: [{ from: [{ podSelector: {}, namespaceSelector: {} }] }] });
    check(['x/a', 'x/b', 'y/a'], [deny, allowA], 80, 'TCP', (r) => r.expectAllIngress('x/a', true).expectAllIngress('x/b', false));
  });

  it('allows ingress traffic from pods in all namespaces (empty namespaceSelector)', () => {
    const p = policy('x', 'allow-from-another-ns', podIs('a'), { ingress: [{ from: [{ namespaceSelector: { matchLabels: {} } }] }] });
    check(['x/a', 'x/b', 'y/a', 'z/a'], [p], 80, 'TCP', () => {});
  });

  it('allows traffic only from a different namespace based on NamespaceSelector (matchLabels and matchExpressions)', () => {
    const byLabels = policy('x', 'allow-client-a-via-ns-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y') }] }] });
    const byExpr = policy('x', 'allow-ns-y-match-selector', podIs('a'), {
      ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: NS_NAME, operator: 'In', values: ['y'] }] } }] }],
    });
    for (const p of [byLabels, byExpr]) {
      check(['x/a', 'x/b', 'y/a', 'z/a'], [p], 80, 'TCP', (r) =>
        r.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
      );
    }
  });

  it('enforces PodSelector with MatchExpressions', () => {
    const p = policy('x', 'x-a-allows-x-b', podIs('a'), {
      ingress: [{ from: [{ podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b'] }] } }] }],
    });
    check(['x/a', 'x/b', 'y/a'], [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
  });

  it('enforces PodSelector OR NamespaceSelector (two peers)', () => {
    const p = policy('x', 'allow-ns-y-match-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsNotIn('x') }, { podSelector: podIs('b') }] }] });
    check(['x/a', 'x/b', 'x/c', 'y/a'], [p], 80, 'TCP', (r) => r.expect('x/a', 'x/a', false).expect('x/c', 'x/a', false));
  });

  it('enforces PodSelector AND NamespaceSelector (one peer)', () => {
    const p = policy('x', 'allow-ns-y-podselector-and-nsselector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsNotIn('x'), podSelector: podIs('b') }] }] });
    check(['x/a', 'x/b', 'y/a', 'y/b', 'z/b'], [p], 80, 'TCP', (r) =>
      r.expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true),
    );
  });

  it('enforces multiple PodSelectors and NamespaceSelectors', () => {
    const p = policy('x', 'allow-ns-y-z-pod-b-c', podIs('a'), {
      ingress: [{ from: [{ namespaceSelector: nsNotIn('x'), podSelector: { matchExpressions: [{ key: 'pod', operator: 'In', values: ['b', 'c'] }] } }] }],
    });
    check(['x/a', 'x/b', 'y/a', 'y/b', 'y/c'], [p], 80, 'TCP', (r) =>
      r.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expect('y/a', 'x/a', false),
    );
  });

  it('enforces any of several PodSelectors', () => {
    const p = policy('x', 'allow-ns-x-pod-b-c', podIs('a'), { ingress: [{ from: [{ podSelector: podIs('b') }, { podSelector: podIs('c') }] }] });
    check(['x/a', 'x/b', 'x/c'], [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true));
  });

  it('allows traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector', () => {
    const p = policy('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: podIs('a') }] }] });
    check(['x/a', 'x/b', 'y/a', 'y/b', 'z/a'], [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false).expect('y/a', 'x/a', true));
  });

  it('enforces policy based on Ports', () => {
    const p = policy('x', 'allow-client-a-via-ns-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] });
    check(['x/a', 'x/b', 'y/a', 'y/b', 'z/a'], [p], 81, 'TCP', (r) =>
      r
        .expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false)
        .expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true)
        .expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
    );
  });

  it('enforces multiple, stacked policies with overlapping podSelectors', () => {
    const pods = ['x/a', 'x/b', 'y/a', 'y/b', 'z/a'];
    const allow81 = policy('x', 'allow-client-a-via-ns-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol: 'TCP' }] }] });
    const allow80 = policy('x', 'allow-client-a-via-ns-selector-80', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 80, protocol: 'TCP' }] }] });
    const allowTable = (r: Reachability) =>
      r
        .expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false)
        .expectPeer({ ns: 'y' }, { ns: 'x', pod: 'a' }, true)
        .expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false);
    check(pods, [allow81], 81, 'TCP', allowTable, [80, 81]);
    check(pods, [allow81], 80, 'TCP', (r) => r.expectAllIngress('x/a', false), [80, 81]);
    check(pods, [allow81, allow80], 80, 'TCP', allowTable, [80, 81]);
  });

  it('supports an allow-all policy (one empty ingress rule)', () => {
    const p = policy('x', 'allow-all', all, { ingress: [{}] });
    for (const port of [80, 81]) check(['x/a', 'x/b', 'y/a'], [p], port, 'TCP', () => {}, [80, 81]);
  });

  it('allows ingress access on one named port', () => {
    const p = policy('x', 'allow-all', all, { ingress: [{ ports: [{ port: 'serve-81-tcp' }] }] });
    check(['x/a', 'x/b', 'y/a'], [p], 81, 'TCP', () => {}, [80, 81]);
    check(['x/a', 'x/b', 'y/a'], [p], 80, 'TCP', (r) => r.expectPeer({}, { ns: 'x' }, false), [80, 81]);
  });

  it('allows ingress access from a namespace on one named port', () => {
    const pods = ['x/a', 'x/b', 'y/a', 'z/a'];
    const p = policy('x', 'allow-client-a-via-ns-selector-80', podIs('a'), {
      ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 'serve-80-tcp', protocol: 'TCP' }] }],
    });
    check(pods, [p], 80, 'TCP', (r) => r.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false), [80, 81]);
    check(pods, [p], 81, 'TCP', (r) => r.expectAllIngress('x/a', false), [80, 81]);
  });

  it('allows egress access on one named port (resolved on the destination)', () => {
    const p = policy('x', 'allow-egress', all, { egress: [{ ports: [{ port: 'serve-80-tcp' }] }] });
    check(['x/a', 'y/a'], [p], 80, 'TCP', () => {}, [80, 81]);
    check(['x/a', 'y/a'], [p], 81, 'TCP', (r) => r.expectPeer({ ns: 'x' }, {}, false), [80, 81]);
  });

  it('enforces an updated policy (allow-all rule replaced by ingress: [])', () => {
    check(['x/a', 'y/a'], [policy('x', 'allow-all-mutate-to-deny-all', all, { ingress: [{}] })], 81, 'TCP', () => {});
    check(['x/a', 'y/a'], [policy('x', 'allow-all-mutate-to-deny-all', all, { ingress: [] })], 81, 'TCP', (r) => r.expectPeer({}, { ns: 'x' }, false));
  });

  it('allows ingress access from an updated namespace', () => {
    const pods = ['x/a', 'y/a'];
    const p = policy('x', 'allow-client-a-via-ns-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: { matchLabels: { ns2: 'updated' } } }] }] });
    check(pods, [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false));
    const cluster = e2eCluster(pods, [80], ['TCP']);
    cluster.namespaces[1].metadata.labels = { ...cluster.namespaces[1].metadata.labels, ns2: 'updated' };
    const r = new Reachability(pods, true).expectAllIngress('x/a', false).expectPeer({ ns: 'y' }, {}, true);
    expect(mismatches(cluster, [p], 80, 'TCP', r)).toEqual([]);
  });

  it('allows ingress access from an updated pod', () => {
    const pods = ['x/a', 'x/b'];
    const p = policy('x', 'allow-client-a-via-pod-selector', podIs('a'), { ingress: [{ from: [{ podSelector: { matchLabels: { pod: 'b', pod2: 'updated' } } }] }] });
    check(pods, [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false));
    const cluster = e2eCluster(pods, [80], ['TCP']);
    cluster.views.set('x/b', { ...cluster.views.get('x/b')!, labels: { pod: 'b', pod2: 'updated' } });
    const r = new Reachability(pods, true).expectAllIngress('x/a', false).expect('x/b', 'x/a', true);
    expect(mismatches(cluster, [p], 80, 'TCP', r)).toEqual([]);
  });

  it('denies ingress from pods in other namespaces (podSelector {} alone means this namespace)', () => {
    const p = policy('x', 'deny-empty-policy', all, { ingress: [{ from: [{ podSelector: { matchLabels: {} } }] }] });
    check(['x/a', 'x/b', 'y/a', 'z/a'], [p], 80, 'TCP', (r) => r.expectPeer({ ns: 'y' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false));
  });

  it('denies ingress access to an updated pod', () => {
    const pods = ['x/a', 'y/a'];
    const p = policy('x', 'deny-ingress-via-label-selector', { matchLabels: { target: 'isolated' } }, { ingress: [] });
    check(pods, [p], 80, 'TCP', () => {});
    const cluster = e2eCluster(pods, [80], ['TCP']);
    cluster.views.set('x/a', { ...cluster.views.get('x/a')!, labels: { pod: 'a', target: 'isolated' } });
    expect(mismatches(cluster, [p], 80, 'TCP', new Reachability(pods, true).expectAllIngress('x/a', false))).toEqual([]);
  });

  it('denies egress from pods based on PodSelector', () => {
    check(['x/a', 'x/b', 'y/a'], [policy('x', 'deny-egress-pod-a', podIs('a'), { egress: [] })], 80, 'TCP', (r) => r.expectAllEgress('x/a', false));
  });

  it('denies egress from all pods in a namespace', () => {
    check(['x/a', 'x/b', 'y/a'], [policy('x', 'deny-egress-ns-x', all, { egress: [] })], 80, 'TCP', (r) => r.expectPeer({ ns: 'x' }, {}, false));
  });

  it('works with Ingress and Egress specified together', () => {
    const pods = ['x/a', 'x/b', 'x/c', 'y/a'];
    const p: NetworkPolicy = {
      metadata: { namespace: 'x', name: 'allow-client-a-via-pod-selector' },
      spec: {
        podSelector: podIs('a'),
        policyTypes: ['Egress', 'Ingress'],
        ingress: [{ from: [{ podSelector: podIs('b') }] }],
        egress: [{ ports: [{ port: 80 }] }],
      },
    };
    check(pods, [p], 80, 'TCP', (r) => r.expectAllIngress('x/a', false).expect('x/b', 'x/a', true), [80, 81]);
    check(pods, [p], 81, 'TCP', (r) => r.expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true), [80, 81]);
  });

  it('denies egress on the client side even if the server explicitly allows it', () => {
    const egress = policy('x', 'allow-to-ns-y-pod-a', podIs('a'), { egress: [{ to: [{ namespaceSelector: nsIs('y'), podSelector: podIs('a') }] }] });
    const fromXA = [{ namespaceSelector: nsIs('x'), podSelector: podIs('a') }];
    const ingressA = policy('y', 'allow-from-xa-on-ya-match-selector', podIs('a'), { ingress: [{ from: fromXA }] });
    const ingressB = policy('y', 'allow-from-xa-on-yb-match-selector', podIs('b'), { ingress: [{ from: fromXA }] });
    check(['x/a', 'y/a', 'y/b'], [egress, ingressA, ingressB], 80, 'TCP', (r) =>
      r
        .expectPeer({ ns: 'x', pod: 'a' }, {}, false)
        .expectPeer({}, { ns: 'y', pod: 'a' }, false)
        .expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y', pod: 'a' }, true)
        .expectPeer({}, { ns: 'y', pod: 'b' }, false),
    );
  });

  it('enforces egress to a server in a different namespace based on PodSelector and NamespaceSelector', () => {
    const p = policy('x', 'allow-to-ns-y-pod-a', podIs('a'), { egress: [{ to: [{ namespaceSelector: nsIs('y'), podSelector: podIs('a') }] }] });
    check(['x/a', 'y/a', 'y/b'], [p], 80, 'TCP', (r) => r.expectAllEgress('x/a', false).expect('x/a', 'y/a', true));
  });

  it('allows any port on a specific protocol (protocol without port)', () => {
    const pods = ['x/a', 'y/a'];
    const p = policy('x', 'allow-ingress-by-proto', podIs('a'), { ingress: [{ ports: [{ protocol: 'TCP' }] }] });
    check(pods, [p], 80, 'TCP', () => {}, [80], ['TCP', 'UDP']);
    check(pods, [p], 80, 'UDP', (r) => r.expectPeer({}, { ns: 'x', pod: 'a' }, false), [80], ['TCP', 'UDP']);
  });

  it('lets an ingress allow-all policy take precedence over a narrower one', () => {
    const only80 = policy('x', 'allow-ingress-port-80', all, { ingress: [{ ports: [{ port: 80 }] }] });
    const allowAll = policy('x', 'allow-ingress', all, { ingress: [{}] });
    check(['x/a', 'y/a'], [only80], 81, 'TCP', (r) => r.expectPeer({}, { ns: 'x' }, false));
    check(['x/a', 'y/a'], [only80, allowAll], 81, 'TCP', () => {});
  });

  it('lets an egress allow-all policy take precedence over a narrower one', () => {
    const only80 = policy('x', 'allow-egress-port-80', all, { egress: [{ ports: [{ port: 80 }] }] });
    const allowAll = policy('x', 'allow-egress', all, { egress: [{}] });
    check(['x/a', 'y/a'], [only80], 81, 'TCP', (r) => r.expectPeer({ ns: 'x' }, {}, false));
    check(['x/a', 'y/a'], [only80, allowAll], 81, 'TCP', () => {});
  });

  it('stops enforcing policies after they are deleted', () => {
    check(['x/a', 'y/a'], [policy('x', 'deny-all', all, { ingress: [], egress: [] })], 80, 'TCP', (r) =>
      r.expectPeer({ ns: 'x' }, {}, false).expectPeer({}, { ns: 'x' }, false),
    );
    check(['x/a', 'y/a'], [], 80, 'TCP', () => {});
  });

  it('allows egress to a server in a CIDR block (ipBlock matches pod IPs)', () => {
    const pods = ['x/a', 'y/a', 'y/b'];
    const ip = e2eCluster(pods, [80], ['TCP']).views.get('y/b')!.ips[0];
    const p = policy('x', 'allow-client-a-via-cidr-egress-rule', podIs('a'), { egress: [{ to: [{ ipBlock: { cidr: `${ip}/32` } }] }] });
    check(pods, [p], 80, 'TCP', (r) => r.expectAllEgress('x/a', false).expect('x/a', 'y/b', true));
  });

  it('enforces the except clause of an ipBlock', () => {
    const pods = ['x/a', 'x/b', 'x/c'];
    const ip = e2eCluster(pods, [80], ['TCP']).views.get('x/b')!.ips[0];
    const p = policy('x', 'allow-client-a-via-cidr-egress-rule', podIs('a'), { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/4', except: [`${ip}/32`] } }] }] });
    check(pods, [p], 80, 'TCP', (r) => r.expect('x/a', 'x/b', false));
  });

  it('allows an IP in one ipBlock except when another policy allows it', () => {
    const pods = ['x/a', 'x/b', 'x/c'];
    const ip = e2eCluster(pods, [80], ['TCP']).views.get('x/b')!.ips[0];
    const wide = policy('x', 'allow-client-a-via-cidr-egress-rule', podIs('a'), { egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/4', except: [`${ip}/32`] } }] }] });
    check(pods, [wide], 80, 'TCP', (r) => r.expect('x/a', 'x/b', false));
    // upstream updates the policy in place (same name): it now allows only x/b
    const replaced = policy('x', 'allow-client-a-via-cidr-egress-rule', podIs('a'), { egress: [{ to: [{ ipBlock: { cidr: `${ip}/32` } }] }] });
    check(pods, [replaced], 80, 'TCP', (r) => r.expectAllEgress('x/a', false).expect('x/a', 'x/b', true));
    // and with both present, the union allows x/b again
    const other = { ...replaced, metadata: { namespace: 'x', name: 'allow-b' } };
    check(pods, [wide, other], 80, 'TCP', () => {});
  });

  it('controls ingress and egress independently', () => {
    const pods = ['x/a', 'x/b', 'y/a'];
    const egressAll = policy('x', 'allow-egress-for-target', podIs('a'), { egress: [{}] });
    const denyIngress = policy('x', 'deny-ingress-via-label-selector', podIs('a'), { ingress: [] });
    check(pods, [egressAll], 80, 'TCP', () => {});
    check(pods, [egressAll, denyIngress], 80, 'TCP', (r) => r.expectAllIngress('x/a', false));
  });

  it("does not treat 'protocol: SCTP' as 'protocol: TCP'", () => {
    const deny = policy('x', 'deny-ingress', all, { ingress: [] });
    const sctp = policy('x', 'allow-only-sctp-ingress-on-port-81', podIs('a'), { ingress: [{ ports: [{ port: 81, protocol: 'SCTP' }] }] });
    check(['x/a', 'y/a'], [deny, sctp], 81, 'TCP', (r) => r.expectPeer({}, { ns: 'x' }, false));
  });

  it('isolates pods selected by a policy that only allows SCTP', () => {
    const sctp = policy('x', 'allow-only-sctp-ingress-on-port-80', podIs('a'), { ingress: [{ ports: [{ port: 80, protocol: 'SCTP' }] }] });
    check(['x/a', 'y/a'], [sctp], 81, 'TCP', (r) => r.expectAllIngress('x/a', false));
  });

  it('does not allow TCP when a policy specifies only UDP', () => {
    const udp = policy('x', 'allow-only-udp-ingress-on-port-81', podIs('a'), { ingress: [{ ports: [{ port: 81, protocol: 'UDP' }] }] });
    check(['x/a', 'y/a'], [udp], 81, 'TCP', (r) => r.expectAllIngress('x/a', false));
  });

  it('selects namespaces by the kubernetes.io/metadata.name label (matchExpressions, egress)', () => {
    const p = policy('x', 'allow-ns-y-match-selector-for-immutable-ns-label', podIs('a'), { egress: [{ to: [{ namespaceSelector: nsNotIn('y') }] }] });
    check(['x/a', 'x/b', 'y/a', 'z/a'], [p], 80, 'TCP', (r) => r.expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y' }, false));
  });
});

describe.each(['UDP', 'SCTP'] as Protocol[])('upstream NetworkPolicy e2e (%s)', (protocol) => {
  it("supports a 'default-deny-ingress' policy", () => {
    check(['x/a', 'x/b', 'y/a', 'y/b'], [policy('x', 'deny-all', all, { ingress: [] })], 80, protocol, (r) => r.expectPeer({}, { ns: 'x' }, false));
  });

  it('enforces policy based on Ports', () => {
    const p = policy('x', 'allow-ingress-on-port-81-ns-x', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y') }], ports: [{ port: 81, protocol }] }] });
    check(['x/a', 'x/b', 'y/a', 'z/a'], [p], 81, protocol, (r) =>
      r.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false),
    );
  });

  it('allows traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector', () => {
    const p = policy('x', 'allow-ns-y-pod-a-via-namespace-pod-selector', podIs('a'), { ingress: [{ from: [{ namespaceSelector: nsIs('y'), podSelector: podIs('a') }] }] });
    check(['x/a', 'x/b', 'y/a'], [p], 80, protocol, (r) => r.expectAllIngress('x/a', false).expect('y/a', 'x/a', true));
  });
});
