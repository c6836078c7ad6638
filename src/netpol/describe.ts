// Plain-English renderings of NetworkPolicy parts, one line each, for traces and `explain`.
import type {
  LabelSelector,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
} from '../model/k8s.js';
import { formatSelector, isEmptySelector } from '../model/selectors.js';
import { comparePorts, type Direction, type RuleRef } from './types.js';

export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** "namespace shop", "namespaces a, b", "any namespace", "namespaces with team=x". */
export function describeNamespaceSelector(selector: LabelSelector): string {
  if (isEmptySelector(selector)) return 'any namespace';
  const labels = Object.entries(selector.matchLabels ?? {});
  const exprs = selector.matchExpressions ?? [];
  if (labels.length === 1 && exprs.length === 0 && labels[0][0] === NAMESPACE_NAME_LABEL) return `namespace ${labels[0][1]}`;
  if (labels.length === 0 && exprs.length === 1 && exprs[0].key === NAMESPACE_NAME_LABEL) {
    const values = exprs[0].values ?? [];
    if (exprs[0].operator === 'In') return values.length === 1 ? `namespace ${values[0]}` : `namespaces ${values.join(', ')}`;
    if (exprs[0].operator === 'NotIn') return `any namespace except ${values.join(', ')}`;
  }
  return `namespaces with ${formatSelector(selector)}`;
}

/**
 * Why a namespace is not selected, in words that fit the selector: "namespace a is not namespace b",
 * "is not one of namespaces b, c", "is excluded (any namespace except a)", "does not have team=shop".
 */
export function namespaceMismatch(namespace: string, selector: LabelSelector): string {
  const described = describeNamespaceSelector(selector);
  if (described.startsWith('namespace ')) return `namespace ${namespace} is not ${described}`;
  if (described.startsWith('any namespace except ')) return `namespace ${namespace} is excluded (${described})`;
  if (described.startsWith('namespaces with ')) return `namespace ${namespace} does not have ${formatSelector(selector)}`;
  return `namespace ${namespace} is not one of ${described}`;
}

function describePods(selector: LabelSelector): string {
  return isEmptySelector(selector) ? 'any pod' : `pods with ${formatSelector(selector)}`;
}

/** One peer of a rule, e.g. "pods with app=web in namespace shop" or "IPs in 10.0.0.0/8 except 10.1.0.0/16". */
export function describePeer(peer: NetworkPolicyPeer, policyNamespace: string): string {
  if (peer.ipBlock) {
    const except = peer.ipBlock.except?.length ? ` except ${peer.ipBlock.except.join(', ')}` : '';
    return `IPs in ${peer.ipBlock.cidr}${except}`;
  }
  if (peer.namespaceSelector) {
    return `${describePods(peer.podSelector ?? {})} in ${describeNamespaceSelector(peer.namespaceSelector)}`;
  }
  if (peer.podSelector) return `${describePods(peer.podSelector)} in namespace ${policyNamespace}`;
  return 'nothing (a peer without podSelector, namespaceSelector or ipBlock is invalid)';
}

function describeOnePort(port: NetworkPolicyPort): string {
  const protocol = port.protocol ?? 'TCP';
  if (port.port === undefined || port.port === null) return `any ${protocol} port`;
  if (typeof port.port === 'string') return `${protocol} port named ${port.port}`;
  if (port.endPort !== undefined && port.endPort !== null) return `${protocol} ${port.port}-${port.endPort}`;
  return `${protocol} ${port.port}`;
}

/** "on any port", "on TCP 80, UDP 53", "on TCP 8000-9000", "on TCP port named http". */
export function describePorts(ports: NetworkPolicyPort[] | undefined): string {
  if (!ports || ports.length === 0) return 'on any port';
  return `on ${[...ports].sort(comparePorts).map(describeOnePort).join(', ')}`;
}

/** A rule in one line: "from pods with app=web in namespace shop on TCP 8080". */
export function describeRule(
  direction: Direction,
  rule: { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] },
  policyNamespace: string,
): string {
  const peers = direction === 'ingress' ? rule.from : rule.to;
  const word = direction === 'ingress' ? 'from' : 'to';
  const who =
    !peers || peers.length === 0
      ? 'anywhere (any pod, any namespace, any IP)'
      : peers.map((p) => describePeer(p, policyNamespace)).join(', or ');
  return `${word} ${who} ${describePorts(rule.ports)}`;
}

/** Which pods a policy applies to: "pods with app=api in namespace shop" / "every pod in namespace shop". */
export function describeSubject(policy: NetworkPolicy): string {
  const ns = policy.metadata.namespace ?? 'default';
  const sel = policy.spec.podSelector ?? {};
  return isEmptySelector(sel) ? `every pod in namespace ${ns}` : `pods with ${formatSelector(sel)} in namespace ${ns}`;
}

/** "AdminNetworkPolicy deny-imds (tier admin, priority 10) rule #0 \"no-imds\" Deny: Deny to IPs in …" */
export function ruleRefText(ref: RuleRef): string {
  const word = ref.tier === 'admin' || ref.tier === 'baseline' ? 'priority' : 'order';
  const where = [`tier ${ref.tier}`, ...(ref.priority !== undefined ? [`${word} ${ref.priority}`] : [])].join(', ');
  if (ref.rule < 0) return `${ref.policy} (${where}): ${ref.text}`;
  return `${ref.policy} (${where}) rule #${ref.rule}${ref.ruleName ? ` "${ref.ruleName}"` : ''} ${ref.action}: ${ref.text}`;
}
