// Reverse questions: `can-reach --to X` (who can reach X) and `can-reach --from X` (what X can reach).
// Every workload in scope is asked the can-reach question once per class of equivalent pods; addresses
// outside the cluster are read off the rules (ipBlocks and rules without peers). Pure.
import { UsageError } from '../errors.js';
import { canReach, type PortRequest } from './can-reach.js';
import type { NetworkPolicyPort } from '../model/k8s.js';
import type { CompiledPolicy, PolicyEngine } from './engine.js';
import { summarize, type EndpointSummary } from './can-reach.js';
import type { ResolvedEndpoint } from './endpoints.js';
import { decidingText } from './expectations.js';
import { equivalenceKey, ipBlocksOf } from './matrix.js';
import { portMatches } from './engine.js';
import { declaredPort, podName, type Direction, type PodView } from './types.js';

export interface ReachEntry {
  /** NS/KIND/NAME of the workload (pod/NAME for bare pods) */
  workload: string;
  pods: string[];
  /** the ports allowed, as asked (Service ports for Services), e.g. "TCP 443" */
  ports: string[];
  /** one line: the policies and rules that allow it */
  via: string;
}

export interface ExternalEntry {
  /** a CIDR (minus its exceptions), or "any address" */
  range: string;
  ports: string;
  via: string;
}

export interface ReverseResult {
  direction: 'to' | 'from';
  endpoint: EndpointSummary;
  /** workloads that can reach the endpoint (--to) or that it can reach (--from) */
  reachable: ReachEntry[];
  /** how many workloads were asked */
  asked: number;
  externals: ExternalEntry[];
  notes: string[];
}

const SHORT: Record<string, string> = { deployment: 'deploy', statefulset: 'sts', daemonset: 'ds', replicaset: 'rs' };

/**
 * @param candidates the pods to ask about (clusterPods of the scope), with the workload each belongs to
 */
export function reverseReach(
  engine: PolicyEngine,
  endpoint: ResolvedEndpoint,
  direction: 'to' | 'from',
  candidates: { pod: PodView; owner: string }[],
  request: PortRequest,
): ReverseResult {
  if (endpoint.kind === 'ip') throw new UsageError(`${endpoint.input} is an address outside the cluster: ask about a workload, pod or Service`);
  const own = new Set(endpoint.pods.map(podName));
  const blocks = ipBlocksOf(engine.policies);
  const classes = new Map<string, { pods: PodView[]; workloads: Map<string, string[]> }>();
  for (const { pod, owner } of candidates) {
    if (own.has(podName(pod))) continue;
    const key = equivalenceKey(pod, blocks);
    const c = classes.get(key) ?? { pods: [], workloads: new Map<string, string[]>() };
    c.pods.push(pod);
    const [kind, ...rest] = owner.split('/');
    const workload = `${pod.namespace}/${SHORT[kind] ?? kind}/${rest.join('/')}`;
    c.workloads.set(workload, [...(c.workloads.get(workload) ?? []), podName(pod)]);
    classes.set(key, c);
  }
  const notes: string[] = [];
  const entries = new Map<string, ReachEntry>();
  let asked = 0;
  for (const c of classes.values()) {
    asked += c.workloads.size;
    const rep = c.pods[0];
    const other: ResolvedEndpoint = { input: podName(rep), kind: 'Pod', namespace: rep.namespace, name: rep.name, pods: [rep], fromTemplate: rep.template !== undefined };
    let result;
    try {
      result = direction === 'to' ? canReach(engine, other, endpoint, request) : canReach(engine, endpoint, other, request);
    } catch (err) {
      // a destination that declares none of the asked ports is simply not reachable on them
      if (err instanceof UsageError && direction === 'from') continue;
      throw err;
    }
    const allowed = result.connections.filter((g) => g.allowed);
    if (allowed.length === 0) continue;
    const ports = [...new Set(allowed.map((g) => (typeof g.port === 'number' ? `${g.protocol} ${g.port}` : `${g.protocol} port ${g.port}`)))];
    for (const [workload, pods] of c.workloads) {
      const existing = entries.get(workload);
      if (existing) {
        existing.pods.push(...pods);
        for (const p of ports) if (!existing.ports.includes(p)) existing.ports.push(p);
      } else entries.set(workload, { workload, pods: [...pods], ports: [...ports], via: decidingText(allowed[0]) });
    }
  }
  const reachable = [...entries.values()].sort((a, b) => (a.workload < b.workload ? -1 : a.workload > b.workload ? 1 : 0));
  const externals = externalRanges(engine, endpoint.pods, direction === 'to' ? 'ingress' : 'egress', direction === 'to' ? backendRequest(endpoint, request) : request);
  if (endpoint.fromTemplate) notes.push(`${endpoint.input} has no running pods: evaluated with its pod template labels`);
  for (const n of engine.ignored) notes.push(`${n.object} is ${n.reason}`);
  if (engine.choice) notes.push(`engine: ${engine.choice.text}`, ...(engine.choice.assumption ? [engine.choice.assumption] : []));
  return { direction, endpoint: summarize(endpoint), reachable, asked, externals, notes };
}

/** Addresses outside the cluster a side admits: everything when not isolated, else its rules' ipBlocks and peerless rules. */
export function externalRanges(engine: PolicyEngine, pods: PodView[], direction: Direction, request: PortRequest): ExternalEntry[] {
  const out = new Map<string, ExternalEntry>();
  for (const pod of pods) {
    const policies = engine.policiesSelecting(pod, direction);
    if (policies.length === 0) {
      out.set('*', { range: 'any address', ports: 'any port', via: `${direction} of ${podName(pod)} is not isolated` });
      continue;
    }
    for (const policy of policies) addRules(out, policy, direction, pod, request);
  }
  return [...out.values()];
}

function addRules(out: Map<string, ExternalEntry>, policy: CompiledPolicy, direction: Direction, pod: PodView, request: PortRequest): void {
  for (const rule of policy[direction] ?? []) {
    const ports = rule.ports
      ? rule.ports.filter((p) => requestMatches(p, request, direction === 'ingress' ? pod : undefined))
      : undefined;
    if (ports && ports.length === 0) continue;
    const portText = ports ? ports.map((p) => `${p.protocol ?? 'TCP'} ${p.port ?? 'any'}${p.endPort ? `-${p.endPort}` : ''}`).join(', ') : 'any port';
    const via = `${policy.namespace}/${policy.name} ${direction} rule #${rule.index}`;
    const ranges = rule.peers
      ? rule.peers.filter((p) => p.ipBlock).map((p) => `${p.ipBlock!.cidr.text}${p.ipBlock!.except.length ? ` except ${p.ipBlock!.except.map((e) => e.text).join(', ')}` : ''}`)
      : ['any address'];
    for (const range of ranges) {
      const key = `${range}|${portText}`;
      if (!out.has(key)) out.set(key, { range, ports: portText, via });
    }
  }
}

/** Could this rule port carry the asked traffic? Without --port, any port counts; names resolve on the destination pod. */
function requestMatches(port: NetworkPolicyPort, request: PortRequest, destination: PodView | undefined): boolean {
  const protocol = port.protocol ?? 'TCP';
  if (request.protocol && protocol !== request.protocol) return false;
  if (request.port === undefined || port.port === undefined) return true;
  let asked = request.port;
  if (typeof asked === 'string' && destination) {
    const cp = declaredPort(destination, asked, protocol);
    if (cp) asked = cp.containerPort;
  }
  if (typeof asked === 'string') return port.port === asked;
  return portMatches(port, { port: asked, protocol }, destination?.ports);
}

/** The port a Service port question becomes at the backend pods (its targetPort). */
export function backendRequest(endpoint: ResolvedEndpoint, request: PortRequest): PortRequest {
  if (!endpoint.service || request.port === undefined) return request;
  const sp = (endpoint.service.spec.ports ?? []).find((p) => p.port === request.port || p.name === request.port);
  if (!sp) return request;
  return { port: sp.targetPort ?? sp.port, protocol: sp.protocol ?? 'TCP' };
}
