// The checks the API server applies to a NetworkPolicy, so manifests that could never be applied are
// reported instead of silently evaluated. Manifests are untyped: every field's shape is checked here
// (a map where a list belongs, a number where a rule belongs) before anything reads it, so a malformed
// policy is refused instead of being read as something wider than it says.
import type { NetworkPolicy } from '../model/k8s.js';
import { selectorProblem } from '../model/selectors.js';
import { forbidden, invalid, notSupported, portNameErrors, portNumberErrors, required } from '../model/validation.js';
import { cidrContains, parseCidr } from './cidr.js';

const PROTOCOLS = ['TCP', 'UDP', 'SCTP'];

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
    // ValidateNetworkPolicyPort, in the server's order
    if (p.protocol !== undefined && p.protocol !== null && !PROTOCOLS.includes(p.protocol as string)) out.push(notSupported(`${at}.protocol`, p.protocol, PROTOCOLS));
    const endPort = p.endPort ?? undefined;
    if (endPort !== undefined && typeof endPort !== 'number') {
      out.push(`${at}.endPort: expected a number, found ${shapeOf(endPort)}`);
      return;
    }
    if (typeof p.port === 'number') {
      for (const msg of portNumberErrors(p.port)) out.push(invalid(`${at}.port`, p.port, msg));
      if (endPort !== undefined) {
        if (endPort < p.port) out.push(invalid(`${at}.endPort`, p.port, 'must be greater than or equal to `port`'));
        for (const msg of portNumberErrors(endPort)) out.push(invalid(`${at}.endPort`, endPort, msg));
      }
    } else if (typeof p.port === 'string') {
      // a quoted "80" is a port name to the server, and a name needs a letter
      if (endPort !== undefined) out.push(invalid(`${at}.endPort`, endPort, 'may not be specified when `port` is non-numeric'));
      for (const msg of portNameErrors(p.port)) out.push(invalid(`${at}.port`, p.port, msg));
    } else if (p.port !== undefined && p.port !== null) {
      out.push(`${at}.port: expected a number or a port name, found ${shapeOf(p.port)}`);
    } else if (endPort !== undefined) {
      out.push(invalid(`${at}.endPort`, endPort, 'may not be specified when `port` is not specified'));
    }
  });
  return out;
}

const CIDR_DETAIL = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function peerProblems(value: unknown, path: string): string[] {
  const out: string[] = [];
  const peers = listOfMaps(value, path, 'a peer', out);
  peers.forEach((peer, i) => {
    const at = `${path}[${i}]`;
    // ValidateNetworkPolicyPeer: each part, then how many were given
    const present = (['podSelector', 'namespaceSelector', 'ipBlock'] as const).filter((k) => peer[k] !== undefined && peer[k] !== null);
    for (const key of ['podSelector', 'namespaceSelector'] as const) {
      const problem = selectorProblem(peer[key] as never, `${at}.${key}`);
      if (problem) out.push(problem);
    }
    if (peer.ipBlock !== undefined && peer.ipBlock !== null) out.push(...ipBlockProblems(peer.ipBlock, `${at}.ipBlock`));
    if (present.length === 0) out.push(required(at, 'must specify a peer'));
    else if (present.includes('ipBlock') && present.length > 1) out.push(forbidden(at, 'may not specify both ipBlock and another peer'));
  });
  return out;
}

function ipBlockProblems(block: unknown, at: string): string[] {
  if (!isMap(block)) return [`${at}: expected a map {cidr, except}, found ${shapeOf(block)}`];
  if (block.cidr === undefined || block.cidr === null || block.cidr === '') return [required(`${at}.cidr`, '')];
  if (typeof block.cidr !== 'string') return [`${at}.cidr: expected a string, found ${shapeOf(block.cidr)}`];
  const cidr = parseCidr(block.cidr);
  if (!cidr) return [invalid(`${at}.cidr`, block.cidr, CIDR_DETAIL)];
  if (block.except !== undefined && block.except !== null && !Array.isArray(block.except)) return [`${at}.except: expected a list of CIDRs, found ${shapeOf(block.except)}`];
  const out: string[] = [];
  ((block.except ?? []) as unknown[]).forEach((e, j) => {
    if (typeof e !== 'string') {
      out.push(`${at}.except[${j}]: expected a string, found ${shapeOf(e)}`);
      return;
    }
    const ex = parseCidr(e);
    if (!ex) out.push(invalid(`${at}.except[${j}]`, e, CIDR_DETAIL));
    else if (ex.family !== cidr.family || ex.prefix <= cidr.prefix || !cidrContains(cidr, { family: ex.family, value: ex.network })) {
      out.push(invalid(`${at}.except[${j}]`, e, 'must be a strict subset of `cidr`'));
    }
  });
  return out;
}

/** Why the API server would reject this policy; empty when it is valid. */
export function policyProblems(policy: NetworkPolicy): string[] {
  const spec = policy.spec as unknown;
  if (!isMap(spec)) return [spec === undefined || spec === null ? 'spec: missing' : `spec: expected a map, found ${shapeOf(spec)}`];
  const out: string[] = [];
  const sel = selectorProblem(spec.podSelector as never, 'spec.podSelector');
  if (sel) out.push(sel);
  const types = spec.policyTypes;
  if (types !== undefined && types !== null && !Array.isArray(types)) out.push(`spec.policyTypes: expected a list (e.g. [Ingress, Egress]), found ${shapeOf(types)}`);
  else if (Array.isArray(types) && types.length > 2) out.push(invalid('spec.policyTypes', types, 'may not specify more than two policyTypes'));
  else ((types ?? []) as unknown[]).forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') out.push(notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
  for (const [key, peersKey] of [['ingress', 'from'], ['egress', 'to']] as const) {
    const rules = listOfMaps(spec[key], `spec.${key}`, 'a rule', out);
    rules.forEach((rule, i) => {
      out.push(...peerProblems(rule[peersKey], `spec.${key}[${i}].${peersKey}`), ...portProblems(rule.ports, `spec.${key}[${i}].ports`));
    });
  }
  return out;
}
