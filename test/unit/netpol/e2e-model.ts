// The upstream NetworkPolicy e2e model (kubernetes test/e2e/network/netpol): namespaces x, y, z
// labelled ns=<name>, pods labelled pod=<name>, one container per port and protocol whose
// container port is named serve-<port>-<protocol>. Plus a truth table to compare verdicts with.
import type {
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyEgressRule,
  NetworkPolicyIngressRule,
  Pod,
  Protocol,
} from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { podView } from '../../../src/netpol/views.js';
import type { PodView } from '../../../src/netpol/types.js';

export const NS_NAME = 'kubernetes.io/metadata.name';

export interface E2eCluster {
  namespaces: Namespace[];
  pods: Pod[];
  views: Map<string, PodView>;
  podStrings: string[];
}

export function e2eCluster(podStrings: string[], ports: number[], protocols: Protocol[]): E2eCluster {
  const namespaces = ['x', 'y', 'z'].map((name) => ({ metadata: { name, labels: { ns: name, [NS_NAME]: name } } }));
  const pods: Pod[] = podStrings.map((s, i) => {
    const [namespace, name] = s.split('/');
    return {
      metadata: { namespace, name, labels: { pod: name } },
      spec: {
        containers: ports.flatMap((port) =>
          protocols.map((protocol) => ({
            name: `cont-${port}-${protocol.toLowerCase()}`,
            ports: [{ containerPort: port, name: `serve-${port}-${protocol.toLowerCase()}`, protocol }],
          })),
        ),
      },
      status: { phase: 'Running', podIP: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}` },
    };
  });
  const views = new Map(pods.map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, podView(p)]));
  return { namespaces, pods, views, podStrings };
}

/** GenNetworkPolicy with SetSpecIngressRules/SetSpecEgressRules: each setter also adds its policyType. */
export function policy(
  namespace: string,
  name: string,
  podSelector: LabelSelector,
  opts: { ingress?: NetworkPolicyIngressRule[]; egress?: NetworkPolicyEgressRule[] },
): NetworkPolicy {
  const policyTypes: ('Ingress' | 'Egress')[] = [];
  if (opts.ingress) policyTypes.push('Ingress');
  if (opts.egress) policyTypes.push('Egress');
  return {
    metadata: { namespace, name },
    spec: { podSelector, policyTypes, ...(opts.ingress ? { ingress: opts.ingress } : {}), ...(opts.egress ? { egress: opts.egress } : {}) },
  };
}

interface PeerPattern {
  ns?: string;
  pod?: string;
}

/** The expected truth table: every pair starts at `initial`, then expectations overwrite cells in order. */
export class Reachability {
  private readonly cells = new Map<string, boolean>();
  constructor(private readonly pods: string[], initial: boolean) {
    for (const from of pods) for (const to of pods) this.cells.set(`${from}>${to}`, initial);
  }
  private matches(pod: string, pattern: PeerPattern): boolean {
    const [ns, name] = pod.split('/');
    return (pattern.ns === undefined || pattern.ns === ns) && (pattern.pod === undefined || pattern.pod === name);
  }
  expect(from: string, to: string, allowed: boolean): this {
    this.cells.set(`${from}>${to}`, allowed);
    return this;
  }
  expectPeer(from: PeerPattern, to: PeerPattern, allowed: boolean): this {
    for (const f of this.pods) for (const t of this.pods) if (this.matches(f, from) && this.matches(t, to)) this.expect(f, t, allowed);
    return this;
  }
  expectAllIngress(to: string, allowed: boolean): this {
    for (const f of this.pods) this.expect(f, to, allowed);
    return this;
  }
  expectAllEgress(from: string, allowed: boolean): this {
    for (const t of this.pods) this.expect(from, t, allowed);
    return this;
  }
  get(from: string, to: string): boolean {
    return this.cells.get(`${from}>${to}`)!;
  }
}

/**
 * Cells where the engine disagrees with the truth table, loopback excluded as upstream does
 * (ignoreLoopback: CNIs differ on pod-to-self traffic).
 */
export function mismatches(cluster: E2eCluster, policies: NetworkPolicy[], port: number, protocol: Protocol, expected: Reachability): string[] {
  const engine = new PolicyEngine({ namespaces: cluster.namespaces, networkPolicies: policies });
  const wrong: string[] = [];
  for (const from of cluster.podStrings) {
    for (const to of cluster.podStrings) {
      if (from === to) continue;
      const got = engine.allows({ kind: 'pod', pod: cluster.views.get(from)! }, { kind: 'pod', pod: cluster.views.get(to)! }, { port, protocol });
      if (got !== expected.get(from, to)) wrong.push(`${from} -> ${to} ${protocol}/${port}: expected ${expected.get(from, to) ? 'allowed' : 'denied'}`);
    }
  }
  return wrong;
}
