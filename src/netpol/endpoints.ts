// The endpoint grammar of can-reach/explain and its resolution over a snapshot:
// [NAMESPACE/]KIND/NAME | [KIND/]NAME | ip:ADDRESS | dns:NAME (can-reach destinations). Pure.
import { UnreachableError, UsageError } from '../errors.js';
import type { ClusterSnapshot, Pod, Service, UnreadableList, Workload, WorkloadKind } from '../model/k8s.js';
import { compileSelector } from '../model/selectors.js';
import { cidrContains, parseCidr, parseIp, type Ip } from './cidr.js';
import { controllerOf, Owners } from './owners.js';
import { podName, type PodView } from './types.js';
import { isActive, isReady, notBackend, podView, templateView } from './views.js';

export type ObjectKind = 'Pod' | 'Service' | WorkloadKind;

export type EndpointSpec =
  /** dns: a DNS name outside the cluster (ip is then empty): Cilium's toFQDNs match it, address rules cannot tell */
  | { kind: 'ip'; ip: string; input: string; dns?: string }
  | { kind: ObjectKind; namespace?: string; name: string; input: string };

const KINDS: Record<string, ObjectKind> = {};
for (const [kind, aliases] of Object.entries({
  Pod: ['po', 'pod', 'pods'],
  Service: ['svc', 'service', 'services'],
  Deployment: ['deploy', 'deployment', 'deployments'],
  StatefulSet: ['sts', 'statefulset', 'statefulsets'],
  DaemonSet: ['ds', 'daemonset', 'daemonsets'],
  ReplicaSet: ['rs', 'replicaset', 'replicasets'],
  Job: ['job', 'jobs'],
})) {
  for (const alias of [...aliases, kind.toLowerCase()]) KINDS[alias] = kind as ObjectKind;
}

/** The kind an alias names (case-insensitive, kubectl short names accepted), or undefined. */
export function kindOf(word: string): ObjectKind | undefined {
  return KINDS[word.toLowerCase()];
}

const KIND_HELP = 'pod, deploy, sts, ds, rs, job, svc';
const SHORT: Record<ObjectKind, string> = { Pod: 'pod', Service: 'svc', Deployment: 'deploy', StatefulSet: 'sts', DaemonSet: 'ds', ReplicaSet: 'rs', Job: 'job' };

/** Parses one endpoint argument; the two-part form is KIND/NAME when the first part is a kind, else NAMESPACE/NAME of a pod. */
export function parseEndpoint(input: string, opts: { dns?: boolean } = {}): EndpointSpec {
  const text = input.trim();
  if (text.toLowerCase().startsWith('dns:')) {
    const name = text.slice(4);
    if (!opts.dns) throw new UsageError(`"${input}": a dns:NAME endpoint is understood by can-reach only, as its destination`);
    if (!/^(?=.{1,253}\.?$)[a-z0-9_]([-a-z0-9_]{0,62})(\.[a-z0-9_][-a-z0-9_]{0,62})*\.?$/i.test(name) || parseIp(name)) {
      throw new UsageError(`"${input}" is not a DNS name (expected dns:NAME, e.g. dns:api.stripe.com; for an address use ip:ADDRESS)`);
    }
    return { kind: 'ip', ip: '', dns: name.toLowerCase().replace(/\.$/, ''), input };
  }
  if (text.toLowerCase().startsWith('ip:')) {
    const ip = text.slice(3);
    if (!parseIp(ip)) throw new UsageError(`"${input}" is not an IP address (expected ip:ADDRESS, e.g. ip:169.254.169.254)`);
    return { kind: 'ip', ip, input };
  }
  const parts = text.split('/');
  if (parts.some((p) => p === '') || parts.length > 3) {
    throw new UsageError(`cannot read endpoint "${input}": expected [NAMESPACE/]KIND/NAME, [KIND/]NAME or ip:ADDRESS${opts.dns ? ' (or dns:NAME as the destination)' : ''}`);
  }
  if (parts.length === 3) {
    const kind = kindOf(parts[1]);
    if (!kind) throw new UsageError(`unknown kind "${parts[1]}" in "${input}" (known kinds: ${KIND_HELP})`);
    return { kind, namespace: parts[0], name: parts[2], input };
  }
  if (parts.length === 2) {
    const kind = kindOf(parts[0]);
    return kind ? { kind, name: parts[1], input } : { kind: 'Pod', namespace: parts[0], name: parts[1], input };
  }
  return { kind: 'Pod', name: parts[0], input };
}

export interface ResolvedEndpoint {
  input: string;
  kind: ObjectKind | 'ip';
  namespace?: string;
  name?: string;
  ip?: string;
  /** a dns:NAME destination: the name (ip is unset) */
  dns?: string;
  /** the pods traffic really starts from or lands on; workload templates when nothing runs */
  pods: PodView[];
  /** true when pods stand for pod templates (no running pods) */
  fromTemplate: boolean;
  service?: Service;
  /** what resolving it found worth saying: selected pods that are not backends, backends not ready */
  notes?: string[];
}

/** Pods by namespace and their controller chains, so resolving many workloads stays linear in the cluster size. */
class Ownership {
  private readonly podsByNamespace = new Map<string, Pod[]>();
  private readonly owners: Owners;
  constructor(snapshot: ClusterSnapshot) {
    for (const pod of snapshot.pods) {
      if (!isActive(pod)) continue;
      const ns = namespaceOf(pod);
      const list = this.podsByNamespace.get(ns) ?? [];
      list.push(pod);
      this.podsByNamespace.set(ns, list);
    }
    this.owners = new Owners(snapshot.workloads);
  }

  /**
   * The pods a workload runs: those whose controller chain leads to it (Deployment → ReplicaSet → Pod),
   * or for hand-written manifests without owner references, pods matching its selector AND carrying all
   * of its template's labels — never merely some other pod that happens to match the selector.
   */
  podsOf(workload: Workload): Pod[] {
    const ns = namespaceOf(workload);
    const selector = workload.spec.selector ? compileSelector(workload.spec.selector) : undefined;
    const template = workload.spec.template.metadata?.labels ?? {};
    return (this.podsByNamespace.get(ns) ?? []).filter((pod) => {
      const chain = this.owners.chain(pod);
      if (chain.length > 0) return chain.some((o) => o.kind === workload.kind && o.name === workload.metadata.name);
      const labels = pod.metadata.labels ?? {};
      if (selector && !selector(labels)) return false;
      return Object.entries(template).every(([k, v]) => labels[k] === v);
    });
  }
}

export function podsOfWorkload(snapshot: ClusterSnapshot, workload: Workload): Pod[] {
  return new Ownership(snapshot).podsOf(workload);
}

function namespaceOf(obj: { metadata: { namespace?: string } }): string {
  return obj.metadata.namespace ?? 'default';
}

const RESOURCE: Record<ObjectKind, string> = { Pod: 'pods', Service: 'services', Deployment: 'deployments', StatefulSet: 'statefulsets', DaemonSet: 'daemonsets', ReplicaSet: 'replicasets', Job: 'jobs' };

/** The lists the reader was refused: its structured record, else read back from its warnings. */
function unreadableLists(snapshot: ClusterSnapshot): UnreadableList[] {
  if (snapshot.unreadable) return snapshot.unreadable;
  const out: UnreadableList[] = [];
  for (const w of snapshot.warnings ?? []) {
    const m = /^not allowed to list ([a-z.]+) in (?:namespace (\S+?)|all namespaces)(?::|$)/.exec(w);
    if (m) out.push({ resource: m[1], ...(m[2] ? { namespace: m[2] } : {}) });
  }
  return out;
}

/** Could the reader not list this kind in this namespace? Then absence proves nothing. */
function unreadable(snapshot: ClusterSnapshot, kind: ObjectKind, namespace: string): UnreadableList | undefined {
  return unreadableLists(snapshot).find((l) => l.resource === RESOURCE[kind] && (l.namespace === undefined || l.namespace === namespace));
}

/**
 * An object that is not in the snapshot: "not found" (exit 2) when its kind was read, else "cannot tell"
 * (exit 3: the cluster would not tell us) — a forbidden list is not an empty one.
 */
function notFound(snapshot: ClusterSnapshot, kind: ObjectKind, namespace: string, name: string): Error {
  const refused = unreadable(snapshot, kind, namespace);
  if (refused) {
    const scope = refused.namespace ? `in namespace ${refused.namespace}` : 'in all namespaces';
    return new UnreachableError(`cannot tell whether ${kind.toLowerCase()} "${name}" exists: you may not list ${RESOURCE[kind]} ${scope} (${snapshot.source})`);
  }
  const where = `in namespace ${namespace} (${snapshot.source})`;
  const hints: string[] = [];
  const named = (o: { metadata: { name: string } }) => o.metadata.name === name;
  if (kind === 'Pod') {
    // "NS/NAME" means a pod; people often mean the workload or Service of that name
    for (const w of snapshot.workloads.filter(named)) if (namespaceOf(w) === namespace && !isSubordinate(w)) hints.push(`${namespace}/${SHORT[w.kind]}/${name}`);
    for (const s of snapshot.services.filter(named)) if (namespaceOf(s) === namespace) hints.push(`${namespace}/svc/${name}`);
  }
  if (hints.length === 0) {
    const same = (o: { kind?: string }) => o.kind === undefined || o.kind === kind;
    const candidates = kind === 'Pod' ? snapshot.pods : kind === 'Service' ? snapshot.services : snapshot.workloads.filter(same);
    const elsewhere = [...new Set(candidates.filter(named).map(namespaceOf))].filter((ns) => ns !== namespace);
    for (const ns of elsewhere.slice(0, 3)) hints.push(kind === 'Pod' ? `${ns}/${name}` : `${ns}/${SHORT[kind]}/${name}`);
  }
  return new UsageError(`${kind.toLowerCase()} "${name}" not found ${where}${hints.length ? `; did you mean ${hints.join(' or ')}?` : ''}`);
}

function sameIp(a: string, b: Ip | undefined): boolean {
  const x = parseIp(a);
  return x !== undefined && b !== undefined && x.family === b.family && x.value === b.value;
}

export type AddressOwner = { pod: Pod } | { service: Service; as: 'ClusterIP' | 'external IP' | 'load-balancer IP' };

/**
 * What an address is in the snapshot: the IP of a pod that has not finished, or (as a destination) a
 * Service's ClusterIP, external IP or load-balancer IP, which enforcement only ever sees after DNAT.
 */
export function addressOwner(snapshot: ClusterSnapshot, address: string, role: 'source' | 'destination'): AddressOwner | undefined {
  const ip = parseIp(address);
  const pod = snapshot.pods.find((p) => isActive(p) && [p.status?.podIP, ...(p.status?.podIPs ?? []).map((i) => i.ip)].some((a) => a !== undefined && sameIp(a, ip)));
  if (pod) return { pod };
  if (role === 'source') return undefined;
  for (const service of snapshot.services) {
    const spec = service.spec;
    if ([spec.clusterIP, ...(spec.clusterIPs ?? [])].some((a) => a !== undefined && a !== 'None' && sameIp(a, ip))) return { service, as: 'ClusterIP' };
    if ((spec.externalIPs ?? []).some((a) => sameIp(a, ip))) return { service, as: 'external IP' };
    if ((service.status?.loadBalancer?.ingress ?? []).some((i) => i.ip !== undefined && sameIp(i.ip, ip))) return { service, as: 'load-balancer IP' };
  }
  return undefined;
}

/**
 * Traffic from outside that reaches a Service through a node (NodePort, LoadBalancer) with
 * externalTrafficPolicy Cluster may be forwarded to a backend on another node, SNATed to the node's IP.
 */
export function snatCaveat(service: Service): string | undefined {
  const type = service.spec.type;
  if ((type !== 'LoadBalancer' && type !== 'NodePort') || service.spec.externalTrafficPolicy === 'Local') return undefined;
  return `service ${namespaceOf(service)}/${service.metadata.name} (${type}) has externalTrafficPolicy Cluster: traffic from outside the cluster may be SNATed to a node's IP on its way to a backend, so the backends' ipBlock rules see that node, not the client (externalTrafficPolicy Local keeps the client's address)`;
}

/** Link-local and loopback addresses (the metadata service among them) are never a pod's or a Service's. */
const NEVER_IN_CLUSTER = ['169.254.0.0/16', '127.0.0.0/8', 'fe80::/10', '::1/128'].map((c) => parseCidr(c)!);

function resolveAddress(snapshot: ClusterSnapshot, spec: EndpointSpec & { kind: 'ip' }, role: 'source' | 'destination'): ResolvedEndpoint {
  const plain: ResolvedEndpoint = { input: spec.input, kind: 'ip', ip: spec.ip, pods: [], fromTemplate: false };
  const owner = addressOwner(snapshot, spec.ip, role);
  if (!owner) {
    // a forbidden list is not an empty one: the address may be a pod or a Service we were not shown
    const refused = unreadableLists(snapshot).filter((l) => l.resource === 'pods' || (role === 'destination' && l.resource === 'services'));
    if (refused.length > 0 && !NEVER_IN_CLUSTER.some((c) => cidrContains(c, parseIp(spec.ip)!))) {
      const what = refused.map((l) => `${l.resource} ${l.namespace ? `in namespace ${l.namespace}` : 'in all namespaces'}`).join(', ');
      throw new UnreachableError(`cannot tell what ${spec.input} is: it may be a pod's${role === 'destination' ? " or a Service's" : ''} address, and you may not list ${what} (${snapshot.source}); ask for list access there`);
    }
    return plain;
  }
  if ('pod' in owner) {
    const view = podView(owner.pod);
    return {
      input: spec.input,
      kind: 'Pod',
      namespace: view.namespace,
      name: view.name,
      ip: spec.ip,
      pods: [view],
      fromTemplate: false,
      notes: [`${spec.input} is the IP of pod ${podName(view)}: judged as that pod, as enforcement sees it`],
    };
  }
  const service = owner.service;
  const name = `${namespaceOf(service)}/${service.metadata.name}`;
  if (!service.spec.selector || Object.keys(service.spec.selector).length === 0) {
    throw new UnreachableError(
      `cannot tell: ${spec.input} is the ${owner.as} of service ${name}, which has no selector: policies judge its traffic after DNAT at its endpoints, which are unknown; name the endpoint address instead`,
    );
  }
  const backends = serviceBackends(snapshot, service);
  const caveat = owner.as === 'ClusterIP' ? undefined : snatCaveat(service);
  return {
    input: spec.input,
    kind: 'Service',
    namespace: namespaceOf(service),
    name: service.metadata.name,
    ip: spec.ip,
    service,
    ...backends,
    notes: [`${spec.input} is the ${owner.as} of service ${name}: judged at its backend pods after DNAT, as enforcement sees it`, ...(backends.notes ?? []), ...(caveat ? [caveat] : [])],
  };
}

/**
 * Finds what an endpoint names and the pods behind it. Missing objects are a UsageError naming where we
 * looked. An ip: that is a pod's (or, as a destination, a Service's) address is that pod or Service.
 */
export function resolveEndpoint(snapshot: ClusterSnapshot, spec: EndpointSpec, defaultNamespace: string, role: 'source' | 'destination' = 'destination'): ResolvedEndpoint {
  if (spec.kind === 'ip' && spec.dns !== undefined) {
    if (role === 'source') throw new UsageError(`${spec.input}: a DNS name can only be the destination`);
    return { input: spec.input, kind: 'ip', dns: spec.dns, pods: [], fromTemplate: false };
  }
  if (spec.kind === 'ip') return resolveAddress(snapshot, spec, role);
  const namespace = spec.namespace ?? defaultNamespace;
  const base = { input: spec.input, kind: spec.kind, namespace, name: spec.name };
  if (spec.kind === 'Pod') {
    const pod = snapshot.pods.find((p) => p.metadata.name === spec.name && namespaceOf(p) === namespace);
    if (!pod) throw notFound(snapshot, 'Pod', namespace, spec.name);
    return { ...base, pods: [podView(pod)], fromTemplate: false };
  }
  if (spec.kind === 'Service') {
    const service = snapshot.services.find((s) => s.metadata.name === spec.name && namespaceOf(s) === namespace);
    if (!service) throw notFound(snapshot, 'Service', namespace, spec.name);
    const backends = serviceBackends(snapshot, service);
    return { ...base, service, ...backends };
  }
  const workload = snapshot.workloads.find((w) => w.kind === spec.kind && w.metadata.name === spec.name && namespaceOf(w) === namespace);
  if (!workload) throw notFound(snapshot, spec.kind, namespace, spec.name);
  const pods = podsOfWorkload(snapshot, workload);
  return pods.length > 0 ? { ...base, pods: pods.map(podView), fromTemplate: false } : { ...base, pods: [templateView(workload)], fromTemplate: true };
}

/** A Service's backends: running pods its selector matches, else the templates of workloads whose pods it would match. */
export function serviceBackends(snapshot: ClusterSnapshot, service: Service): { pods: PodView[]; fromTemplate: boolean; notes?: string[] } {
  const ns = namespaceOf(service);
  const name = `${ns}/${service.metadata.name}`;
  const selector = service.spec.selector;
  if (!selector || Object.keys(selector).length === 0) {
    throw new UsageError(`service ${name} has no selector (its endpoints are managed by hand), so its backend pods are unknown; name the pods instead`);
  }
  const matches = compileSelector({ matchLabels: selector });
  // EndpointSlice semantics: a selected pod is a backend once it has an IP and until it finishes; one
  // that is not ready is listed with ready=false and gets no traffic until it is
  const notes: string[] = [];
  const pods: Pod[] = [];
  for (const p of snapshot.pods) {
    if (namespaceOf(p) !== ns || !matches(p.metadata.labels ?? {})) continue;
    const why = notBackend(p);
    if (why === undefined) pods.push(p);
    // finished pods (completed Jobs' leftovers) are not worth a line each
    else if (isActive(p)) notes.push(`${ns}/${p.metadata.name} matches service ${name} but is not a backend: ${why}`);
  }
  for (const p of pods) {
    if (isReady(p) === false) notes.push(`${ns}/${p.metadata.name} is not ready: service ${name} sends it traffic only once it is (verdicts for it apply from then)`);
  }
  const withNotes = notes.length > 0 ? { notes } : {};
  if (pods.length > 0) return { pods: pods.map(podView), fromTemplate: false, ...withNotes };
  const templates = snapshot.workloads.filter(
    (w) => namespaceOf(w) === ns && !isSubordinate(w) && matches(w.spec.template.metadata?.labels ?? {}),
  );
  if (templates.length > 0) return { pods: templates.map(templateView), fromTemplate: true, ...withNotes };
  const refused = (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'] as const).filter((k) => unreadable(snapshot, k, ns));
  if (refused.length > 0) {
    throw new UnreachableError(`cannot tell which pods service ${name} selects: none runs, and you may not list ${refused.map((k) => RESOURCE[k]).join(', ')} in namespace ${ns} to find their templates (${snapshot.source})`);
  }
  throw new UsageError(`service ${name} selects no pods and no workload template in namespace ${ns} (selector ${Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(',')})`);
}

/** ReplicaSets run by a Deployment and Jobs run by a CronJob stand for their owner, not for themselves. */
function isSubordinate(w: Workload): boolean {
  return (w.kind === 'ReplicaSet' || w.kind === 'Job') && controllerOf(w.metadata) !== undefined;
}

/**
 * Every endpoint a matrix covers in the given namespaces (all when undefined): running pods, plus the
 * pod template of each workload that has none running (manifests usually hold Deployments, not Pods).
 */
export function clusterPods(snapshot: ClusterSnapshot, namespaces?: string[]): PodView[] {
  const wanted = namespaces ? new Set(namespaces) : undefined;
  const inScope = (o: { metadata: { namespace?: string } }) => !wanted || wanted.has(namespaceOf(o));
  const ownership = new Ownership(snapshot);
  const out = snapshot.pods.filter((p) => inScope(p) && isActive(p)).map(podView);
  const taken = new Set(out.map((p) => `${p.namespace}/${p.name}`));
  for (const w of snapshot.workloads) {
    if (!inScope(w) || isSubordinate(w)) continue;
    if (ownership.podsOf(w).length > 0) continue;
    const view = templateView(w);
    // a template shares the NS/NAME namespace with pods; a clash is disambiguated by kind
    const key = `${view.namespace}/${view.name}`;
    out.push(taken.has(key) ? { ...view, name: `${w.kind.toLowerCase()}/${w.metadata.name}` } : view);
    taken.add(key);
  }
  return out.sort((a, b) => (a.namespace === b.namespace ? (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) : a.namespace < b.namespace ? -1 : 1));
}

/** `[NAMESPACE/]networkpolicy/NAME` (also netpol, networkpolicies); undefined when the text names something else. */
export function parsePolicyRef(text: string): { namespace?: string; name: string } | undefined {
  const parts = text.trim().split('/');
  const isPolicy = (w: string) => ['networkpolicy', 'networkpolicies', 'netpol', 'netpols'].includes(w.toLowerCase());
  if (parts.length === 2 && isPolicy(parts[0]) && parts[1]) return { name: parts[1] };
  if (parts.length === 3 && isPolicy(parts[1]) && parts[0] && parts[2]) return { namespace: parts[0], name: parts[2] };
  return undefined;
}

/**
 * The matrix's --external addresses as enforcement sees them: one that is a pod's IP is that pod, one
 * that is a Service's address is its backend pods (after DNAT); the rest stay outside the cluster.
 */
export function resolveExternals(snapshot: ClusterSnapshot, externals: string[], pods: PodView[]): { pods: PodView[]; externals: string[]; notes: string[] } {
  const out = [...pods];
  const known = new Set(pods.map(podName));
  const add = (view: PodView) => {
    if (!known.has(podName(view))) out.push(view);
    known.add(podName(view));
  };
  const kept: string[] = [];
  const notes: string[] = [];
  for (const ip of externals) {
    const owner = addressOwner(snapshot, ip, 'destination');
    if (!owner) kept.push(ip);
    else if ('pod' in owner) {
      const view = podView(owner.pod);
      add(view);
      notes.push(`--external ${ip} is the IP of pod ${podName(view)}: judged as that pod`);
    } else {
      const name = `${namespaceOf(owner.service)}/${owner.service.metadata.name}`;
      if (!owner.service.spec.selector || Object.keys(owner.service.spec.selector).length === 0) {
        throw new UnreachableError(`cannot tell: --external ${ip} is the ${owner.as} of service ${name}, which has no selector: its endpoints after DNAT are unknown`);
      }
      const backends = serviceBackends(snapshot, owner.service);
      backends.pods.forEach(add);
      notes.push(`--external ${ip} is the ${owner.as} of service ${name}: judged at its backend pods after DNAT (${backends.pods.map(podName).join(', ')})`);
      const caveat = owner.as === 'ClusterIP' ? undefined : snatCaveat(owner.service);
      if (caveat) notes.push(caveat);
    }
  }
  return { pods: out, externals: kept, notes };
}
