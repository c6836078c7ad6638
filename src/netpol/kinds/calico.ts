// Calico NetworkPolicy and GlobalNetworkPolicy (projectcalico.org/v3, and the crd.projectcalico.org/v1
// form stored in clusters): selector expressions, order, tiers, Allow/Deny/Log/Pass, nets/notNets,
// ports and ranges, types. The engine adds the Kubernetes NetworkPolicies at order 1000 in tier default
// and the end-of-tier deny (tiers.ts). docs/network-policies.md cites Calico's reference.
import type { PolicyObject, Protocol } from '../../model/k8s.js';
import type { Labels } from '../../model/selectors.js';
import { cidrContains, parseCidr, parseIp, parseIps, type Cidr } from '../cidr.js';
import type { Peer, PodView } from '../types.js';
import { SelectorSyntaxError, parseCalicoSelector, type CalicoSelector } from './calico-selector.js';
import { policyTitle } from './index.js';
import {
  ShapeError,
  describePortMatches,
  mapAt,
  mapsAt,
  namedPortsOf,
  optionalNumber,
  portMatch,
  shape,
  stringsAt,
  type Action,
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

/** The labels Calico gives a pod's workload endpoint, and its namespace's (selectors see these). */
export const calicoLabels = labelsOncePerPod(endpointLabels);

function endpointLabels(pod: PodView, namespaceLabels: Labels): Labels {
  const out: Record<string, string> = { ...pod.labels, 'projectcalico.org/namespace': pod.namespace, 'projectcalico.org/orchestrator': 'k8s' };
  if (pod.serviceAccount) out['projectcalico.org/serviceaccount'] = pod.serviceAccount;
  return withNamespaceLabels(out, namespaceLabels, 'pcns.');
}

function namespaceLabelsOf(namespace: string, labels: Labels): Labels {
  const hit = namespaceDerived.get(labels);
  if (hit?.namespace === namespace) return hit.labels;
  const out = withNamespaceLabels({ 'projectcalico.org/name': namespace }, labels, '');
  namespaceDerived.set(labels, { namespace, labels: out });
  return out;
}

const namespaceDerived = new WeakMap<Labels, { namespace: string; labels: Labels }>();

/** A namespaceSelector sees the namespace's labels, which may be unread but for its name. */
const NAMESPACE_KEYS = (key: string) => key !== 'projectcalico.org/name' && key !== 'kubernetes.io/metadata.name';

function selectorAt(x: unknown, path: string, late?: (key: string) => boolean): CalicoSelector | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== 'string') throw new ShapeError(`${path}: expected a selector expression (a string), found ${shape(x)}`);
  try {
    return parseCalicoSelector(x, late);
  } catch (err) {
    if (err instanceof SelectorSyntaxError) throw new ShapeError(`${path}: selector ${JSON.stringify(x)}: ${err.message}`);
    throw err;
  }
}

const PROTOCOL_NUMBERS: Record<string, Protocol> = { '6': 'TCP', '17': 'UDP', '132': 'SCTP' };

function protocolAt(x: unknown, path: string): Protocol | 'other' | undefined {
  if (x === undefined || x === null) return undefined;
  const text = String(x);
  if (text === 'TCP' || text === 'UDP' || text === 'SCTP') return text;
  if (PROTOCOL_NUMBERS[text]) return PROTOCOL_NUMBERS[text];
  if (/^(ICMP|ICMPv6|UDPLite|\d+)$/.test(text)) return 'other';
  throw new ShapeError(`${path}: unknown protocol ${shape(x)}`);
}

function portsAt(x: unknown, path: string, protocol: Protocol | 'other' | undefined): PortMatch[] | undefined {
  if (x === undefined || x === null) return undefined;
  if (!Array.isArray(x)) throw new ShapeError(`${path}: expected a list of ports, found ${shape(x)}`);
  if (protocol === undefined) throw new ShapeError(`${path}: ports need a protocol on the rule (TCP, UDP or SCTP)`);
  const proto = protocol === 'other' ? ('other' as never) : protocol;
  return x.map((p, i) => {
    const text = String(p);
    const range = /^(\d+):(\d+)$/.exec(text);
    if (typeof p === 'number' || /^\d+$/.test(text)) return { protocol: proto, start: Number(text) };
    if (range) {
      const [start, end] = [Number(range[1]), Number(range[2])];
      if (end < start) throw new ShapeError(`${path}[${i}]: range ${text} ends before it starts`);
      return { protocol: proto, start, end };
    }
    if (typeof p === 'string' && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(p)) return { protocol: proto, name: p };
    throw new ShapeError(`${path}[${i}]: expected a port number, a range "START:END" or a port name, found ${shape(p)}`);
  });
}

/** One side of a rule (source or destination), to test against one end of the connection. */
function compileEntity(raw: unknown, path: string, policyNamespace: string | undefined, cidrsSeen: Cidr[]): { match: PeerMatch; text: string; portsRaw: Map; constrains: boolean; pods?: PodPeer } {
  const e = mapAt(raw, path);
  const nets = (key: string) => stringsAt(e[key], `${path}.${key}`).map((t, i) => {
    const c = parseCidr(t.includes('/') ? t : `${t}/${t.includes(':') ? 128 : 32}`);
    if (!c) throw new ShapeError(`${path}.${key}[${i}]: ${JSON.stringify(t)} is not a CIDR`);
    cidrsSeen.push(c);
    return c;
  });
  const inNets = nets('nets');
  const notNets = nets('notNets');
  const selector = selectorAt(e.selector, `${path}.selector`);
  const notSelector = selectorAt(e.notSelector, `${path}.notSelector`);
  const namespaceSelector = selectorAt(e.namespaceSelector, `${path}.namespaceSelector`, NAMESPACE_KEYS);
  const sa = mapAt(e.serviceAccounts, `${path}.serviceAccounts`);
  const saNames = stringsAt(sa.names, `${path}.serviceAccounts.names`);
  const saSelector = selectorAt(sa.selector, `${path}.serviceAccounts.selector`);
  if (e.services !== undefined && e.services !== null) throw new ShapeError(`${path}.services: Service matches are not supported by kubectl-np`);
  const texts: string[] = [];
  if (selector) texts.push(`endpoints with ${selector.text}`);
  if (notSelector) texts.push(`not ${notSelector.text}`);
  if (namespaceSelector) texts.push(`in namespaces with ${namespaceSelector.text}`);
  else if (selector && policyNamespace) texts.push(`in namespace ${policyNamespace}`);
  if (saNames.length || saSelector) texts.push(`service accounts ${[...saNames, ...(saSelector ? [saSelector.text] : [])].join(', ')}`);
  if (inNets.length) texts.push(`IPs in ${inNets.map((c) => c.text).join(', ')}`);
  if (notNets.length) texts.push(`IPs not in ${notNets.map((c) => c.text).join(', ')}`);
  const podSelectors = selector || notSelector || namespaceSelector || saNames.length || saSelector;
  // selectors pick workload endpoints: pods (not host-networked ones, which are host endpoints)
  const selectsPod = (pod: PodView, ns: Labels): boolean => {
    if (pod.hostNetwork) return false;
    // what is known first: namespace labels may be unread, and a known mismatch settles it without them
    if (!namespaceSelector && policyNamespace && pod.namespace !== policyNamespace) return false;
    if (saNames.length && !saNames.includes(pod.serviceAccount ?? 'default')) return false;
    if (saSelector && !saSelector({ 'projectcalico.org/name': pod.serviceAccount ?? 'default' })) return false;
    const labels = calicoLabels(pod, ns);
    if (selector && !selector(labels)) return false;
    if (notSelector && notSelector(labels)) return false;
    if (namespaceSelector && !namespaceSelector(namespaceLabelsOf(pod.namespace, ns))) return false;
    return true;
  };
  const match: PeerMatch = (end, nsLabels) => {
    let maybe: string | undefined;
    if (inNets.length || notNets.length) {
      const ips = end.kind === 'ip' ? [end.ip] : end.pod.ips;
      if (ips.length === 0 && end.kind === 'pod') maybe = `${end.pod.namespace}/${end.pod.name} has no IP in this snapshot to compare with ${[...inNets, ...notNets].map((c) => c.text).join(', ')}`;
      else {
        const parsed = end.kind === 'ip' ? [parseIp(end.ip)].filter((ip) => ip !== undefined) : parseIps(end.pod.ips);
        if (inNets.length && !parsed.some((ip) => inNets.some((c) => cidrContains(c, ip)))) return false;
        if (notNets.length && parsed.some((ip) => notNets.some((c) => cidrContains(c, ip)))) return false;
      }
    }
    if (podSelectors && (end.kind !== 'pod' || !selectsPod(end.pod, nsLabels(end.pod.namespace)))) return false;
    return maybe ? { maybe } : true;
  };
  const pods: PodPeer | undefined = podSelectors
    ? {
        text: texts.join(' '),
        ...(!namespaceSelector && policyNamespace ? { namespace: policyNamespace } : {}),
        ...(namespaceSelector ? { namespaces: (namespace: string, labels: Labels) => namespaceSelector(namespaceLabelsOf(namespace, labels)) } : {}),
        byName: (namespaceSelector?.keys ?? []).some((k) => k === 'projectcalico.org/name' || k === 'kubernetes.io/metadata.name'),
        anyPod: !notSelector && !saNames.length && !saSelector && (!selector || selector.keys.length === 0),
        selects: selectsPod,
      }
    : undefined;
  return { match, text: texts.join(' '), portsRaw: e, constrains: Boolean(podSelectors) || inNets.length > 0 || notNets.length > 0, pods };
}

const ACTIONS = new Set(['Allow', 'Deny', 'Log', 'Pass']);

// Names Calico gives the policies it derives (Kubernetes NetworkPolicies, ClusterNetworkPolicies, OpenStack
// security groups): their tier is fixed by the prefix, whatever follows (libcalico-go lib/names/policy.go)
const FORMATTED: [string, string][] = [
  ['knp.default.', 'default'],
  ['kcnp.kube-admin.', 'kube-admin'],
  ['kcnp.kube-baseline.', 'kube-baseline'],
  ['ossg.', 'default'],
];

/** Calico's TierFromPolicyName: the word before the first dot, default without one. */
function tierFromName(name: string): string {
  const formatted = FORMATTED.find(([prefix]) => name.startsWith(prefix));
  if (formatted) return formatted[1];
  const dot = name.indexOf('.');
  return dot < 0 ? 'default' : name.slice(0, dot);
}

/**
 * The tier a policy sits in. Felix files a policy under the tier its stored name starts with (TIER.NAME, as
 * crd.projectcalico.org/v1 objects are named), so the name prefix decides; projectcalico.org/v3 names are
 * checked as Calico's API server checks them: TIER.NAME with spec.tier matching, or a plain name in tier
 * default (spec.tier absent or "default").
 */
function policyTier(object: PolicyObject, specTier: unknown): string {
  const name = object.metadata.name;
  if (specTier !== undefined && specTier !== null && typeof specTier !== 'string') throw new ShapeError(`spec.tier: expected a tier name, found ${shape(specTier)}`);
  const fromName = tierFromName(name);
  if (object.apiVersion.startsWith('projectcalico.org/') && !FORMATTED.some(([prefix]) => name.startsWith(prefix))) {
    const tier = specTier || 'default';
    const dotted = name.includes('.');
    if (dotted ? !name.startsWith(`${tier}.`) : tier !== 'default') {
      throw new ShapeError(`metadata.name: incorrectly formatted policy name ${name}: a policy in tier ${tier} is named ${tier}.NAME${tier === 'default' ? ' or NAME' : ''}${dotted && !specTier ? ` (set spec.tier: ${fromName} to put it in tier ${fromName})` : ''}`);
    }
    return tier;
  }
  return fromName;
}

function compileRule(rule: Map, index: number, path: string, direction: 'ingress' | 'egress', policyNamespace: string | undefined, title: string, cidrsSeen: Cidr[]): CompiledRule {
  const action = rule.action;
  if (typeof action !== 'string' || !ACTIONS.has(action)) throw new ShapeError(`${path}.action: expected Allow, Deny, Log or Pass, found ${shape(action)}`);
  const protocol = protocolAt(rule.protocol, `${path}.protocol`);
  const notProtocol = protocolAt(rule.notProtocol, `${path}.notProtocol`);
  const source = compileEntity(rule.source, `${path}.source`, policyNamespace, cidrsSeen);
  const destination = compileEntity(rule.destination, `${path}.destination`, policyNamespace, cidrsSeen);
  const sourcePorts = portsAt(source.portsRaw.ports, `${path}.source.ports`, protocol) ?? portsAt(source.portsRaw.notPorts, `${path}.source.notPorts`, protocol);
  const ports = portsAt(destination.portsRaw.ports, `${path}.destination.ports`, protocol);
  const notPorts = portsAt(destination.portsRaw.notPorts, `${path}.destination.notPorts`, protocol);
  const l7 = rule.http !== undefined && rule.http !== null;
  const parts = [
    protocol ? (protocol === 'other' ? String(rule.protocol) : protocol) : notProtocol ? `not ${String(rule.protocol ?? rule.notProtocol)}` : '',
    source.text ? `from ${source.text}` : '',
    destination.text ? `to ${destination.text}` : '',
    ports ? describePortMatches(ports) : notPorts ? `not ${describePortMatches(notPorts)}` : '',
    l7 ? '(with HTTP match)' : '',
  ].filter(Boolean);
  return {
    index,
    action: action as Action,
    actionText: action,
    text: `${action}${parts.length ? ` ${parts.join(' ')}` : ' everything'}`,
    ...(l7 ? { caveat: `allowed at L3/L4; the HTTP match of ${title} rule #${index} further limits which requests pass` } : {}),
    // the subject's own end: the destination of ingress, the source of egress
    readsSelf: (direction === 'ingress' ? destination : source).constrains,
    // the other end: the source of ingress, the destination of egress
    ...(() => {
      const peer = direction === 'ingress' ? source : destination;
      return peer.pods ? { podPeers: [peer.pods] } : peer.constrains ? {} : { anyPeer: true };
    })(),
    // neither end constrained (the subject's end by the policy's selector only), no protocol, port or L7 match
    ...(action === 'Allow' &&
    !protocol &&
    !notProtocol &&
    !ports &&
    !notPorts &&
    !sourcePorts &&
    !l7 &&
    !source.constrains &&
    !destination.constrains &&
    [rule.ipVersion, rule.icmp, rule.notICMP].every((x) => x === undefined || x === null)
      ? { allowsAll: true }
      : {}),
    namedPorts: namedPortsOf(ports),
    matches(other, traffic, ctx): Match {
      if (protocol === 'other' || (protocol && protocol !== traffic.protocol) || (notProtocol && notProtocol === traffic.protocol)) return false;
      if (ports && !ports.some((p) => portMatch(p, traffic, ctx.destinationPorts))) return false;
      if (notPorts && notPorts.some((p) => portMatch(p, traffic, ctx.destinationPorts))) return false;
      // the other end is the source of ingress and the destination of egress; the subject is the rest
      const self = ctx.self ? selfPeer(ctx.self) : undefined;
      const src = ctx.direction === 'egress' ? self : other;
      const dst = ctx.direction === 'egress' ? other : self;
      let maybe: string | undefined;
      if (src) {
        const m = source.match(src, ctx.namespaceLabels);
        if (m === false) return false;
        if (m !== true) maybe = m.maybe;
      }
      if (dst) {
        const m = destination.match(dst, ctx.namespaceLabels);
        if (m === false) return false;
        if (m !== true) maybe ??= m.maybe;
      }
      if (sourcePorts) maybe ??= `the source port of the connection is not known (rule #${index} of ${title} matches source ports)`;
      return maybe ? { maybe } : true;
    },
  };
}

const selfPeers = new WeakMap<PodView, Peer>();
function selfPeer(pod: PodView): Peer {
  let peer = selfPeers.get(pod);
  if (!peer) selfPeers.set(pod, (peer = { kind: 'pod', pod }));
  return peer;
}

export interface CalicoCompiled {
  policy: CompiledExtraPolicy;
  /** doNotTrack, preDNAT, applyOnForward: what is not modelled */
  notModelled: string[];
}

export function compileCalicoPolicy(object: PolicyObject): Compiled<CalicoCompiled> {
  try {
    const spec = mapAt(object.spec, 'spec');
    const global = object.kind === 'GlobalNetworkPolicy';
    const namespace = global ? undefined : object.metadata.namespace ?? 'default';
    const title = policyTitle(object);
    const selector = selectorAt(spec.selector, 'spec.selector') ?? parseCalicoSelector('');
    const namespaceSelector = global ? selectorAt(spec.namespaceSelector, 'spec.namespaceSelector', NAMESPACE_KEYS) : undefined;
    const saSelector = selectorAt(spec.serviceAccountSelector, 'spec.serviceAccountSelector');
    const order = optionalNumber(spec.order, 'spec.order');
    const tier = policyTier(object, spec.tier);
    const cidrs: Cidr[] = [];
    const rules = (key: 'ingress' | 'egress') => mapsAt(spec[key], `spec.${key}`).map((r, i) => compileRule(r, i, `spec.${key}[${i}]`, key, namespace, title, cidrs));
    const ingress = rules('ingress');
    const egress = rules('egress');
    let types: string[];
    if (spec.types !== undefined && spec.types !== null) {
      types = stringsAt(spec.types, 'spec.types');
      for (const [i, t] of types.entries()) if (t !== 'Ingress' && t !== 'Egress') throw new ShapeError(`spec.types[${i}]: expected Ingress or Egress, found ${JSON.stringify(t)}`);
    } else {
      // Calico's defaults: Egress alone when only egress rules are present, else Ingress (plus Egress with egress rules)
      types = egress.length > 0 && ingress.length === 0 ? ['Egress'] : egress.length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
    }
    const notModelled = (['doNotTrack', 'preDNAT', 'applyOnForward'] as const).filter((k) => spec[k] === true);
    return {
      policy: {
        policy: {
          kind: global ? 'GlobalNetworkPolicy' : 'NetworkPolicy',
          title,
          namespace,
          name: object.metadata.name,
          priority: order,
          tier,
          selects: (pod: PodView, nsLabels: Labels) => {
            if (pod.hostNetwork) return false;
            if (namespace !== undefined && pod.namespace !== namespace) return false;
            // what is known first: namespace labels may be unread
            if (saSelector && !saSelector({ 'projectcalico.org/name': pod.serviceAccount ?? 'default' })) return false;
            if (!selector(calicoLabels(pod, nsLabels))) return false;
            return !namespaceSelector || namespaceSelector(namespaceLabelsOf(pod.namespace, nsLabels));
          },
          ...(types.includes('Ingress') ? { ingress } : {}),
          ...(types.includes('Egress') ? { egress } : {}),
          cidrs,
        },
        notModelled,
      },
    };
  } catch (err) {
    if (err instanceof ShapeError) return { problem: err.message };
    throw err;
  }
}
