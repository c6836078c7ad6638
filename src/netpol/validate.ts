// The checks the API server applies to a NetworkPolicy, so manifests that could never be applied are
// reported instead of silently evaluated. Manifests are untyped: every field's shape is checked here
// (a map where a list belongs, a number where a rule belongs) before anything reads it, so a malformed
// policy is refused instead of being read as something wider than it says.
import type { NetworkPolicy } from '../model/k8s.js';
import { selectorProblem } from '../model/selectors.js';
import { cidrContains, parseCidr } from './cidr.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$/;

type Map = Record<string, unknown>;

function isMap(x: unknown): x is Map {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** What a value is, for "expected a list, found a map". */
export function shapeOf(x: unknown): string {
  if (x === null) return 'null';
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a map';
  if (typeof x === 'string') return `a string (${JSON.stringify(x)})`;
  if (typeof x === 'number') return `a number (${x})`;
  return `a ${typeof x} (${String(x)})`;
}

/** A list of maps (null/absent allowed): its elements, or the one problem with its shape. */
function listOfMaps(value: unknown, path: string, element: string, out: string[]): Map[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    out.push(`${path}: expected a list, found ${shapeOf(value)}`);
    return [];
  }
  const maps: Map[] = [];
  let wrong = false;
  value.forEach((x, i) => {
    if (isMap(x)) maps.push(x);
    else {
      wrong = true;
      out.push(`${path}[${i}]: expected ${element} (a map), found ${shapeOf(x)}`);
    }
  });
  return wrong ? [] : maps;
}

function portProblems(value: unknown, path: string): string[] {
  const out: string[] = [];
  const ports = listOfMaps(value, path, 'a port', out);
  ports.forEach((p, i) => {
    const at = `${path}[${i}]`;
    if (p.protocol !== undefined && p.protocol !== null && !PROTOCOLS.includes(p.protocol as string)) out.push(`${at}.protocol: ${JSON.stringify(p.protocol)} is not TCP, UDP or SCTP`);
    if (typeof p.port === 'number') {
      if (!Number.isInteger(p.port) || p.port < 1 || p.port > 65535) out.push(`${at}.port: ${p.port} is not a port number (1-65535)`);
    } else if (typeof p.port === 'string') {
      if (!PORT_NAME.test(p.port)) out.push(`${at}.port: ${JSON.stringify(p.port)} is not a port name (lowercase letters, digits, dashes, at most 15)`);
    } else if (p.port !== undefined && p.port !== null) {
      out.push(`${at}.port: expected a number or a port name, found ${shapeOf(p.port)}`);
    }
    if (p.endPort !== undefined && p.endPort !== null) {
      if (typeof p.endPort !== 'number') out.push(`${at}.endPort: expected a number, found ${shapeOf(p.endPort)}`);
      else if (typeof p.port !== 'number') out.push(`${at}.endPort: needs a numeric port to start the range`);
      else if (!Number.isInteger(p.endPort) || p.endPort < p.port || p.endPort > 65535) out.push(`${at}.endPort: ${p.endPort} must be between port ${p.port} and 65535`);
    }
  });
  return out;
}

function peerProblems(value: unknown, path: string): string[] {
  const out: string[] = [];
  const peers = listOfMaps(value, path, 'a peer', out);
  peers.forEach((peer, i) => {
    const at = `${path}[${i}]`;
    if (peer.ipBlock !== undefined && peer.ipBlock !== null) {
      const block = peer.ipBlock;
      if (!isMap(block)) {
        out.push(`${at}.ipBlock: expected a map {cidr, except}, found ${shapeOf(block)}`);
        return;
      }
      if (peer.podSelector || peer.namespaceSelector) out.push(`${at}: ipBlock cannot be combined with podSelector or namespaceSelector`);
      const cidr = typeof block.cidr === 'string' ? parseCidr(block.cidr) : undefined;
      if (!cidr) {
        out.push(`${at}.ipBlock.cidr: ${JSON.stringify(block.cidr)} is not a CIDR`);
        return;
      }
      if (block.except !== undefined && block.except !== null && !Array.isArray(block.except)) {
        out.push(`${at}.ipBlock.except: expected a list of CIDRs, found ${shapeOf(block.except)}`);
        return;
      }
      ((block.except ?? []) as unknown[]).forEach((e, j) => {
        const ex = typeof e === 'string' ? parseCidr(e) : undefined;
        if (!ex) out.push(`${at}.ipBlock.except[${j}]: ${JSON.stringify(e)} is not a CIDR`);
        else if (ex.family !== cidr.family || ex.prefix <= cidr.prefix || !cidrContains(cidr, { family: ex.family, value: ex.network })) {
          out.push(`${at}.ipBlock.except[${j}]: ${e as string} must be a strict subset of ${block.cidr as string}`);
        }
      });
      return;
    }
    if (!peer.podSelector && !peer.namespaceSelector) out.push(`${at}: a peer needs podSelector, namespaceSelector or ipBlock`);
    const pod = selectorProblem(peer.podSelector as never);
    if (pod) out.push(`${at}.podSelector: ${pod}`);
    const ns = selectorProblem(peer.namespaceSelector as never);
    if (ns) out.push(`${at}.namespaceSelector: ${ns}`);
  });
  return out;
}

/** Why the API server would reject this policy; empty when it is valid. */
export function policyProblems(policy: NetworkPolicy): string[] {
  const spec = policy.spec as unknown;
  if (!isMap(spec)) return [spec === undefined || spec === null ? 'spec: missing' : `spec: expected a map, found ${shapeOf(spec)}`];
  const out: string[] = [];
  const sel = selectorProblem(spec.podSelector as never);
  if (sel) out.push(`spec.podSelector: ${sel}`);
  const types = spec.policyTypes;
  if (types !== undefined && types !== null && !Array.isArray(types)) out.push(`spec.policyTypes: expected a list (e.g. [Ingress, Egress]), found ${shapeOf(types)}`);
  else for (const t of (types ?? []) as unknown[]) if (t !== 'Ingress' && t !== 'Egress') out.push(`spec.policyTypes: ${JSON.stringify(t)} is not Ingress or Egress`);
  for (const [key, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = listOfMaps(spec[key], `spec.${key}`, 'a rule', out);
    rules.forEach((rule, i) => {
      out.push(...peerProblems(rule[peersKey], `spec.${key}[${i}].${peersKey}`), ...portProblems(rule.ports, `spec.${key}[${i}].ports`));
    });
  }
  return out;
}
