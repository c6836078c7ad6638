// The matrix over every policy kind (NetworkPolicy, Cilium, Calico, ANP/BANP) against the straightforward
// evaluation: random mixed snapshots, every cell of the class-shared, compiled matrix equal to
// engine.evaluate on that pair of pods (fast-check). Replicas carry labels no policy reads, so classes
// keyed by the labels the policies read must still give every pod its own verdicts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { NetworkPolicy, PolicyObject, UnreadableList } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { CANNOT_TELL, computeMatrix, NOT_APPLICABLE, resolveQuery, type PortQuery } from '../../../src/netpol/matrix.js';
import type { Peer, PodView } from '../../../src/netpol/types.js';
import * as arb from './arbitraries.js';

const value = fc.constantFrom('x', 'y', 'z');
const key = fc.constantFrom('app', 'tier', 'team');
const cidr = fc.constantFrom('10.0.0.0/8', '10.0.1.0/24', '0.0.0.0/0', '192.168.0.0/16', '8.8.8.8/32', 'fd00::/64');
const port = fc.constantFrom(53, 80, 443, 8080);
const portName = fc.constantFrom('http', 'dns', 'metrics');
const protocol = fc.constantFrom('TCP', 'UDP');

/** Cilium selectors: pod labels, with or without the k8s: prefix, the namespace and its labels */
const ciliumSelector = fc.oneof(
  arb.selector,
  fc.record({ matchLabels: fc.record({ 'k8s:app': value }) }),
  fc.record({ matchLabels: fc.record({ 'k8s:io.kubernetes.pod.namespace': fc.constantFrom(...arb.NAMESPACES) }) }),
  fc.record({ matchLabels: fc.record({ 'io.cilium.k8s.namespace.labels.team': value }) }),
  fc.record({ matchLabels: fc.record({ 'io.cilium.k8s.policy.serviceaccount': fc.constantFrom('default', 'robot') }) }),
);
const ciliumPorts = fc.array(fc.record({ ports: fc.array(fc.oneof(fc.record({ port: port.map(String), protocol }), fc.record({ port: portName })), { minLength: 1, maxLength: 2 }) }), { maxLength: 1 });
const ciliumRule = (from: 'from' | 'to', deny: boolean) =>
  fc.oneof(
    fc.record({ [`${from}Endpoints`]: fc.array(ciliumSelector, { minLength: 1, maxLength: 2 }), toPorts: ciliumPorts }, { requiredKeys: [`${from}Endpoints`] }),
    fc.record({ [`${from}Entities`]: fc.array(fc.constantFrom('cluster', 'world', 'all', 'host'), { minLength: 1, maxLength: 2 }) }),
    fc.record({ [`${from}CIDRSet`]: fc.array(fc.record({ cidr, except: fc.constantFrom([], ['10.0.1.0/24']) }), { minLength: 1, maxLength: 1 }), toPorts: ciliumPorts }, { requiredKeys: [`${from}CIDRSet`] }),
    fc.record({ toPorts: ciliumPorts }),
    ...(from === 'to' && !deny ? [fc.record({ toFQDNs: fc.constant([{ matchName: 'api.example.com' }]) })] : []),
    ...(deny ? [] : [fc.record({ [`${from}Endpoints`]: fc.constant([{}]), toPorts: fc.constant([{ ports: [{ port: '80', protocol: 'TCP' }], rules: { http: [{ method: 'GET' }] } }]) })]),
  );
const cilium: fc.Arbitrary<PolicyObject> = fc
  .record(
    {
      namespace: fc.option(fc.constantFrom(...arb.NAMESPACES), { nil: undefined }),
      endpointSelector: ciliumSelector,
      ingress: fc.array(ciliumRule('from', false), { maxLength: 2 }),
      egress: fc.array(ciliumRule('to', false), { maxLength: 2 }),
      ingressDeny: fc.array(ciliumRule('from', true), { maxLength: 1 }),
      egressDeny: fc.array(ciliumRule('to', true), { maxLength: 1 }),
      enableDefaultDeny: fc.record({ ingress: fc.boolean(), egress: fc.boolean() }),
    },
    { requiredKeys: ['endpointSelector'] },
  )
  .map(({ namespace, ...spec }, ) => ({
    apiVersion: 'cilium.io/v2',
    kind: namespace ? 'CiliumNetworkPolicy' : 'CiliumClusterwideNetworkPolicy',
    metadata: { name: `cnp-${serial++}`, ...(namespace ? { namespace } : {}) },
    spec,
  }));

/** Calico selector expressions over the same labels, the namespace's labels (pcns.) and the service account */
const calicoSelector = fc.oneof(
  fc.constant('all()'),
  fc.tuple(key, value).map(([k, v]) => `${k} == '${v}'`),
  fc.tuple(key, value).map(([k, v]) => `${k} != '${v}'`),
  key.map((k) => `has(${k})`),
  key.map((k) => `!has(${k})`),
  fc.tuple(key, value, value).map(([k, a, b]) => `${k} in {'${a}', '${b}'}`),
  fc.tuple(key, value, key).map(([k, v, h]) => `${k} == '${v}' || has(${h})`),
  value.map((v) => `pcns.team == '${v}'`),
  fc.constantFrom("projectcalico.org/serviceaccount == 'robot'", "projectcalico.org/namespace == 'a'"),
);
const calicoEntity = fc.record(
  {
    selector: calicoSelector,
    notSelector: calicoSelector,
    namespaceSelector: fc.oneof(fc.constant('all()'), value.map((v) => `team == '${v}'`)),
    nets: fc.array(cidr, { minLength: 1, maxLength: 2 }),
    notNets: fc.array(cidr, { minLength: 1, maxLength: 1 }),
  },
  { requiredKeys: [] },
);
const calicoRule = fc
  .record({ action: fc.constantFrom('Allow', 'Deny', 'Pass', 'Log'), protocol: fc.option(protocol, { nil: undefined }), source: calicoEntity, destination: calicoEntity, ports: fc.option(fc.array(fc.oneof(port, portName, fc.constant('8000:9000')), { minLength: 1, maxLength: 2 }), { nil: undefined }) })
  .map(({ ports, protocol, destination, ...rule }) => ({ ...rule, ...(protocol ? { protocol } : {}), destination: { ...destination, ...(ports && protocol ? { ports } : {}) } }));
const calico: fc.Arbitrary<PolicyObject> = fc
  .record({
    namespace: fc.option(fc.constantFrom(...arb.NAMESPACES), { nil: undefined }),
    tier: fc.constantFrom(undefined, 'default', 'security'),
    order: fc.constantFrom(undefined, 100, 1000, 1500),
    selector: calicoSelector,
    types: fc.option(fc.subarray(['Ingress', 'Egress']), { nil: undefined }),
    ingress: fc.array(calicoRule, { maxLength: 2 }),
    egress: fc.array(calicoRule, { maxLength: 2 }),
  })
  .map(({ namespace, tier, order, types, ...spec }) => ({
    apiVersion: 'projectcalico.org/v3',
    kind: namespace ? 'NetworkPolicy' : 'GlobalNetworkPolicy',
    metadata: { name: `${tier === 'security' ? 'security.' : ''}calico-${serial++}`, ...(namespace ? { namespace } : {}) },
    spec: { ...spec, ...(tier ? { tier } : {}), ...(order !== undefined ? { order } : {}), ...(types ? { types } : {}) },
  }));

const adminPeer = fc.oneof(
  fc.record({ namespaces: arb.selector }),
  fc.record({ pods: fc.record({ namespaceSelector: arb.selector, podSelector: arb.selector }) }),
);
const adminRule = (baseline: boolean, direction: 'ingress' | 'egress') =>
  fc.record(
    {
      action: fc.constantFrom(...(baseline ? ['Allow', 'Deny'] : ['Allow', 'Deny', 'Pass'])),
      [direction === 'ingress' ? 'from' : 'to']: fc.array(direction === 'egress' ? fc.oneof(adminPeer, fc.record({ networks: fc.array(cidr, { minLength: 1, maxLength: 2 }) })) : adminPeer, { minLength: 1, maxLength: 2 }),
      ports: fc.array(fc.oneof(fc.record({ portNumber: fc.record({ port, protocol }) }), fc.record({ namedPort: portName }), fc.record({ portRange: fc.record({ start: fc.constant(50), end: fc.constant(500), protocol }) })), { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['action', direction === 'ingress' ? 'from' : 'to'] },
  );
const admin = (baseline: boolean): fc.Arbitrary<PolicyObject> =>
  fc
    .record({
      priority: fc.integer({ min: 0, max: 30 }),
      subject: adminPeer,
      ingress: fc.array(adminRule(baseline, 'ingress'), { maxLength: 2 }),
      egress: fc.array(adminRule(baseline, 'egress'), { maxLength: 2 }),
    })
    .map(({ priority, ...spec }) => ({
      apiVersion: 'policy.networking.k8s.io/v1alpha1',
      kind: baseline ? 'BaselineAdminNetworkPolicy' : 'AdminNetworkPolicy',
      metadata: { name: baseline ? 'default' : `anp-${serial++}` },
      spec: { ...spec, ...(baseline ? {} : { priority }) },
    }));

let serial = 0;

const world = fc.record({
  ns: arb.namespaces,
  policies: fc.array(arb.policy, { maxLength: 4 }),
  objects: fc.tuple(fc.array(cilium, { maxLength: 3 }), fc.array(calico, { maxLength: 3 }), fc.array(admin(false), { maxLength: 2 }), fc.array(admin(true), { maxLength: 1 })).map((lists) => lists.flat()),
  pods: arb.pods,
  /** per pod: service account, host network, a second (IPv6) address */
  extras: fc.array(fc.record({ robot: fc.boolean(), host: fc.integer({ min: 0, max: 7 }), v6: fc.integer({ min: 0, max: 3 }) }), { minLength: 6, maxLength: 6 }),
  externals: arb.externals,
  copies: fc.nat({ max: 2 }),
  unreadableNamespaces: fc.integer({ min: 0, max: 5 }),
  unknownKind: fc.integer({ min: 0, max: 5 }),
});

const queries = fc.array(
  fc.oneof(
    arb.traffic.map((t): PortQuery => ({ port: t.port, protocol: t.protocol })),
    fc.constantFrom<PortQuery>({ port: 'http' }, { port: 'dns', protocol: 'UDP' }),
  ),
  { minLength: 1, maxLength: 2 },
);

describe('the matrix over every policy kind', () => {
  it('equals the straightforward evaluation of each pair, replicas with unread labels included', () => {
    fc.assert(
      fc.property(world, queries, (w, qs) => {
        const ipPool = ['10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.3.4'];
        const pods: PodView[] = w.pods.flatMap((p, pi) => {
          const x = w.extras[pi];
          return Array.from({ length: w.copies + 1 }, (_, i) => ({
            ...p,
            name: `${p.name}-${i}`,
            // labels no policy here reads, unique to each replica
            labels: { ...p.labels, 'pod-template-hash': `h${pi}-${i}`, 'statefulset.kubernetes.io/pod-name': `${p.name}-${i}` },
            ips: [...(i === 0 ? p.ips : [ipPool[(pi + i) % ipPool.length]]), ...(x.v6 === 0 ? ['fd00::5'] : [])],
            hostNetwork: x.host === 0,
            serviceAccount: x.robot ? 'robot' : 'default',
          }));
        });
        const unreadable: UnreadableList[] = w.unreadableNamespaces === 0 ? [{ resource: 'namespaces', reason: 'forbidden' } as UnreadableList] : [];
        const objects: PolicyObject[] = [...w.objects, ...(w.unknownKind === 0 ? [{ apiVersion: 'crd.antrea.io/v1beta1', kind: 'NetworkPolicy', metadata: { namespace: 'b', name: 'antrea' }, spec: {} }] : [])];
        const input = { namespaces: w.ns, networkPolicies: w.policies as NetworkPolicy[], policyObjects: objects, unreadable };
        const m = computeMatrix(new PolicyEngine(input), { pods, externals: w.externals, queries: qs });
        const reference = new PolicyEngine(input);
        const peers: Peer[] = [...pods.map((pod): Peer => ({ kind: 'pod', pod })), ...w.externals.map((ip): Peer => ({ kind: 'ip', ip }))];
        const n = peers.length;
        qs.forEach((q, qi) => {
          peers.forEach((s, i) =>
            peers.forEach((d, j) => {
              const t = resolveQuery(q, d);
              let expected = NOT_APPLICABLE;
              if (t && !(s.kind === 'ip' && d.kind === 'ip')) {
                const v = reference.evaluate(s, d, t);
                expected = v.cannotTell ? CANNOT_TELL : v.allowed ? 1 : 0;
              }
              expect(m.cells[qi][i * n + j], `${q.port}: ${i} → ${j}`).toBe(expected);
            }),
          );
        });
      }),
      { numRuns: 300 },
    );
  });
});
