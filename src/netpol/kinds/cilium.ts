// CiliumNetworkPolicy and CiliumClusterwideNetworkPolicy (cilium.io/v2), the L3/L4 model: endpoint
// selectors over Cilium's pod labels, entities, CIDRs, toPorts; deny rules beat allows; L7 rules, FQDNs,
// services and cloud groups cannot be decided from manifests and are said so. docs/network-policies.md.
import type { LabelSelector, PolicyObject, Protocol } from '../../model/k8s.js';
import { formatSelector, isEmptySelector, selectorProblem, type Labels } from '../../model/selectors.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from '../cidr.js';
import type { PodView } from '../types.js';
import { policyTitle } from './index.js';
import {
  ShapeError,
  compileKnownFirst,
  describePortMatches,
  mapAt,
  mapsAt,
  namedPortsOf,
  podsPeerMatch,
  portsMatch,
  shape,
  stringsAt,
  type Compiled,
  type CompiledExtraPolicy,
  type CompiledRule,
  type Map,
  type Match,
  type PeerMatch,
  type PodPeer,
  type PortMatch,
  labelsOncePerPod,
  withNamespaceLabels,
} from './common.js';

const NAMESPACE_KEY = 'io.kubernetes.pod.namespace';
const NAMESPACE_LABELS_PREFIX = 'io.cilium.k8s.namespace.labels.';
const SERVICE_ACCOUNT_KEY = 'io.cilium.k8s.policy.serviceaccount';

/** The labels Cilium gives a pod's identity: its own, its namespace, the namespace's labels, its service account. */
export const ciliumLabels = labelsOncePerPod(identityLabels);

function identityLabels(pod: PodView, namespaceLabels: Labels): Labels {
  const out: Record<string, string> = { ...pod.labels, [NAMESPACE_KEY]: pod.namespace };
  if (pod.serviceAccount) out[SERVICE_ACCOUNT_KEY] = pod.serviceAccount;
  return withNamespaceLabels(out, namespaceLabels, NAMESPACE_LABELS_PREFIX);
}

/** Namespace labels may be unread: a selector tests the pod's own labels first (see compileKnownFirst). */
const compileEndpointSelector = (selector: LabelSelector) => compileKnownFirst(selector, (key) => key.startsWith(NAMESPACE_LABELS_PREFIX));

/**
 * Selector keys may carry a source prefix (k8s:, any:); reserved: keys name special identities, never
 * pods. The prefix goes before the selector is checked, so a key is judged as Kubernetes would judge it.
 */
function ciliumSelector(raw: unknown, path: string): { selector: LabelSelector; reserved: boolean } {
  const { selector, reserved } = stripPrefixes(isObject(raw) ? (raw as LabelSelector) : ({} as LabelSelector), raw);
  const problem = selectorProblem((isObject(raw) ? selector : raw) as LabelSelector);
  if (problem) throw new ShapeError(`${path}: ${problem}`);
  return { selector, reserved };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function stripPrefixes(selector: LabelSelector, raw: unknown): { selector: LabelSelector; reserved: boolean } {
  let reserved = false;
  if (!isObject(raw)) return { selector, reserved };
  const key = (k: string) => {
    if (k.startsWith('reserved:')) reserved = true;
    return k.replace(/^(k8s|any|container|unspec):/, '');
  };
  return {
    reserved,
    selector: {
      ...(isObject(selector.matchLabels) ? { matchLabels: Object.fromEntries(Object.entries(selector.matchLabels).map(([k, v]) => [key(k), v])) } : selector.matchLabels !== undefined ? { matchLabels: selector.matchLabels } : {}),
      ...(Array.isArray(selector.matchExpressions)
        ? { matchExpressions: selector.matchExpressions.map((e) => (isObject(e) && typeof e.key === 'string' ? { ...e, key: key(e.key) } : e)) }
        : selector.matchExpressions !== undefined ? { matchExpressions: selector.matchExpressions } : {}),
    },
  };
}

function namesNamespace(selector: LabelSelector): boolean {
  return NAMESPACE_KEY in (selector.matchLabels ?? {}) || (selector.matchExpressions ?? []).some((e) => e.key === NAMESPACE_KEY);
}

/** An endpoint selector as a peer; a namespaced policy's selectors stay in its namespace unless they name one. */
function endpointPeer(raw: unknown, path: string, policyNamespace: string | undefined): { match: PeerMatch; text: string; pods?: PodPeer } {
  const { selector, reserved } = ciliumSelector(raw, path);
  const predicate = compileEndpointSelector(selector);
  const pinned = policyNamespace !== undefined && !namesNamespace(selector);
  // "pods with app=cart in namespace default" reads better than the namespace written as a label
  const { [NAMESPACE_KEY]: namedNamespace, ...otherLabels } = selector.matchLabels ?? {};
  const shown = { ...selector, matchLabels: otherLabels };
  const who = isEmptySelector(shown) ? 'any pod' : `pods with ${formatSelector(shown)}`;
  const where = pinned ? ` in namespace ${policyNamespace}` : namedNamespace !== undefined ? ` in namespace ${namedNamespace}` : namesNamespace(selector) ? '' : ' in any namespace';
  const selects = (pod: PodView, nsLabels: Labels) => !reserved && !pod.hostNetwork && (!pinned || pod.namespace === policyNamespace) && predicate(ciliumLabels(pod, nsLabels));
  const keys = [...Object.keys(selector.matchLabels ?? {}), ...(selector.matchExpressions ?? []).map((e) => e.key)];
  return {
    text: `${who}${where}`,
    // reserved: keys name special identities (host, world…), never pods
    ...(reserved
      ? {}
      : {
          pods: {
            text: `${who}${where}`,
            ...(pinned ? { namespace: policyNamespace } : {}),
            byName: namesNamespace(selector) || keys.includes(`${NAMESPACE_LABELS_PREFIX}kubernetes.io/metadata.name`),
            anyPod: isEmptySelector(selector),
            // selecting other namespaces by their labels needs the namespace key too, or the selector stays home
            ...(pinned && keys.some((k) => k.startsWith(NAMESPACE_LABELS_PREFIX))
              ? { scoping: `a selector over ${NAMESPACE_LABELS_PREFIX}* in a namespaced policy still selects only pods of namespace ${policyNamespace} unless it also names ${NAMESPACE_KEY} (for any namespace: matchExpressions [{key: ${NAMESPACE_KEY}, operator: Exists}])` }
              : {}),
            selects,
          },
        }),
    match: podsPeerMatch(selects),
  };
}

const ENTITIES = new Set(['all', 'world', 'world-ipv4', 'world-ipv6', 'cluster', 'host', 'remote-node', 'kube-apiserver', 'init', 'health', 'unmanaged', 'ingress']);

function entityPeer(entity: string, path: string): { match: PeerMatch; text: string } {
  if (!ENTITIES.has(entity)) throw new ShapeError(`${path}: unknown entity ${JSON.stringify(entity)} (all, world, cluster, host, remote-node, kube-apiserver, …)`);
  return {
    text: `entity ${entity}`,
    match: (other) => {
      if (entity === 'all') return true;
      if (other.kind === 'ip') {
        const family = parseIp(other.ip)?.family;
        if (entity === 'world') return true;
        if (entity === 'world-ipv4') return family === 4;
        if (entity === 'world-ipv6') return family === 6;
        if (entity === 'kube-apiserver' || entity === 'host' || entity === 'remote-node') {
          return { maybe: `whether ${other.ip} is the ${entity === 'kube-apiserver' ? 'API server' : entity === 'host' ? 'local node' : 'address of another node'} (entity ${entity}; nodes are not read)` };
        }
        return false;
      }
      if (other.pod.hostNetwork) {
        if (entity === 'cluster') return true;
        if (entity === 'host' || entity === 'remote-node') return { maybe: `whether host-networked ${other.pod.namespace}/${other.pod.name} runs on the same node (entity ${entity})` };
        return false;
      }
      return entity === 'cluster';
    },
  };
}

/** CIDR peers match addresses outside the cluster only: Cilium selects pods by identity, not by IP. */
function cidrPeer(cidrs: { cidr: Cidr; except: Cidr[] }[], text: string): { match: PeerMatch; text: string } {
  return {
    text,
    match: (other) => {
      if (other.kind !== 'ip') return false;
      const ip = parseIp(other.ip);
      return ip !== undefined && cidrs.some((c) => cidrContains(c.cidr, ip) && !c.except.some((e) => cidrContains(e, ip)));
    },
  };
}

/**
 * toFQDNs as Cilium matches names: matchName exactly, matchPattern with `*` standing for zero or more
 * DNS characters within one label (a bare `*` for every name, a leading `**.` for one or more labels),
 * case-insensitive, a trailing dot ignored. A `dns:NAME` peer is matched by its name; an address only by
 * what the pod's DNS lookups returned, which is not known here.
 */
function fqdnPeer(raw: unknown, path: string): { match: PeerMatch; text: string } {
  const selectors = mapsAt(raw, path).map((s, i) => {
    const at = `${path}[${i}]`;
    if (typeof s.matchName === 'string' && s.matchName !== '') return { text: s.matchName, test: (name: string) => name === canonicalName(s.matchName as string) };
    if (typeof s.matchPattern === 'string' && s.matchPattern !== '') {
      const pattern = canonicalName(s.matchPattern);
      if (!/^[-a-z0-9_.*]+$/.test(pattern)) throw new ShapeError(`${at}.matchPattern: ${JSON.stringify(s.matchPattern)} may hold only DNS characters and *`);
      const re = pattern === '*' ? /^.+$/ : new RegExp(`^${pattern.replace(/^\*\*\./, '\u0000').replace(/\./g, '\\.').replace(/\*/g, '[-a-z0-9_]*').replace('\u0000', '([-a-z0-9_]+\\.)+')}$`);
      return { text: s.matchPattern, test: (name: string) => re.test(name) };
    }
    throw new ShapeError(`${at}: expected matchName or matchPattern`);
  });
  return {
    text: `DNS names ${selectors.map((s) => s.text).join(', ')} (toFQDNs)`,
    match: (other) => {
      if (other.kind !== 'ip') return false;
      if (other.dns !== undefined) return selectors.some((s) => s.test(canonicalName(other.dns!)));
      return { maybe: `whether ${other.ip} is among the DNS names of toFQDNs (${selectors.map((s) => s.text).join(', ')}): DNS answers are not known statically; ask with dns:NAME` };
    },
  };
}

export function canonicalName(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

function parseCidrAt(text: string, path: string): Cidr {
  const cidr = parseCidr(text.includes('/') ? text : `${text}/${text.includes(':') ? 128 : 32}`);
  if (!cidr) throw new ShapeError(`${path}: ${JSON.stringify(text)} is not a CIDR`);
  return cidr;
}

function protocolOf(x: unknown, path: string): Protocol | undefined {
  if (x === undefined || x === null || x === 'ANY') return undefined;
  if (x === 'TCP' || x === 'UDP' || x === 'SCTP') return x;
  if (x === 'ICMP' || x === 'ICMPv6') return 'ICMP' as never; // matches no TCP/UDP/SCTP traffic
  throw new ShapeError(`${path}: protocol must be TCP, UDP, SCTP or ANY, found ${shape(x)}`);
}

interface L4 {
  ports: PortMatch[] | undefined;
  /** what the rule's L7 part further limits */
  l7?: string;
}

function compileToPorts(x: unknown, path: string, deny: boolean): L4 | undefined {
  if (x === undefined || x === null) return undefined;
  const ports: PortMatch[] = [];
  const l7: string[] = [];
  mapsAt(x, path).forEach((pr, i) => {
    const at = `${path}[${i}]`;
    const list = mapsAt(pr.ports, `${at}.ports`);
    if (list.length === 0) ports.push({});
    for (const [j, p] of list.entries()) {
      const protocol = protocolOf(p.protocol, `${at}.ports[${j}].protocol`);
      const raw = p.port;
      if (raw === undefined || raw === null || raw === '0' || raw === 0) {
        ports.push({ protocol });
        continue;
      }
      const text = String(raw);
      if (/^\d+$/.test(text)) {
        const start = Number(text);
        const end = p.endPort === undefined || p.endPort === null ? start : Number(p.endPort);
        if (start < 1 || start > 65535 || !Number.isInteger(end) || end < start || end > 65535) throw new ShapeError(`${at}.ports[${j}]: port ${text}${end !== start ? `-${String(p.endPort)}` : ''} is not a valid port or range`);
        ports.push({ protocol, start, end });
      } else {
        ports.push({ protocol, name: text });
      }
    }
    if (!deny) {
      const rules = mapAt(pr.rules, `${at}.rules`);
      const kinds = Object.keys(rules).filter((k) => rules[k] !== null && rules[k] !== undefined && !(Array.isArray(rules[k]) && (rules[k] as unknown[]).length === 0));
      if (kinds.length > 0) l7.push(kinds.map((k) => (k === 'l7' ? 'L7' : k.toUpperCase())).join('/'));
      if (pr.serverNames !== undefined && pr.serverNames !== null) l7.push('TLS server name');
    }
  });
  return { ports, ...(l7.length ? { l7: [...new Set(l7)].join(', ') } : {}) };
}

const UNDECIDABLE: Record<string, string> = {
  toFQDNs: 'DNS names',
  toServices: 'Services',
  toGroups: 'cloud provider groups',
  fromGroups: 'cloud provider groups',
  toRequires: 'required labels',
  fromRequires: 'required labels',
  toNodes: 'nodes',
  fromNodes: 'nodes',
};

function compileRule(rule: Map, index: number, path: string, direction: 'ingress' | 'egress', deny: boolean, namespace: string | undefined, title: string, cidrsSeen: Cidr[]): CompiledRule {
  const from = direction === 'ingress' ? 'from' : 'to';
  const peers: { match: PeerMatch; text: string; pods?: PodPeer }[] = [];
  const endpoints = rule[`${from}Endpoints`];
  if (endpoints !== undefined && endpoints !== null) mapsAt(endpoints, `${path}.${from}Endpoints`).forEach((s, i) => peers.push(endpointPeer(s, `${path}.${from}Endpoints[${i}]`, namespace)));
  const entities = stringsAt(rule[`${from}Entities`], `${path}.${from}Entities`);
  entities.forEach((e, i) => peers.push(entityPeer(e, `${path}.${from}Entities[${i}]`)));
  const cidrs = stringsAt(rule[`${from}CIDR`], `${path}.${from}CIDR`).map((c, i) => ({ cidr: parseCidrAt(c, `${path}.${from}CIDR[${i}]`), except: [] as Cidr[] }));
  for (const [i, set] of mapsAt(rule[`${from}CIDRSet`], `${path}.${from}CIDRSet`).entries()) {
    if (typeof set.cidr !== 'string') {
      // cidrGroupRef / cidrGroupSelector name CiliumCIDRGroups, which are not read
      peers.push({ text: 'a CIDR group', match: (other) => (other.kind === 'ip' ? { maybe: `whether ${other.ip} is in the CIDR group of ${title} rule #${index} (CiliumCIDRGroups are not read)` } : false) });
      continue;
    }
    cidrs.push({ cidr: parseCidrAt(set.cidr, `${path}.${from}CIDRSet[${i}].cidr`), except: stringsAt(set.except, `${path}.${from}CIDRSet[${i}].except`).map((e, j) => parseCidrAt(e, `${path}.${from}CIDRSet[${i}].except[${j}]`)) });
  }
  if (cidrs.length) {
    cidrsSeen.push(...cidrs.flatMap((c) => [c.cidr, ...c.except]));
    peers.push(cidrPeer(cidrs, `IPs in ${cidrs.map((c) => `${c.cidr.text}${c.except.length ? ` except ${c.except.map((e) => e.text).join(', ')}` : ''}`).join(', ')}`));
  }
  if (direction === 'egress' && rule.toFQDNs !== undefined && rule.toFQDNs !== null) peers.push(fqdnPeer(rule.toFQDNs, `${path}.toFQDNs`));
  for (const [key, what] of Object.entries(UNDECIDABLE)) {
    if (key === 'toFQDNs' || !key.startsWith(from) || rule[key] === undefined || rule[key] === null) continue;
    const selectsPods = key === 'toServices' || key.endsWith('Requires');
    peers.push({
      text: `${what} (${key})`,
      match: (other) => (other.kind === 'ip' || selectsPods || other.pod.hostNetwork ? { maybe: `whether ${other.kind === 'ip' ? other.ip : `${other.pod.namespace}/${other.pod.name}`} is among the ${what} of ${key} (not decidable from the objects read)` } : false),
    });
  }
  const l4 = compileToPorts(rule.toPorts, `${path}.toPorts`, deny);
  // a rule with neither peers nor ports selects nothing (`ingress: [{}]` is Cilium's default-deny idiom);
  // ports alone apply to every peer
  const empty = peers.length === 0 && !l4;
  const who = peers.length === 0 ? (empty ? 'nothing' : 'anywhere') : peers.map((p) => p.text).join(', or ');
  const action = deny ? 'Deny' : 'Allow';
  return {
    index,
    action,
    actionText: action,
    text: `${action} ${from} ${who} ${describePortMatches(l4?.ports)}${l4?.l7 ? ` (with ${l4.l7} rules)` : ''}`,
    podPeers: peers.flatMap((p) => (p.pods ? [p.pods] : [])),
    ...(!empty && (peers.length === 0 || entities.includes('all') || entities.includes('cluster')) ? { anyPeer: true } : {}),
    // entity all (or world and cluster) with no port, ICMP, required-label or authentication limit
    ...(!deny &&
    !l4 &&
    (entities.includes('all') || (entities.includes('world') && entities.includes('cluster'))) &&
    [rule.icmps, rule[`${from}Requires`], rule.authentication].every((x) => x === undefined || x === null)
      ? { allowsAll: true }
      : {}),
    namedPorts: namedPortsOf(l4?.ports),
    ...(l4?.l7 ? { caveat: `allowed at L3/L4; the ${l4.l7} rules of ${title} further limit which requests pass` } : {}),
    matches(other, traffic, ctx): Match {
      if (empty) return false;
      if (l4 && !portsMatch(l4.ports, traffic, ctx.destinationPorts)) return false;
      if (peers.length === 0) return true;
      let maybe: string | undefined;
      for (const p of peers) {
        const m = p.match(other, ctx.namespaceLabels);
        if (m === true) return true;
        if (m !== false) maybe ??= m.maybe;
      }
      return maybe ? { maybe } : false;
    },
  };
}

export interface CiliumCompiled {
  /** one entry per rule set (spec, or each of specs), its deny and allow rules apart */
  deny: CompiledExtraPolicy[];
  allow: CompiledExtraPolicy[];
  /** rule sets selecting nodes (host policies): they apply to host-networked pods, which this does not model */
  hostPolicies: string[];
}

export function compileCiliumPolicy(object: PolicyObject): Compiled<CiliumCompiled> {
  try {
    const spec = object.spec;
    const namespace = object.kind === 'CiliumNetworkPolicy' ? object.metadata.namespace ?? 'default' : undefined;
    const title = policyTitle(object);
    const sets: { set: Map; path: string; index?: number }[] = [];
    if (spec !== undefined && spec !== null) sets.push({ set: mapAt(spec, 'spec'), path: 'spec' });
    for (const [index, set] of mapsAt(object.specs, 'specs').entries()) sets.push({ set, path: `specs[${index}]`, index });
    const several = sets.length > 1;
    const out: CiliumCompiled = { deny: [], allow: [], hostPolicies: [] };
    for (const { set, path, index } of sets) {
      if (set.nodeSelector !== undefined && set.nodeSelector !== null) {
        out.hostPolicies.push(`${title} ${path} selects nodes (a host policy)`);
        continue;
      }
      const { selector } = ciliumSelector(set.endpointSelector, `${path}.endpointSelector`);
      const predicate = compileEndpointSelector(selector);
      const selects = (pod: PodView, nsLabels: Labels) => !pod.hostNetwork && (namespace === undefined || pod.namespace === namespace) && predicate(ciliumLabels(pod, nsLabels));
      const cidrs: Cidr[] = [];
      const defaults = mapAt(set.enableDefaultDeny, `${path}.enableDefaultDeny`);
      const name = several ? `${object.metadata.name} ${path}` : object.metadata.name;
      const ruleSet = { objectTitle: title, path, ...(index !== undefined ? { index } : {}), several };
      const base = { kind: object.kind, title: several ? `${title} ${path}` : title, namespace, name, tier: 'cilium', selects, cidrs, ruleSet };
      const rules = (key: string, direction: 'ingress' | 'egress', deny: boolean) =>
        set[key] === undefined || set[key] === null ? undefined : mapsAt(set[key], `${path}.${key}`).map((r, i) => compileRule(r, i, `${path}.${key}[${i}]`, direction, deny, namespace, base.title, cidrs));
      const ingressDeny = rules('ingressDeny', 'ingress', true);
      const egressDeny = rules('egressDeny', 'egress', true);
      const ingress = rules('ingress', 'ingress', false);
      const egress = rules('egress', 'egress', false);
      if (ingressDeny?.length || egressDeny?.length) out.deny.push({ ...base, ingress: ingressDeny, egress: egressDeny });
      // any rule for a direction puts the selected pods in default-deny for it, unless enableDefaultDeny says no
      const isolates = (direction: 'ingress' | 'egress', allow?: CompiledRule[], deny?: CompiledRule[]) =>
        defaults[direction] !== false && (allow !== undefined || deny !== undefined) ? (allow ?? []) : allow;
      out.allow.push({
        ...base,
        ingress: isolates('ingress', ingress, ingressDeny),
        egress: isolates('egress', egress, egressDeny),
        isolates: { ingress: defaults.ingress !== false, egress: defaults.egress !== false },
      });
    }
    return { policy: out };
  } catch (err) {
    if (err instanceof ShapeError) return { problem: err.message };
    throw err;
  }
}

