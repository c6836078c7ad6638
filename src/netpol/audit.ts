// `audit`: posture findings over a snapshot, each with a stable rule ID (docs/audit-rules.md). Pure:
// the report page calls auditSnapshot too. Verdicts are computed once per class of equivalent pods
// (matrix.ts), so auditing 10,000 pods costs about as much as loading them.
import type { ClusterSnapshot, LabelSelector, NetworkPolicyPort, PolicyObject, Protocol } from '../model/k8s.js';
import { formatSelector, labelsKey, type Labels } from '../model/selectors.js';
import { clusterPods } from './endpoints.js';
import { type CompiledPolicy, type CompiledRule, PolicyEngine } from './engine.js';
import { dnsEgress, dnsTarget, type DnsProtocol, type DnsTarget } from './explain.js';
import { equivalenceKey, ipBlocksOf } from './matrix.js';
import type { EngineChoice, EngineReport } from './engine-choice.js';
import type { CompiledExtraPolicy, CompiledRule as ExtraRule, PodPeer } from './kinds/common.js';
import { policyKindOf, policyObjectName, policyTitle } from './kinds/index.js';
import { ownerIndex } from './owners.js';
import { tierPolicies } from './tiers.js';
import { declaredPort, type Direction, type Peer, type PodView, type Traffic } from './types.js';

export type Severity = 'info' | 'warning' | 'error';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'error'];

export type AuditRuleId =
  | 'no-default-deny-ingress'
  | 'no-default-deny-egress'
  | 'dns-egress-blocked'
  | 'metadata-service-reachable'
  | 'allow-all'
  | 'selects-nothing'
  | 'peer-selects-nothing'
  | 'undeclared-named-port'
  | 'no-enforcing-engine'
  | 'policy-kind-not-enforced';

export interface AuditRule {
  id: AuditRuleId;
  severity: Severity;
  /** one line: what the rule looks for */
  summary: string;
  /** only a live cluster can tell (manifests say nothing about the network) */
  liveOnly?: boolean;
}

/** Every rule, in the order of docs/audit-rules.md. IDs are stable: scripts, --skip and annotations name them. */
export const AUDIT_RULES: readonly AuditRule[] = [
  { id: 'no-default-deny-ingress', severity: 'warning', summary: 'a namespace with pods, some of them not isolated for ingress' },
  { id: 'no-default-deny-egress', severity: 'warning', summary: 'a namespace with pods, some of them not isolated for egress' },
  { id: 'dns-egress-blocked', severity: 'error', summary: 'a pod isolated for egress with no allowed path to cluster DNS (UDP and TCP 53)' },
  { id: 'metadata-service-reachable', severity: 'error', summary: 'an egress policy lets a pod reach 169.254.169.254 (IMDS) or 168.63.129.16 (Azure platform)' },
  { id: 'allow-all', severity: 'warning', summary: 'a rule that allows every peer on every port' },
  { id: 'selects-nothing', severity: 'warning', summary: 'a policy whose podSelector (subject, endpointSelector, selector) matches no pod' },
  { id: 'peer-selects-nothing', severity: 'warning', summary: 'a rule peer whose selectors match no pod or no namespace' },
  { id: 'undeclared-named-port', severity: 'warning', summary: 'a named port that no pod the rule can apply to declares' },
  { id: 'no-enforcing-engine', severity: 'error', summary: 'policies exist but no engine enforces them', liveOnly: true },
  { id: 'policy-kind-not-enforced', severity: 'error', summary: 'a policy of a kind the enforcing engine (detected live, or --engine) ignores' },
];

/** `metadata.annotations[SKIP_ANNOTATION]` on a policy, pod, workload or namespace: comma-separated rule IDs, or "*". */
export const SKIP_ANNOTATION = 'kubectl-np.io/audit-skip';

/** Namespaces Kubernetes and AKS run their own components in: no default-deny is expected there. */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-public', 'kube-node-lease'];

export interface Finding {
  rule: AuditRuleId;
  severity: Severity;
  /** "" for findings about the whole cluster */
  namespace: string;
  /**
   * networkpolicy/NAME, another policy kind's (policyObjectName: adminnetworkpolicy/NAME,
   * networkpolicy.projectcalico.org/NAME…), pod/NAME, deployment/NAME (pods of a workload), namespace/NAME, or cluster
   */
  object: string;
  /** one line: the problem and the fix */
  message: string;
}

export interface AuditOptions {
  /** namespaces to audit; undefined = every namespace in the snapshot */
  namespaces?: string[];
  /** rule IDs not to report */
  skip?: string[];
  /**
   * Which engine's kinds count (chooseEngine: --engine, or detected live). Default: every kind, as for
   * manifests. policy-kind-not-enforced is checked only when an engine is named or detected;
   * no-enforcing-engine only when detection ran and found none or some.
   */
  engine?: EngineChoice;
  /** the snapshot's engine, when the caller compiled it already (with `engine`): compiled once */
  compiled?: PolicyEngine;
}

export interface AuditReport {
  findings: Finding[];
  /** the rules that were checked (not skipped, and answerable from this snapshot) */
  checked: AuditRuleId[];
  /** findings silenced by an annotation */
  silenced: number;
  /** what could not be checked, and why */
  notes: string[];
  /** the engine whose kinds were judged, when one was named or detected */
  engine?: EngineReport;
  /** NAMESPACE/OBJECT of workloads whose egress is isolated and whose DNS could be neither allowed nor blocked for certain */
  dnsUndecided: string[];
}

export function severityRank(s: Severity): number {
  return SEVERITIES.indexOf(s);
}

/** Findings at or above the --fail-on threshold: any makes `audit` exit 1. */
export function failingFindings(report: AuditReport, failOn: Severity): Finding[] {
  return report.findings.filter((f) => severityRank(f.severity) >= severityRank(failOn));
}

export function isAuditRuleId(id: string): id is AuditRuleId {
  return AUDIT_RULES.some((r) => r.id === id);
}

type CompiledPeer = NonNullable<CompiledRule['peers']>[number];

const RULES = new Map(AUDIT_RULES.map((r) => [r.id, r]));
const METADATA_TARGETS: { ip: string; what: string; traffic: Traffic[] }[] = [
  { ip: '169.254.169.254', what: 'IMDS, node credentials', traffic: [{ port: 80, protocol: 'TCP' }] },
  {
    ip: '168.63.129.16',
    what: 'Azure WireServer',
    traffic: [
      { port: 80, protocol: 'TCP' },
      { port: 32526, protocol: 'TCP' },
    ],
  },
];
const DNS_PROTOCOLS: readonly DnsProtocol[] = ['UDP', 'TCP'];

interface PodClass {
  representative: PodView;
  /** the objects its pods belong to (deployment/NAME, pod/NAME…), in order of appearance */
  objects: string[];
}

function listed(objects: string[], max = 3): string {
  return objects.length <= max ? objects.join(', ') : `${objects.slice(0, max).join(', ')} and ${objects.length - max} more`;
}

function ruleName(direction: Direction, rule: CompiledRule): string {
  return `${direction} rule #${rule.index}`;
}

export function auditSnapshot(snapshot: ClusterSnapshot, options: AuditOptions = {}): AuditReport {
  const skip = new Set(options.skip ?? []);
  const inScope = (ns: string) => !options.namespaces || options.namespaces.includes(ns);
  const choice = options.engine ?? {};
  const engine = options.compiled ?? new PolicyEngine(snapshot, choice);
  const findings: Finding[] = [];
  const notes: string[] = [];
  const basis = choice.report?.by;
  if (choice.report?.assumption && basis !== 'none') notes.push(choice.report.assumption);
  if (!skip.has('policy-kind-not-enforced') && !choice.notEnforced && (snapshot.policyObjects ?? []).length > 0) {
    notes.push(`policy-kind-not-enforced was not checked: ${basis === 'none' ? 'no engine runs (see no-enforcing-engine)' : basis === undefined ? 'manifests do not say which engine enforces them; pass --engine NAME' : 'the engine is not known; pass --engine NAME'}`);
  }
  const checked = AUDIT_RULES.filter(
    (r) =>
      !skip.has(r.id) &&
      (r.id !== 'no-enforcing-engine' || basis === 'none' || basis === 'detected') &&
      (r.id !== 'policy-kind-not-enforced' || choice.notEnforced !== undefined),
  ).map((r) => r.id);
  const wants = (id: AuditRuleId) => checked.includes(id);
  const add = (rule: AuditRuleId, namespace: string, object: string, message: string) =>
    findings.push({ rule, severity: RULES.get(rule)!.severity, namespace, object, message });

  const annotations = annotationIndex(snapshot);
  let silencedWorkloads = 0;
  const allPods = clusterPods(snapshot);
  const ownerOf = ownerIndex(snapshot);
  const blocks = ipBlocksOf(engine.policies, engine.extraCidrs);
  const isolation = isolationOf(engine, blocks);

  // pods by namespace, and classes of pods no policy can tell apart
  const podsByNamespace = new Map<string, PodView[]>();
  const classes = new Map<string, PodClass>();
  for (const pod of allPods) {
    const list = podsByNamespace.get(pod.namespace) ?? [];
    list.push(pod);
    podsByNamespace.set(pod.namespace, list);
    if (!inScope(pod.namespace)) continue;
    const key = equivalenceKey(pod, blocks);
    const object = ownerOf(pod);
    const c = classes.get(key);
    if (!c) classes.set(key, { representative: pod, objects: [object] });
    else if (!c.objects.includes(object)) c.objects.push(object);
  }
  // a live read scoped to namespaces (-n, or the context's) holds no other namespace's pods: claims about them wait for -A
  const podsRead = (ns: string) => snapshot.origin !== 'live' || inScope(ns);
  /** were all of this namespace's pods read: it was in the read's scope, and listing its pods was not refused */
  const podsListed = (ns: string) => podsRead(ns) && !(snapshot.unreadable ?? []).some((u) => u.resource === 'pods' && (u.namespace === undefined || u.namespace === ns));
  for (const ns of new Set([...engine.policies.map((p) => p.namespace)].filter(inScope))) {
    if (!podsListed(ns)) notes.push(`pods in namespace ${ns} could not be listed: selects-nothing, peer-selects-nothing and undeclared-named-port were not checked there`);
  }
  if (engine.namespaceLabelsUnknown) {
    // peerProblem and dnsEgress make no claim here: say so, or a clean report reads as a checked one
    const unread = snapshot.namespaces.map((n) => n.metadata.name).filter((ns) => !engine.namespaceLabelsKnown(ns));
    const which = unread.length > 0 ? `, and the labels of namespace${unread.length === 1 ? '' : 's'} ${unread.join(', ')} could not be read (get namespaces/NAME)` : '';
    notes.push(`namespaces could not be listed${which}: peer-selects-nothing did not check namespaceSelector peers, and no finding was drawn from namespace labels not seen; list namespaces would let audit see them`);
  }
  const someNamespaceUnlisted = snapshot.namespaces.some((n) => !podsListed(n.metadata.name));
  /** can pod-selecting rules be judged in this namespace: its pods are known and there are some */
  const podsKnown = (ns: string) => podsListed(ns) && (podsByNamespace.get(ns)?.length ?? 0) > 0;

  // --- cluster ---
  const others = (snapshot.policyObjects ?? []).filter((o) => policyKindOf(o.apiVersion, o.kind)).length;
  if (wants('no-enforcing-engine') && basis === 'none' && snapshot.networkPolicies.length + others > 0) {
    const n = snapshot.networkPolicies.length;
    const counted = [n ? `${n} ${n === 1 ? 'NetworkPolicy' : 'NetworkPolicies'}` : '', others ? `${others} other ${others === 1 ? 'policy' : 'policies'}` : ''].filter(Boolean).join(' and ');
    add(
      'no-enforcing-engine',
      '',
      'cluster',
      `${counted} exist in ${snapshot.source}, but no enforcement engine (Calico, Cilium, Azure NPM, Antrea…) runs: every connection is allowed whatever they say; enable network policy on the cluster (AKS: --network-policy azure|calico|cilium)${choice.report?.assumption ? ` (${choice.report.assumption})` : ''}`,
    );
  }

  if (wants('policy-kind-not-enforced')) {
    for (const object of snapshot.policyObjects ?? []) {
      const kind = policyKindOf(object.apiVersion, object.kind);
      const why = kind && choice.notEnforced!(kind.family);
      const ns = object.metadata.namespace ?? '';
      if (!why || (ns && !inScope(ns))) continue;
      add('policy-kind-not-enforced', ns, policyObjectName(object), `${policyTitle(object)} is not enforced: ${why}; its rules have no effect, so write them as a kind the engine enforces or change the engine`);
    }
  }

  // --- namespaces: isolation ---
  for (const direction of ['ingress', 'egress'] as const) {
    const id: AuditRuleId = direction === 'ingress' ? 'no-default-deny-ingress' : 'no-default-deny-egress';
    if (!wants(id)) continue;
    for (const [ns, pods] of [...podsByNamespace].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (!inScope(ns) || SYSTEM_NAMESPACES.includes(ns)) continue;
      const open: string[] = [];
      const all = new Set<string>();
      const excused = new Set<string>();
      for (const pod of pods) {
        const object = ownerOf(pod);
        all.add(object);
        if (open.includes(object) || isolation(pod, direction)) continue;
        // a workload annotated with this rule is open on purpose: it does not count against its namespace
        if (skips(annotations.get(`${ns}|${object}`), id)) excused.add(object);
        else open.push(object);
      }
      silencedWorkloads += excused.size;
      if (open.length === 0) continue;
      const what = direction === 'ingress' ? 'any pod or address can connect to them' : 'they can connect anywhere, including 169.254.169.254';
      add(
        id,
        ns,
        `namespace/${ns}`,
        `${open.length} of ${all.size} workloads are not isolated for ${direction} (${listed(open)}): ${what}; add a default-deny policy (podSelector: {}, policyTypes: [${direction === 'ingress' ? 'Ingress' : 'Egress'}])`,
      );
    }
  }

  // --- pods: DNS and the metadata service ---
  const dns = dnsTarget(snapshot);
  const dnsUndecided: string[] = [];
  for (const c of classes.values()) {
    const pod = c.representative;
    if (pod.hostNetwork || SYSTEM_NAMESPACES.includes(pod.namespace)) continue;
    const egressPolicies = engine.policiesSelecting(pod, 'egress');
    if (egressPolicies.length === 0 && !isolation(pod, 'egress')) continue;
    if (wants('dns-egress-blocked')) {
      // NetworkPolicies alone: judged as the explain warning and can-reach judge it; with other kinds, through
      // every tier (an AdminNetworkPolicy may allow DNS, a Calico Deny may block it); "unknown" is no finding
      const judged = DNS_PROTOCOLS.map((protocol) => ({ protocol, ...(engine.tiered ? tieredDnsEgress(engine, pod, dns, protocol, blocks.length > 0) : { verdict: dnsEgress(engine, egressPolicies, dns, protocol) }) }));
      const blocked = judged.filter((j) => j.verdict === 'denied');
      if (blocked.length === 0 && judged.some((j) => j.verdict === 'unknown')) dnsUndecided.push(...c.objects.map((o) => `${pod.namespace}/${o}`));
      if (blocked.length > 0) {
        const which = blocked.map((j) => `${j.protocol} 53`).join(' and ');
        const named = [...egressPolicies.map((p) => p.name), ...blocked.flatMap((j) => ('by' in j && j.by ? [j.by] : []))];
        // a Cilium policy isolating it decides by the union, with no single rule to name
        const by = [...new Set(named.length > 0 ? named : engine.extraPoliciesSelecting(pod, 'egress').map((p) => p.title))].join(', ');
        for (const object of c.objects) {
          add(
            'dns-egress-blocked',
            pod.namespace,
            object,
            `egress is isolated (${by}) and nothing allows ${which} to cluster DNS (${dns.namespace}, k8s-app=kube-dns): name lookups fail; allow egress to namespaceSelector kubernetes.io/metadata.name=${dns.namespace} + podSelector k8s-app=kube-dns on UDP and TCP 53`,
          );
        }
      }
    }
    if (wants('metadata-service-reachable')) {
      const through: string[] = [];
      for (const target of METADATA_TARGETS) {
        for (const traffic of target.traffic) {
          const side = engine.traceSide('egress', pod, { kind: 'ip', ip: target.ip }, traffic);
          if (!side.allowed) continue;
          const by = side.policies.filter((p) => p.allowed).map((p) => `${p.name} egress rule #${p.rule}`);
          // another kind's Allow (an AdminNetworkPolicy, a Calico rule) decided it
          if (side.decidedBy) by.push(`${side.decidedBy.policy} egress rule #${side.decidedBy.rule}${side.decidedBy.ruleName ? ` (${side.decidedBy.ruleName})` : ''}`);
          through.push(`${target.ip} (${target.what}) on ${traffic.protocol} ${traffic.port} through ${by.join(', ') || 'the policies selecting it'}`);
          break;
        }
      }
      if (through.length > 0) {
        for (const object of c.objects) {
          add(
            'metadata-service-reachable',
            pod.namespace,
            object,
            `can reach ${through.join('; ')}: add 169.254.169.254/32 and 168.63.129.16/32 to the ipBlock's except list, or name the destinations the pods need`,
          );
        }
      }
    }
  }

  // --- policies ---
  const podSets = labelSetsByNamespace(podsByNamespace);
  for (const policy of engine.policies) {
    if (!inScope(policy.namespace)) continue;
    const object = `networkpolicy/${policy.name}`;
    const selected = (podsByNamespace.get(policy.namespace) ?? []).filter((p) => policy.selects(p.labels));
    if (wants('selects-nothing') && podsKnown(policy.namespace) && selected.length === 0) {
      add(
        'selects-nothing',
        policy.namespace,
        object,
        `podSelector ${formatSelector(policy.policy.spec.podSelector) || '{}'} matches no pod or workload in namespace ${policy.namespace}, so the policy protects nothing: check the labels for a typo`,
      );
    }
    for (const direction of ['ingress', 'egress'] as const) {
      for (const rule of policy[direction] ?? []) {
        if (wants('allow-all') && !rule.peers && !rule.ports) {
          add(
            'allow-all',
            policy.namespace,
            object,
            `${ruleName(direction, rule)} allows every ${direction === 'ingress' ? 'source' : 'destination'} on every port, which overrides every other ${direction} policy on the pods it selects: list the peers and ports it should allow`,
          );
        }
        if (wants('peer-selects-nothing')) {
          (rule.peers ?? []).forEach((peer, i) => {
            const problem = peerProblem(engine, snapshot, policy, peer, podSets, podsKnown, podsListed);
            if (problem) add('peer-selects-nothing', policy.namespace, object, `${ruleName(direction, rule)}, peer #${i}: ${problem}`);
          });
        }
        if (wants('undeclared-named-port')) {
          const named = (rule.ports ?? []).filter((p): p is NetworkPolicyPort & { port: string } => typeof p.port === 'string');
          if (named.length === 0) continue;
          // named ports resolve on the destination: the selected pods for ingress, the peers' pods for egress
          // egress peers reaching namespaces whose pods were not read (or not all) may name a port declared there
          // (a peer without a namespaceSelector reaches the policy's own namespace, whose pod list may be the refused one)
          const reachesUnread =
            direction === 'egress' &&
            (!rule.peers ? someNamespaceUnlisted : rule.peers.some((p) => (p.namespaceMatch ? someNamespaceUnlisted : p.podMatch !== undefined && !podsListed(policy.namespace))));
          const destinations = direction === 'ingress' ? selected : reachesUnread ? undefined : egressDestinations(engine, policy, rule, allPods);
          if (destinations === undefined || destinations.length === 0) continue;
          if (direction === 'ingress' && !podsKnown(policy.namespace)) continue;
          for (const port of named) {
            const protocol: Protocol = port.protocol ?? 'TCP';
            if (destinations.some((d) => declaredPort(d, port.port, protocol))) continue;
            add(
              'undeclared-named-port',
              policy.namespace,
              object,
              `${ruleName(direction, rule)} names port "${port.port}" (${protocol}), which none of the ${destinations.length} ${direction === 'ingress' ? 'pods it selects' : 'pods it allows'} declares, so the port matches nothing: fix the name or use the port number`,
            );
          }
        }
      }
    }
  }

  // --- policies of the other kinds the engine enforces ---
  if (wants('selects-nothing') || wants('peer-selects-nothing') || wants('undeclared-named-port') || wants('allow-all')) {
    const judge: ExtraJudge = { engine, snapshot, podsByNamespace, allPods, podsKnown, podsListed, podsRead };
    if (options.namespaces && snapshot.origin === 'live' && engine.tiered) {
      notes.push(`cluster-wide policies and peers of other kinds were judged only where pods were read (namespace${options.namespaces.length === 1 ? '' : 's'} ${options.namespaces.join(', ')}); -A judges them across the cluster`);
    }
    for (const entry of extraPolicies(engine, snapshot)) {
      const { policy, object } = entry;
      const ns = policy.namespace ?? '';
      if (ns && !inScope(ns)) continue;
      const name = policyObjectName(object);
      const selected = selectedBy(judge, policy);
      if (wants('selects-nothing') && entry.first && selected && selected.pods.length === 0) {
        add('selects-nothing', ns, name, `${entry.set ? `${entry.set}: ` : ''}${subjectText(object, policy.ruleSet)} matches no pod or workload ${selected.where}, so the policy applies to nothing: check the labels for a typo`);
      }
      for (const direction of ['ingress', 'egress'] as const) {
        for (const rule of policy[direction] ?? []) {
          const label = `${entry.set ? `${entry.set} ` : ''}${direction}${rule.action === 'Deny' && policy.tier === 'cilium' ? 'Deny' : ''} rule #${rule.index}${rule.name ? ` (${rule.name})` : ''}`;
          if (wants('allow-all') && rule.allowsAll) {
            add('allow-all', ns, name, `${label} allows every ${direction === 'ingress' ? 'source' : 'destination'} on every port ${direction === 'ingress' ? 'to' : 'from'} the pods it selects: list the peers and ports it should allow`);
          }
          if (wants('peer-selects-nothing')) {
            for (const peer of rule.podPeers ?? []) {
              const problem = podPeerProblem(judge, peer);
              if (problem) add('peer-selects-nothing', ns, name, `${label}, peer ${peer.text}: ${problem}, so the rule matches nothing through it: check the labels for a typo`);
            }
          }
          if (wants('undeclared-named-port') && rule.namedPorts) {
            // named ports resolve on the destination: the selected pods for ingress, the peers' pods for egress
            const destinations = direction === 'ingress' ? selected?.pods : extraEgressDestinations(judge, rule);
            if (!destinations || destinations.length === 0) continue;
            for (const port of rule.namedPorts) {
              if (port.protocol && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) continue;
              if (destinations.some((d) => declaredPort(d, port.name, port.protocol))) continue;
              add(
                'undeclared-named-port',
                ns,
                name,
                `${label} names port "${port.name}" (${port.protocol ?? 'any protocol'}), which none of the ${destinations.length} ${direction === 'ingress' ? 'pods it selects' : 'pods it can reach'} declares, so the port matches nothing: fix the name or use the port number`,
              );
            }
          }
        }
      }
    }
  }

  if (dnsUndecided.length > 0) {
    notes.push(`dns-egress-blocked could not be decided for ${listed(dnsUndecided)}: whether DNS is allowed hangs on what could not be read (namespace labels, or the DNS pods' addresses)`);
  }
  const report = { ...silence(annotations, findings, checked, notes, silencedWorkloads), dnsUndecided };
  return choice.report ? { ...report, engine: choice.report } : report;
}

/**
 * A peer no policy means to name: a pod with no labels in a namespace that does not exist, on TCP port 1.
 * A side that denies it is in default deny, whichever kind put it there.
 */
const PROBE: Peer = { kind: 'pod', pod: { namespace: 'kubectl-np.audit.probe', name: 'probe', labels: {}, ips: [], ports: [], hostNetwork: false, serviceAccount: 'kubectl-np-audit-probe' } };
const PROBE_TRAFFIC: Traffic = { port: 1, protocol: 'TCP' };

/**
 * Is a pod isolated (in default deny) for a direction under the engine's kinds? A NetworkPolicy that selects
 * it, as before; with other kinds, the evaluator's own answer for the probe: a policy of step 3 selects it
 * (a Calico policy, whose tier ends in an implicit deny; a Cilium policy with a section for the direction),
 * or a rule denies the probe (an AdminNetworkPolicy or baseline deny-all, a Cilium deny, a Calico Deny).
 * Answered once per class of pods no policy can tell apart.
 */
export function isolationOf(engine: PolicyEngine, blocks = ipBlocksOf(engine.policies, engine.extraCidrs)): (pod: PodView, direction: Direction) => boolean {
  const memo = new Map<string, boolean>();
  return (pod, direction) => {
    if (engine.policiesSelecting(pod, direction).length > 0) return true;
    if (!engine.tiered || engine.isNode(pod)) return false;
    const key = `${direction}\u0000${equivalenceKey(pod, blocks)}`;
    let isolated = memo.get(key);
    if (isolated === undefined) {
      const outcome = engine.decideTiered(direction, pod, PROBE, PROBE_TRAFFIC);
      isolated = outcome.isolated || !outcome.allowed;
      memo.set(key, isolated);
    }
    return isolated;
  };
}

/**
 * DNS from a pod when other kinds take part: its egress side towards each DNS pod, through every tier.
 * Denied only when every DNS pod is denied for certain; unknown when a rule that cannot be decided could
 * change that, or when the DNS pods' IPs are not known and some rule compares addresses.
 */
/** `anyIpBlock`: some rule names addresses, so DNS reached by an IP not known here could be judged otherwise */
function tieredDnsEgress(engine: PolicyEngine, pod: PodView, dns: DnsTarget, protocol: DnsProtocol, anyIpBlock: boolean): { verdict: 'allowed' | 'denied' | 'unknown'; by?: string } {
  const targets = dns.targets[protocol].filter((t): t is { pod: PodView; traffic: Traffic } => t.traffic !== undefined);
  if (targets.length === 0) return { verdict: 'unknown' };
  let by: string | undefined;
  for (const t of targets) {
    const outcome = engine.decideTiered('egress', pod, { kind: 'pod', pod: t.pod }, t.traffic);
    if (outcome.allowed) return { verdict: 'allowed' };
    if (outcome.undecided.length > 0) return { verdict: 'unknown' };
    by ??= outcome.decidedBy?.policy;
  }
  if (dns.ips.length === 0 && anyIpBlock) return { verdict: 'unknown' };
  return { verdict: 'denied', by };
}

interface ExtraJudge {
  engine: PolicyEngine;
  snapshot: ClusterSnapshot;
  podsByNamespace: Map<string, PodView[]>;
  allPods: PodView[];
  podsKnown: (ns: string) => boolean;
  /** were all of this namespace's pods read (in the read's scope, and the list not refused) */
  podsListed: (ns: string) => boolean;
  /** were this namespace's pods read at all (a live read may be scoped to some namespaces) */
  podsRead: (ns: string) => boolean;
}

interface ExtraEntry {
  policy: CompiledExtraPolicy;
  object: PolicyObject;
  /** the rule set, as findings name it, of an object that holds several (Cilium `spec`, `specs[1]`) */
  set?: string;
  /** the first entry of its object and rule set (Cilium's deny and allow rules are two entries) */
  first: boolean;
}

/** The engine's compiled policies of the other kinds (only those the engine enforces), with the object each came from. */
function extraPolicies(engine: PolicyEngine, snapshot: ClusterSnapshot): ExtraEntry[] {
  const byTitle = new Map((snapshot.policyObjects ?? []).map((o) => [policyTitle(o), o]));
  const seen = new Set<string>();
  const out: ExtraEntry[] = [];
  for (const policy of tierPolicies(engine.tiers)) {
    const object = byTitle.get(policy.ruleSet?.objectTitle ?? policy.title);
    if (!object) continue;
    out.push({ policy, object, set: policy.ruleSet?.several ? policy.ruleSet.path : undefined, first: !seen.has(policy.title) });
    seen.add(policy.title);
  }
  return out.sort((a, b) => (a.policy.title < b.policy.title ? -1 : a.policy.title > b.policy.title ? 1 : 0));
}

/** Pods of every known namespace are known (for cluster-wide selectors): some were read, and no namespace's are missing. */
function clusterPodsKnown(j: ExtraJudge): boolean {
  return j.allPods.length > 0 && !(j.snapshot.unreadable ?? []).some((u) => u.resource === 'pods') && j.snapshot.namespaces.every((n) => j.podsRead(n.metadata.name));
}

function everywhere(j: ExtraJudge): string {
  return j.snapshot.origin !== 'live' ? 'in these manifests' : 'in the cluster';
}

/** The pods a policy of another kind selects, and where they were looked for; undefined when that cannot be told. */
function selectedBy(j: ExtraJudge, policy: CompiledExtraPolicy): { pods: PodView[]; where: string } | undefined {
  const ns = policy.namespace;
  if (ns ? !j.podsKnown(ns) : !clusterPodsKnown(j)) return undefined;
  const candidates = ns ? j.podsByNamespace.get(ns) ?? [] : j.allPods;
  const pods = candidates.filter((p) => policy.selects(p, j.engine.namespaceLabels(p.namespace)));
  // selection over namespace labels that could not be read: a pod may be selected after all
  if (pods.length === 0 && candidates.some((p) => !j.engine.namespaceLabelsKnown(p.namespace))) return undefined;
  return { pods, where: ns ? `in namespace ${ns}` : everywhere(j) };
}

/** Why a pod-selecting peer of another kind matches nothing, or undefined when it matches something or that cannot be told. */
function podPeerProblem(j: ExtraJudge, peer: PodPeer): string | undefined {
  const { engine, snapshot } = j;
  const manifests = snapshot.origin !== 'live';
  // manifests hold only the namespaces they mention: one named outright may exist in the cluster
  if (manifests && peer.byName && peer.namespace === undefined) return undefined;
  let namespaces: string[];
  if (peer.namespace !== undefined) namespaces = [peer.namespace];
  else {
    // without every namespace's labels the peer may select namespaces never read, or labels not seen: no claim
    if (engine.namespaceLabelsUnknown) return undefined;
    namespaces = [...new Set([...snapshot.namespaces.map((n) => n.metadata.name), ...j.podsByNamespace.keys()])];
    if (peer.namespaces) {
      namespaces = namespaces.filter((ns) => peer.namespaces!(ns, engine.namespaceLabels(ns)));
      if (namespaces.length === 0) return `its namespace selector matches no namespace${manifests ? ' in these manifests' : ''}`;
    }
  }
  if (peer.anyPod) return undefined;
  // judge only where the pods are known; a namespace that could not be read, or was not, may hold the match
  if (namespaces.some((ns) => !j.podsListed(ns))) return undefined;
  const known = namespaces.filter(j.podsKnown);
  if (known.length === 0) return undefined;
  if (known.some((ns) => (j.podsByNamespace.get(ns) ?? []).some((p) => peer.selects(p, engine.namespaceLabels(ns))))) return undefined;
  const where = peer.namespace !== undefined ? `namespace ${peer.namespace}` : peer.namespaces ? `namespaces ${listed(known)}` : everywhere(j).replace(/^in /, '');
  return `it matches no pod or workload in ${where}${peer.scoping ? ` (${peer.scoping})` : ''}`;
}

/** The pods an egress rule of another kind can reach through its pod peers (every pod when it names none); undefined when it only names addresses. */
function extraEgressDestinations(j: ExtraJudge, rule: ExtraRule): PodView[] | undefined {
  if (rule.anyPeer) return clusterPodsKnown(j) ? j.allPods : undefined;
  const peers = rule.podPeers ?? [];
  // a peer over namespace labels that could not be read may reach pods not counted
  if (peers.length === 0 || j.engine.namespaceLabelsUnknown) return undefined;
  // pods of namespaces not read, or not all, may declare the port
  if (!clusterPodsKnown(j) && peers.some((p) => p.namespace === undefined || !j.podsListed(p.namespace))) return undefined;
  return j.allPods.filter((p) => peers.some((peer) => peer.selects(p, j.engine.namespaceLabels(p.namespace))));
}

/** A policy object's subject as written (in the rule set compiled, where it holds several), for messages (the evaluator judges the compiled form). */
function subjectText(object: PolicyObject, ruleSet: CompiledExtraPolicy['ruleSet']): string {
  const spec = (ruleSet?.index !== undefined ? (object.specs as unknown[] | undefined)?.[ruleSet.index] : object.spec) as Record<string, unknown> | undefined;
  const selector = (x: unknown) => formatSelector(x as LabelSelector) || '{}';
  const kind = policyKindOf(object.apiVersion, object.kind)?.family;
  if (kind === 'CalicoNetworkPolicy' || kind === 'CalicoGlobalNetworkPolicy') {
    const parts = [`selector ${typeof spec?.selector === 'string' && spec.selector.trim() ? spec.selector : 'all()'}`];
    if (typeof spec?.namespaceSelector === 'string') parts.push(`namespaceSelector ${spec.namespaceSelector}`);
    if (typeof spec?.serviceAccountSelector === 'string') parts.push(`serviceAccountSelector ${spec.serviceAccountSelector}`);
    return parts.join(' with ');
  }
  if (kind === 'CiliumNetworkPolicy' || kind === 'CiliumClusterwideNetworkPolicy') return `endpointSelector ${selector(spec?.endpointSelector)}`;
  const subject = (spec?.subject ?? {}) as { namespaces?: unknown; pods?: { namespaceSelector?: unknown; podSelector?: unknown } };
  if (subject.pods) return `subject pods ${selector(subject.pods.podSelector)} in namespaces ${selector(subject.pods.namespaceSelector)}`;
  return `subject namespaces ${selector(subject.namespaces)}`;
}

/** Label sets of the pods in each namespace: a peer matches some pod iff it matches one of these. */
function labelSetsByNamespace(podsByNamespace: Map<string, PodView[]>): Map<string, Labels[]> {
  const out = new Map<string, Labels[]>();
  for (const [ns, pods] of podsByNamespace) {
    const seen = new Map<string, Labels>();
    for (const p of pods) seen.set(labelsKey(p.labels), p.labels);
    out.set(ns, [...seen.values()]);
  }
  return out;
}

/** Why a selector peer matches nothing, or undefined when it matches something or the snapshot cannot tell. */
function peerProblem(
  engine: PolicyEngine,
  snapshot: ClusterSnapshot,
  policy: CompiledPolicy,
  peer: CompiledPeer,
  podSets: Map<string, Labels[]>,
  podsKnown: (ns: string) => boolean,
  podsListed: (ns: string) => boolean,
): string | undefined {
  if (peer.ipBlock || peer.invalid) return undefined;
  let namespaces: string[];
  if (peer.namespaceMatch) {
    // without the namespace list the peer may select namespaces never read, or labels not seen: no claim
    if (engine.namespaceLabelsUnknown) return undefined;
    const selector = peer.spec.namespaceSelector!;
    namespaces = snapshot.namespaces.map((n) => n.metadata.name).filter((ns) => peer.namespaceMatch!(engine.namespaceLabels(ns)));
    if (namespaces.length === 0) {
      // manifests hold only the namespaces they mention: one named outright may exist in the cluster
      const byName = selector.matchLabels?.['kubernetes.io/metadata.name'];
      const manifests = snapshot.origin !== 'live';
      if (manifests && byName !== undefined) return undefined;
      return `namespaceSelector ${formatSelector(selector) || '{}'} matches no namespace${manifests ? ' in these manifests' : ''}, so the peer allows nothing: check the namespace labels for a typo`;
    }
  } else {
    namespaces = [policy.namespace];
  }
  const podSelector = peer.spec.podSelector;
  if (!podSelector || (Object.keys(podSelector.matchLabels ?? {}).length === 0 && (podSelector.matchExpressions ?? []).length === 0)) return undefined;
  // judge only where the pods are known; a namespace that could not be read may hold the match
  if (namespaces.some((ns) => !podsListed(ns))) return undefined;
  const known = namespaces.filter(podsKnown);
  if (known.length === 0) return undefined;
  if (known.some((ns) => (podSets.get(ns) ?? []).some((labels) => peer.podMatch!(labels)))) return undefined;
  const where = peer.namespaceMatch ? `namespaces ${listed(known)}` : `namespace ${policy.namespace}`;
  return `podSelector ${formatSelector(podSelector)} matches no pod or workload in ${where}, so the peer allows nothing: check the labels for a typo`;
}

/** The pods an egress rule's selector peers can reach (every pod when it has no peers); undefined when it only names addresses. */
function egressDestinations(engine: PolicyEngine, policy: CompiledPolicy, rule: CompiledRule, pods: PodView[]): PodView[] | undefined {
  if (!rule.peers) return pods;
  const selectors = rule.peers.filter((p) => !p.ipBlock && !p.invalid);
  if (selectors.length === 0) return undefined;
  return pods.filter((pod) => selectors.some((peer) => engine.peerMatches(peer, policy.namespace, { kind: 'pod', pod })));
}

/** Drops findings silenced by the annotation on their object, the pods' workload, or their namespace. */
/** The skip annotation of every object a finding can name, by "NAMESPACE|OBJECT". */
function annotationIndex(snapshot: ClusterSnapshot): Map<string, string> {
  const annotations = new Map<string, string>();
  const note = (ns: string, object: string, value: string | undefined) => {
    if (value !== undefined) annotations.set(`${ns}|${object}`, value);
  };
  for (const n of snapshot.namespaces) note(n.metadata.name, `namespace/${n.metadata.name}`, n.metadata.annotations?.[SKIP_ANNOTATION]);
  for (const p of snapshot.networkPolicies) note(p.metadata.namespace ?? 'default', `networkpolicy/${p.metadata.name}`, p.metadata.annotations?.[SKIP_ANNOTATION]);
  for (const p of snapshot.pods) note(p.metadata.namespace ?? 'default', `pod/${p.metadata.name}`, p.metadata.annotations?.[SKIP_ANNOTATION]);
  for (const o of snapshot.policyObjects ?? []) {
    // a namespaced kind written without a namespace is in default, as the evaluator reads it
    const ns = o.metadata.namespace ?? (policyKindOf(o.apiVersion, o.kind)?.namespaced ? 'default' : '');
    note(ns, policyObjectName(o), o.metadata.annotations?.[SKIP_ANNOTATION]);
  }
  for (const w of snapshot.workloads) {
    const value = w.metadata.annotations?.[SKIP_ANNOTATION] ?? w.spec.template.metadata?.annotations?.[SKIP_ANNOTATION];
    note(w.metadata.namespace ?? 'default', `${w.kind.toLowerCase()}/${w.metadata.name}`, value);
  }
  return annotations;
}

function skips(value: string | undefined, rule: string): boolean {
  return value !== undefined && value.split(',').some((s) => s.trim() === rule || s.trim() === '*');
}

/** Drops findings silenced by the annotation on their object or their namespace, and sorts the rest. */
function silence(annotations: Map<string, string>, findings: Finding[], checked: AuditRuleId[], notes: string[], silencedBefore: number): Omit<AuditReport, 'dnsUndecided'> {
  const kept = findings.filter(
    (f) => !skips(annotations.get(`${f.namespace}|${f.object}`), f.rule) && !skips(annotations.get(`${f.namespace}|namespace/${f.namespace}`), f.rule),
  );
  kept.sort(
    (a, b) =>
      (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0) ||
      severityRank(b.severity) - severityRank(a.severity) ||
      AUDIT_RULES.findIndex((r) => r.id === a.rule) - AUDIT_RULES.findIndex((r) => r.id === b.rule) ||
      (a.object < b.object ? -1 : a.object > b.object ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
  return { findings: kept, checked, silenced: silencedBefore + findings.length - kept.length, notes };
}
