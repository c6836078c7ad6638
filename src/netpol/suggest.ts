// `can-reach --suggest`: the smallest NetworkPolicy change that allows exactly a denied connection —
// one policy per denied side, selecting the pods of that end by their labels and admitting only the
// other end on only the asked port. The sides are already isolated (that is why they deny), so adding
// an allow rule there isolates nothing new. Pure.
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../model/k8s.js';
import type { Labels } from '../model/selectors.js';
import type { CanReachResult } from './can-reach.js';
import { NAMESPACE_NAME_LABEL } from './describe.js';
import type { ResolvedEndpoint } from './endpoints.js';
import { podName, type PodView } from './types.js';

/** Labels that differ per rollout or per replica: selecting on them would miss the next pods. */
const VOLATILE = new Set(['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'pod-template-generation', 'batch.kubernetes.io/controller-uid', 'controller-uid', 'batch.kubernetes.io/job-name', 'job-name']);

function stableLabels(labels: Labels): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !VOLATILE.has(k)));
}

function peerOf(pod: PodView | undefined, ip: string | undefined): NetworkPolicyPeer {
  if (!pod) return { ipBlock: { cidr: ip!.includes(':') ? `${ip}/128` : `${ip}/32` } };
  return { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: pod.namespace } }, podSelector: { matchLabels: stableLabels(pod.labels) } };
}

function nameFor(parts: string[]): string {
  const text = parts
    .join('-')
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .replace(/^-|-$/g, '');
  return text.length <= 63 ? text : text.slice(0, 63).replace(/-$/, '');
}

function shortName(pod: PodView | undefined, ip: string | undefined): string {
  if (!pod) return ip!.replace(/[.:]/g, '-');
  return pod.template ? pod.template.name : pod.labels.app ?? pod.name;
}

export interface Suggestion {
  policies: NetworkPolicy[];
  notes: string[];
}

/**
 * For each denied connection of a can-reach result: an egress policy in the source's namespace and/or an
 * ingress policy in the destination's, whichever side denied it. Empty when nothing was denied.
 */
export function suggestPolicies(result: CanReachResult, source: ResolvedEndpoint, destination: ResolvedEndpoint, options: { tiered?: boolean } = {}): Suggestion {
  const byName = (e: ResolvedEndpoint) => new Map(e.pods.map((p) => [podName(p), p]));
  const sources = byName(source);
  const destinations = byName(destination);
  const policies = new Map<string, NetworkPolicy>();
  const notes: string[] = [];
  for (const c of result.connections) {
    if (c.allowed || c.cannotTell) continue;
    const src = sources.get(c.sources[0]);
    const dst = destinations.get(c.destinations[0]);
    const port: NetworkPolicyPort = { protocol: c.protocol, port: c.targetPort ?? c.port };
    if (!c.egress.allowed && src) {
      const name = nameFor(['allow', shortName(src, undefined), 'to', shortName(dst, destination.ip), String(port.port)]);
      policies.set(`egress/${src.namespace}/${name}`, {
        kind: 'NetworkPolicy',
        metadata: { name, namespace: src.namespace },
        spec: { podSelector: { matchLabels: stableLabels(src.labels) }, policyTypes: ['Egress'], egress: [{ to: [peerOf(dst, destination.ip)], ports: [port] }] },
      });
    }
    if (!c.ingress.allowed && dst) {
      const name = nameFor(['allow', shortName(src, source.ip), 'to', shortName(dst, undefined), String(port.port)]);
      policies.set(`ingress/${dst.namespace}/${name}`, {
        kind: 'NetworkPolicy',
        metadata: { name, namespace: dst.namespace },
        spec: { podSelector: { matchLabels: stableLabels(dst.labels) }, policyTypes: ['Ingress'], ingress: [{ from: [peerOf(src, source.ip)], ports: [port] }] },
      });
    }
  }
  if (options.tiered && policies.size > 0) {
    notes.push('AdminNetworkPolicy or other cluster-wide kinds take part: a Deny there overrides any NetworkPolicy, so check the suggestion with diff --with');
  }
  return { policies: [...policies.values()], notes };
}

/** The policies as `kubectl apply`-able YAML documents. */
export function suggestionManifests(policies: NetworkPolicy[]): unknown[] {
  return policies.map((p) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: p.metadata, spec: p.spec }));
}
