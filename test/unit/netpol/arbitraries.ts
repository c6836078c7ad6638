// fast-check generators for small clusters and policies over a tiny label vocabulary, so random
// selectors actually hit pods.
import fc from 'fast-check';
import type {
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  Protocol,
} from '../../../src/model/k8s.js';
import type { PodView, Traffic } from '../../../src/netpol/types.js';

export const NAMESPACES = ['a', 'b', 'c'];
const protocol = fc.constantFrom<Protocol>('TCP', 'UDP', 'SCTP');
const labelKey = fc.constantFrom('app', 'tier', 'team');
const labelValue = fc.constantFrom('x', 'y', 'z');

export const labels = fc.dictionary(labelKey, labelValue, { maxKeys: 3 });

export const selector: fc.Arbitrary<LabelSelector> = fc.record(
  {
    matchLabels: fc.dictionary(labelKey, labelValue, { maxKeys: 2 }),
    matchExpressions: fc.array(
      fc.oneof(
        fc.record({ key: labelKey, operator: fc.constantFrom<'In' | 'NotIn'>('In', 'NotIn'), values: fc.uniqueArray(labelValue, { minLength: 1, maxLength: 2 }) }),
        fc.record({ key: labelKey, operator: fc.constantFrom<'Exists' | 'DoesNotExist'>('Exists', 'DoesNotExist') }),
      ),
      { maxLength: 2 },
    ),
  },
  { requiredKeys: [] },
);

const cidr = fc.constantFrom('10.0.0.0/8', '10.0.1.0/24', '10.0.0.0/30', '0.0.0.0/0', '192.168.0.0/16');
const except = fc.constantFrom('10.0.0.2/32', '10.0.1.0/25', '10.0.0.0/16');

export const peer: fc.Arbitrary<NetworkPolicyPeer> = fc.oneof(
  fc.record({ podSelector: selector }),
  fc.record({ namespaceSelector: selector }),
  fc.record({ podSelector: selector, namespaceSelector: selector }),
  fc.record({ ipBlock: fc.record({ cidr, except: fc.array(except, { maxLength: 2 }) }, { requiredKeys: ['cidr'] }) }),
);

const portNumber = fc.constantFrom(53, 80, 443, 8080);
export const policyPort: fc.Arbitrary<NetworkPolicyPort> = fc.oneof(
  fc.record({ protocol, port: portNumber }, { requiredKeys: ['port'] }),
  fc.record({ protocol, port: fc.constantFrom('http', 'dns', 'metrics') }, { requiredKeys: ['port'] }),
  fc.record({ protocol }, { requiredKeys: [] }),
  portNumber.chain((start) => fc.record({ port: fc.constant(start), endPort: fc.integer({ min: start, max: 9000 }), protocol }, { requiredKeys: ['port', 'endPort'] })),
);

const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
export const ingressRule = fc.record({ from: maybe(fc.array(peer, { maxLength: 2 })), ports: maybe(fc.array(policyPort, { maxLength: 2 })) }, { requiredKeys: [] });
export const egressRule = fc.record({ to: maybe(fc.array(peer, { maxLength: 2 })), ports: maybe(fc.array(policyPort, { maxLength: 2 })) }, { requiredKeys: [] });

let serial = 0;
export const policy: fc.Arbitrary<NetworkPolicy> = fc
  .record({
    namespace: fc.constantFrom(...NAMESPACES),
    podSelector: selector,
    policyTypes: maybe(fc.subarray<'Ingress' | 'Egress'>(['Ingress', 'Egress'])),
    ingress: maybe(fc.array(ingressRule, { maxLength: 2 })),
    egress: maybe(fc.array(egressRule, { maxLength: 2 })),
  })
  .map(({ namespace, podSelector, policyTypes, ingress, egress }) => ({
    metadata: { namespace, name: `p${serial++}` },
    spec: { podSelector, ...(policyTypes ? { policyTypes } : {}), ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) },
  }));

export const namespaces: fc.Arbitrary<Namespace[]> = fc
  .tuple(...NAMESPACES.map(() => labels))
  .map((ls) => NAMESPACES.map((name, i) => ({ metadata: { name, labels: ls[i] } })));

const containerPorts = fc.subarray([
  { name: 'http', containerPort: 80, protocol: 'TCP' as Protocol },
  { name: 'http', containerPort: 8080, protocol: 'TCP' as Protocol },
  { name: 'dns', containerPort: 53, protocol: 'UDP' as Protocol },
  { name: 'metrics', containerPort: 443, protocol: 'SCTP' as Protocol },
]).map((ports) => ports.filter((p, i) => ports.findIndex((q) => q.name === p.name) === i));

export const pods: fc.Arbitrary<PodView[]> = fc
  .array(
    fc.record({
      namespace: fc.constantFrom(...NAMESPACES),
      labels,
      ips: fc.oneof(fc.constant([] as string[]), fc.constantFrom('10.0.0.1', '10.0.0.2', '10.0.1.7', '192.168.3.4').map((ip) => [ip])),
      ports: containerPorts,
      hostNetwork: fc.constant(false),
    }),
    { minLength: 1, maxLength: 6 },
  )
  .map((list) => list.map((p, i) => ({ ...p, name: `pod${i}` })));

export const traffic: fc.Arbitrary<Traffic> = fc.record({ port: fc.constantFrom(53, 80, 443, 8080, 8500), protocol });
export const externals = fc.uniqueArray(fc.constantFrom('10.0.0.2', '8.8.8.8', '169.254.169.254', '192.168.1.1'), { maxLength: 2 });
