// The use-case behind `kubectl np can-reach me DESTINATION`: resolve the destination to its pods, ask
// the API server (SelfSubjectAccessReview) about each API path to them, and explain each answer with
// the RBAC chain.
import type { ImpersonationFlags } from '../cluster/impersonation.js';
import { readLiveSnapshot, type SnapshotInclude } from '../cluster/live.js';
import type { ClusterSnapshot } from '../model/k8s.js';
import { currentNamespace, loadKubeConfig } from '../cluster/kubeconfig.js';
import { UsageError } from '../errors.js';
import { parseEndpoint, resolveEndpoint, type ResolvedEndpoint } from '../netpol/endpoints.js';
import { apiReachChecks, NETWORK_POLICY_NOTE, pathVerdicts, reachVerdict, type ApiPath, type ApiReachTarget } from '../rbac/api-reach.js';
import type { ClusterUser } from '../cluster/reviews.js';
import { explainAccess, readRbacContext, type AccessExplanation } from './can-i.js';

export interface ApiReachInput {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  destination: string;
  port?: string;
  /** --as, --as-group, --as-uid */
  impersonate?: ImpersonationFlags;
}

export interface ApiReachReport {
  /** may I reach it: port-forward is allowed to every pod behind the destination */
  allowed: boolean;
  source: 'me';
  user?: ClusterUser;
  destination: { input: string; kind: string; namespace: string; name: string; pods: string[]; fromTemplate: boolean; service?: string };
  port?: string;
  paths: { path: ApiPath; allowed: boolean; deniedFor: string[]; checks: (AccessExplanation & { object?: string })[] }[];
  notes: string[];
  /** lists the destination lookup could not read (printed on stderr as warnings) */
  warnings?: string[];
}

export async function runCanReachMe(input: ApiReachInput): Promise<ApiReachReport> {
  const spec = parseEndpoint(input.destination);
  if (spec.kind === 'ip') throw new UsageError(`${input.destination} is an address outside the cluster: can-reach me asks about pods and Services reachable through the API`);
  const kc = loadKubeConfig({ kubeconfig: input.kubeconfig, context: input.context, manifestsInstead: false, impersonate: input.impersonate });
  const namespace = spec.namespace ?? input.namespace ?? currentNamespace(kc);
  const notes: string[] = [];
  const warnings: string[] = [];

  // A pod needs no lookup (kubectl port-forward pod/NAME names it); workloads and Services do.
  let target: ApiReachTarget;
  let destination: ApiReachReport['destination'];
  if (spec.kind === 'Pod') {
    target = { namespace, pods: [{ name: spec.name }] };
    destination = { input: spec.input, kind: 'Pod', namespace, name: spec.name, pods: [spec.name], fromTemplate: false };
  } else {
    // Only what resolving the destination needs — never NetworkPolicies (they do not apply to this
    // traffic) nor RBAC objects (readRbacContext reads those). A Service's backends are its running
    // pods; workloads are read only when none runs (their templates), or to say what was meant.
    const source = { kubeconfig: input.kubeconfig, context: input.context, namespaces: [namespace], impersonate: input.impersonate };
    const hint = 'ask for list access, or name a pod (pod/NAME), which needs no lookup';
    const read = (workloads: SnapshotInclude['workloads']) =>
      readLiveSnapshot(source, {
        include: { namespaces: 'skip', pods: 'required', services: spec.kind === 'Service' ? 'required' : 'skip', workloads, serviceAccounts: 'skip', networkPolicies: 'skip', rbac: 'skip', policyEngines: 'skip' },
        forbiddenHint: hint,
      });
    let snapshot: ClusterSnapshot;
    let resolved: ResolvedEndpoint;
    if (spec.kind === 'Service') {
      snapshot = await read({});
      try {
        resolved = resolveEndpoint(snapshot, { ...spec, namespace }, namespace);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        snapshot = await read('optional');
        resolved = resolveEndpoint(snapshot, { ...spec, namespace }, namespace);
      }
    } else {
      // Deployment → ReplicaSet → Pod; without the ReplicaSets, pods are matched by pod-template-hash
      snapshot = await read({ [spec.kind]: 'required', ...(spec.kind === 'Deployment' ? { ReplicaSet: 'optional' } : {}) });
      resolved = resolveEndpoint(snapshot, { ...spec, namespace }, namespace);
    }
    warnings.push(...(snapshot.warnings ?? []));
    const pods = resolved.fromTemplate ? [{}] : resolved.pods.map((p) => ({ name: p.name }));
    target = { namespace, pods, ...(resolved.service ? { service: resolved.service.metadata.name } : {}) };
    destination = {
      input: spec.input,
      kind: spec.kind,
      namespace,
      name: spec.name,
      pods: resolved.fromTemplate ? [] : resolved.pods.map((p) => p.name),
      fromTemplate: resolved.fromTemplate,
      ...(resolved.service ? { service: resolved.service.metadata.name } : {}),
    };
    if (resolved.fromTemplate) notes.push(`${spec.kind} ${namespace}/${spec.name} has no running pods: asked about pods in general, without a name`);
  }
  if (input.port !== undefined) notes.push(`RBAC does not restrict ports: the answer is the same for any --port (${input.port})`);

  const ctx = await readRbacContext(kc, [namespace]);
  const checks = apiReachChecks(target);
  const explained = await Promise.all(checks.map(async (check) => ({ check, explanation: await explainAccess(kc, ctx, check.request) })));
  const verdicts = pathVerdicts(explained.map((e) => ({ check: e.check, allowed: e.explanation.allowed })));
  notes.push(NETWORK_POLICY_NOTE);
  return {
    allowed: reachVerdict(verdicts),
    source: 'me',
    ...(ctx.user ? { user: ctx.user } : {}),
    destination,
    ...(input.port !== undefined ? { port: input.port } : {}),
    paths: verdicts.map((v) => ({
      ...v,
      checks: explained.filter((e) => e.check.path === v.path).map((e) => ({ ...(e.check.object ? { object: e.check.object } : {}), ...e.explanation })),
    })),
    notes,
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}
