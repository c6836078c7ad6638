// `whoami --as-pod`: a workload's identity instead of mine — its service account, the Entra workload
// identity that account federates to, what RBAC gives it, and which NetworkPolicies select the pod.
import type { ClusterSnapshot, Pod, PodSpec, Workload } from '../model/k8s.js';
import { PolicyEngine } from '../netpol/engine.js';
import type { EngineChoice, EngineReport } from '../netpol/engine-choice.js';
import { describeSubject as describePolicySubject } from '../netpol/describe.js';
import { parseEndpoint, podsOfWorkload, type EndpointSpec } from '../netpol/endpoints.js';
import { podView, templateView } from '../netpol/views.js';
import type { CompiledExtraPolicy } from '../netpol/kinds/common.js';
import type { NotEvaluated, PodView } from '../netpol/types.js';
import { serviceAccountUser } from '../rbac/subjects.js';
import type { RbacObjects, UserInfo } from '../rbac/types.js';
import { UsageError } from '../errors.js';
import { bindingsReport, type WhoamiBinding } from './bindings.js';

/** Azure Workload Identity: the SA annotation names the Entra app; the pod label opts the pod in to token injection. */
export const WI_CLIENT_ID = 'azure.workload.identity/client-id';
export const WI_TENANT_ID = 'azure.workload.identity/tenant-id';
export const WI_USE_LABEL = 'azure.workload.identity/use';

export interface WorkloadIdentity {
  clientId?: string;
  tenantId?: string;
  /** the pod carries azure.workload.identity/use=true, so the webhook injects the federated token */
  podOptedIn: boolean;
  /** what is missing for the pod to get an Entra token, when something is */
  problem?: string;
}

export interface PodIdentityReport {
  context: string;
  /** pods: a workload's running pods that were read, the first one shown (none: its pod template is) */
  target: { kind: string; namespace: string; name: string; fromTemplate: boolean; pods?: string[] };
  serviceAccount: { namespace: string; name: string; found: boolean; annotations?: Record<string, string> };
  /** the identity the API server gives the pod's token */
  user: UserInfo;
  workloadIdentity?: WorkloadIdentity;
  bindings: WhoamiBinding[];
  rbacGaps: string[];
  /**
   * Every policy selecting it, of every kind the engine evaluates: NetworkPolicies first (no `kind`), then the
   * others in the order they are consulted (`kind` set, `namespace` empty for cluster-scoped ones)
   */
  networkPolicies: { kind?: string; namespace: string; name: string; directions: ('ingress' | 'egress')[]; appliesTo: string }[];
  /**
   * policy objects read but not evaluated that may select it (can-reach's answers about it are "cannot tell"),
   * then the policies (and unread lists) of kinds the engine does not enforce that would select it (ignored, as
   * can-reach ignores them); `mayDecide` tells the two apart
   */
  notEvaluated?: PodNotEvaluated[];
  /** how many other policies (or lists) of kinds the engine does not enforce were read: they would not select it */
  ignoredNotSelecting?: number;
  /** which engine's kinds count, as can-reach says it */
  engine?: EngineReport;
  notes: string[];
}

/** A policy object (or list) not evaluated, and whether it may decide the pod's traffic. */
export interface PodNotEvaluated extends NotEvaluated {
  /** true: it may select the pod and was not evaluated, so verdicts about the pod cannot be told; false: its kind is not enforced, it changes nothing */
  mayDecide: boolean;
}

interface Target {
  kind: string;
  namespace: string;
  name: string;
  spec: PodSpec;
  labels: Record<string, string>;
  view: PodView;
  fromTemplate: boolean;
  pods?: Pod[];
}

// labels every pod of a workload carries with its own value: not a difference in identity
const PER_POD_LABELS = ['pod-template-hash', 'controller-revision-hash', 'statefulset.kubernetes.io/pod-name', 'apps.kubernetes.io/pod-index', 'batch.kubernetes.io/controller-uid', 'controller-uid', 'batch.kubernetes.io/job-name', 'job-name'];

function identityKey(pod: Pod): string {
  const labels = Object.entries(pod.metadata.labels ?? {}).filter(([k]) => !PER_POD_LABELS.includes(k)).sort(([a], [b]) => a.localeCompare(b));
  return JSON.stringify([pod.spec.serviceAccountName || 'default', labels]);
}

/** The --as-pod argument: [NAMESPACE/]pod/NAME, NAMESPACE/NAME, NAME or a workload; never a Service or address. */
export function parseAsPod(input: string): Exclude<EndpointSpec, { kind: 'ip' }> {
  const spec = parseEndpoint(input);
  if (spec.kind === 'ip' || spec.kind === 'Service') {
    throw new UsageError(`--as-pod takes a pod or a workload (pod/NAME, deploy/NAME, …), not ${input}`);
  }
  return spec;
}

function findTarget(snapshot: ClusterSnapshot, input: string, defaultNamespace: string): Target {
  const spec = parseAsPod(input);
  const namespace = spec.namespace ?? defaultNamespace;
  if (spec.kind === 'Pod') {
    const pod: Pod | undefined = snapshot.pods.find((p) => p.metadata.name === spec.name && (p.metadata.namespace ?? 'default') === namespace);
    if (!pod) throw new UsageError(`pod ${namespace}/${spec.name} not found`);
    return { kind: 'Pod', namespace, name: spec.name, spec: pod.spec, labels: pod.metadata.labels ?? {}, view: podView(pod), fromTemplate: false };
  }
  const workload: Workload | undefined = snapshot.workloads.find((w) => w.kind === spec.kind && w.metadata.name === spec.name && (w.metadata.namespace ?? 'default') === namespace);
  if (!workload) throw new UsageError(`${spec.kind} ${namespace}/${spec.name} not found`);
  // the pods it runs are what the API server and the policies see; the template only stands in for them
  const pods = podsOfWorkload(snapshot, workload).sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
  if (pods.length > 0) {
    const pod = pods[0];
    return { kind: workload.kind, namespace, name: spec.name, spec: pod.spec, labels: pod.metadata.labels ?? {}, view: podView(pod), fromTemplate: false, pods };
  }
  return {
    kind: workload.kind,
    namespace,
    name: spec.name,
    spec: workload.spec.template.spec,
    labels: workload.spec.template.metadata?.labels ?? {},
    view: templateView(workload),
    fromTemplate: true,
  };
}

/** Where a policy of another kind sits: "tier admin, priority 10", "Calico tier default, order 100", "Cilium". */
function tierText(p: CompiledExtraPolicy): string {
  if (p.tier === 'admin' || p.tier === 'baseline') return `tier ${p.tier}${p.priority !== undefined ? `, priority ${p.priority}` : ''}`;
  if (p.tier === 'cilium') return 'Cilium: deny rules first, allow rules unioned with NetworkPolicies';
  return `Calico tier ${p.tier ?? 'default'}${p.priority !== undefined ? `, order ${p.priority}` : ''}`;
}

function workloadIdentityOf(annotations: Record<string, string>, labels: Record<string, string>): WorkloadIdentity | undefined {
  const clientId = annotations[WI_CLIENT_ID];
  const tenantId = annotations[WI_TENANT_ID];
  const podOptedIn = labels[WI_USE_LABEL] === 'true';
  if (!clientId && !podOptedIn) return undefined;
  const problem = !podOptedIn
    ? `the pod lacks the label ${WI_USE_LABEL}: "true", so no Entra token is injected`
    : !clientId
      ? `the service account lacks the annotation ${WI_CLIENT_ID}; the workload must set AZURE_CLIENT_ID itself`
      : undefined;
  return { ...(clientId ? { clientId } : {}), ...(tenantId ? { tenantId } : {}), podOptedIn, ...(problem ? { problem } : {}) };
}

/** Pure: the pod identity report from a snapshot of the pod's namespace and the cluster's RBAC objects. */
export function podIdentity(snapshot: ClusterSnapshot, rbac: { rbac: RbacObjects; gaps: string[] }, input: string, defaultNamespace: string, choice: EngineChoice = {}): PodIdentityReport {
  const target = findTarget(snapshot, input, defaultNamespace);
  const saName = target.spec.serviceAccountName || 'default';
  const sa = snapshot.serviceAccounts.find((s) => s.metadata.name === saName && (s.metadata.namespace ?? 'default') === target.namespace);
  const annotations = sa?.metadata.annotations ?? {};
  const user = serviceAccountUser(target.namespace, saName);
  const notes: string[] = [];
  if (!sa) notes.push(`service account ${target.namespace}/${saName} was not found (or could not be read)`);
  if (target.fromTemplate) notes.push(`no pod of ${target.kind} ${target.name} was read: showing its pod template`);
  if (target.pods && new Set(target.pods.map(identityKey)).size > 1) {
    notes.push(`the pods of ${target.kind} ${target.name} differ in service account or labels (a rollout?): showing pod ${target.pods[0].metadata.name}`);
  }

  const engine = new PolicyEngine(snapshot, choice);
  const byName = new Map<string, PodIdentityReport['networkPolicies'][number]>();
  for (const direction of ['ingress', 'egress'] as const) {
    for (const p of engine.policiesSelecting(target.view, direction)) {
      const key = `${p.namespace}/${p.name}`;
      const entry = byName.get(key) ?? { namespace: p.namespace, name: p.name, directions: [], appliesTo: describePolicySubject(p.policy) };
      entry.directions.push(direction);
      byName.set(key, entry);
    }
  }
  // the other kinds, through the same engine can-reach asks
  for (const direction of ['ingress', 'egress'] as const) {
    for (const p of engine.extraPoliciesSelecting(target.view, direction)) {
      const key = p.title;
      const entry = byName.get(key) ?? { kind: p.title.startsWith('Calico ') ? `Calico ${p.kind}` : p.kind, namespace: p.namespace ?? '', name: p.name, directions: [], appliesTo: tierText(p) };
      entry.directions.push(direction);
      byName.set(key, entry);
    }
  }
  const ignored = engine.ignoredFor(target.view);
  const notEvaluated: PodNotEvaluated[] = [...engine.notEvaluatedFor(target.view).map((n) => ({ ...n, mayDecide: true })), ...ignored.selecting.map((n) => ({ ...n, mayDecide: false }))];
  const workloadIdentity = workloadIdentityOf(annotations, target.labels);
  return {
    context: snapshot.source,
    target: { kind: target.kind, namespace: target.namespace, name: target.name, fromTemplate: target.fromTemplate, ...(target.pods ? { pods: target.pods.map((p) => p.metadata.name) } : {}) },
    serviceAccount: { namespace: target.namespace, name: saName, found: !!sa, ...(Object.keys(annotations).length ? { annotations } : {}) },
    user,
    ...(workloadIdentity ? { workloadIdentity } : {}),
    bindings: bindingsReport(rbac.rbac, user),
    rbacGaps: rbac.gaps,
    networkPolicies: [...byName.values()],
    ...(notEvaluated.length > 0 ? { notEvaluated } : {}),
    ...(ignored.others > 0 ? { ignoredNotSelecting: ignored.others } : {}),
    ...(engine.choice ? { engine: engine.choice } : {}),
    notes,
  };
}
