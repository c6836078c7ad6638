// The checks the API server applies to a NetworkPolicy, so manifests that could never be applied are
// reported instead of silently evaluated.
import type { NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort } from '../model/k8s.js';
import { selectorProblem } from '../model/selectors.js';
import { cidrContains, parseCidr } from './cidr.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

function portProblems(ports: NetworkPolicyPort[] | undefined, path: string): string[] {
  if (ports === undefined || ports === null) return [];
  if (!Array.isArray(ports)) return [`${path}: must be a list`];
  const out: string[] = [];
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (p.protocol !== undefined && !PROTOCOLS.includes(p.protocol)) out.push(`${at}.protocol: ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
    if (typeof p.port === 'number') {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) out.push(`${at}.port: ${p.port} is not a port number (1-65535)`);
    } else if (typeof p.port === 'string') {
      if (!PORT_NAME.test(p.port)) out.push(`${at}.port: ${JSON.stringify(p.port)} is not a port name (lowercase letters, digits, dashes, at most 15)`);
    } else if (p.port !== undefined && p.port !== null) {
      out.push(`${at}.port: must be a number or a port name`);
    }
    if (p.endPort !== undefined && p.endPort !== null) {
      if (typeof p.port !== 'number') out.push(`${at}.endPort: needs a numeric port to start the range`);
      else if (!Number.isInteger(p.endPort) || p.endPort < p.port || p.endPort > 65535) out.push(`${at}.endPort: ${p.endPort} must be between port ${p.port} and 65535`);
    }
  });
  return out;
}

function peerProblems(peers: NetworkPolicyPeer[] | undefined, path: string): string[] {
  if (peers === undefined || peers === null) return [];
  if (!Array.isArray(peers)) return [`${path}: must be a list`];
  const out: string[] = [];
  peers.forEach((peer, i) => {
    const at = `${path}[${i}]`;
    if (peer.ipBlock) {
      if (peer.podSelector || peer.namespaceSelector) out.push(`${at}: ipBlock cannot be combined with podSelector or namespaceSelector`);
      const cidr = typeof peer.ipBlock.cidr === 'string' ? parseCidr(peer.ipBlock.cidr) : undefined;
      if (!cidr) {
        out.push(`${at}.ipBlock.cidr: ${JSON.stringify(peer.ipBlock.cidr)} is not a CIDR`);
        return;
      }
      (peer.ipBlock.except ?? []).forEach((e, j) => {
        const ex = typeof e === 'string' ? parseCidr(e) : undefined;
        if (!ex) out.push(`${at}.ipBlock.except[${j}]: ${JSON.stringify(e)} is not a CIDR`);
        else if (ex.family !== cidr.family || ex.prefix <= cidr.prefix || !cidrContains(cidr, { family: ex.family, value: ex.network })) {
          out.push(`${at}.ipBlock.except[${j}]: ${e} must be a strict subset of ${peer.ipBlock!.cidr}`);
        }
      });
      return;
    }
    if (!peer.podSelector && !peer.namespaceSelector) out.push(`${at}: a peer needs podSelector, namespaceSelector or ipBlock`);
    const pod = selectorProblem(peer.podSelector);
    if (pod) out.push(`${at}.podSelector: ${pod}`);
    const ns = selectorProblem(peer.namespaceSelector);
    if (ns) out.push(`${at}.namespaceSelector: ${ns}`);
  });
  return out;
}

/** Why the API server would reject this policy; empty when it is valid. */
export function policyProblems(policy: NetworkPolicy): string[] {
  const spec = policy.spec;
  if (!spec || typeof spec !== 'object') return ['spec: missing'];
  const out: string[] = [];
  const sel = selectorProblem(spec.podSelector);
  if (sel) out.push(`spec.podSelector: ${sel}`);
  for (const t of spec.policyTypes ?? []) if (t !== 'Ingress' && t !== 'Egress') out.push(`spec.policyTypes: ${JSON.stringify(t)} is not Ingress or Egress`);
  for (const [key, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = spec[key];
    if (rules === undefined || rules === null) continue;
    if (!Array.isArray(rules)) {
      out.push(`spec.${key}: must be a list of rules`);
      continue;
    }
    rules.forEach((rule, i) => {
      const r = (rule ?? {}) as { from?: NetworkPolicyPeer[]; to?: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] };
      out.push(...peerProblems(r[peersKey], `spec.${key}[${i}].${peersKey}`), ...portProblems(r.ports, `spec.${key}[${i}].ports`));
    });
  }
  return out;
}
