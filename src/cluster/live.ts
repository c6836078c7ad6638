// The live cluster → ClusterSnapshot. One request first (the namespace list: it fails fast on a wrong
// server or rejected credentials, and runs an exec credential plugin once instead of once per parallel
// request), then everything else in parallel. Lists the caller may not read are tolerated where the
// analysis can go on without them, and named in `warnings`; pods and NetworkPolicies are required.
import { AppsV1Api, BatchV1Api, CoreV1Api, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ClusterSnapshot, Namespace, Workload } from '../model/k8s.js';
import type { SnapshotSource } from './index.js';
import {
  toNamespace,
  toNetworkPolicy,
  toPod,
  toRole,
  toRoleBinding,
  toService,
  toServiceAccount,
  toWorkload,
} from './convert.js';
import { apiErrorMessage, currentNamespace, httpStatusOf, loadKubeConfig, makeApiClient, toClusterError } from './kubeconfig.js';

export interface LiveReadOptions {
  /** per-request timeout (default DEFAULT_REQUEST_TIMEOUT_MS) */
  timeoutMs?: number;
}

/** DaemonSets (or their pods) that enforce NetworkPolicy: without one, policies are stored but do nothing. */
const POLICY_ENGINE = /^(calico-node|cilium|cilium-agent|azure-npm|azure-npm-win|antrea-agent|kube-router|weave-net|canal|kube-ovn-cni|ovnkube-node|kube-network-policies)$/;
/** where those DaemonSets live when they are not in the namespaces being read */
const ENGINE_NAMESPACES = ['kube-system', 'calico-system'];

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

interface Listed<T> {
  items: T[];
}

export async function readLiveSnapshot(source: SnapshotSource, options: LiveReadOptions = {}): Promise<ClusterSnapshot> {
  const kc = loadKubeConfig({ kubeconfig: source.kubeconfig, context: source.context });
  const defaultNamespace = currentNamespace(kc);
  const wanted = source.namespaces?.length ? [...source.namespaces, ...(source.withContextNamespace ? [defaultNamespace] : [])] : [defaultNamespace];
  const selected = source.allNamespaces ? undefined : [...new Set(wanted)];
  // the first fatal error cancels the requests still in flight
  const abort = new AbortController();
  const timeout = { timeoutMs: options.timeoutMs, signal: abort.signal };
  const core = makeApiClient(kc, CoreV1Api, timeout);
  const apps = makeApiClient(kc, AppsV1Api, timeout);
  const batch = makeApiClient(kc, BatchV1Api, timeout);
  const networking = makeApiClient(kc, NetworkingV1Api, timeout);
  const rbac = makeApiClient(kc, RbacAuthorizationV1Api, timeout);
  const warnings: string[] = [];

  /** One list call; a 403 on an optional list becomes a warning and `undefined`. */
  async function read<T>(what: string, list: () => Promise<Listed<T>>, required: boolean): Promise<T[] | undefined> {
    try {
      return (await list()).items;
    } catch (err) {
      if (!required && httpStatusOf(err) === 403) {
        warnings.push(`not allowed to list ${what}: ${apiErrorMessage(err) ?? 'forbidden'}`);
        return undefined;
      }
      const fatal = toClusterError(err, kc, required && httpStatusOf(err) === 403 ? `listing ${what} (kubectl-np needs to read them; ask for list access, or analyse manifests with -f)` : `listing ${what}`);
      if (!abort.signal.aborted) abort.abort(fatal);
      throw fatal;
    }
  }

  /** A namespaced kind in the selected namespaces (or all); undefined only when nothing could be read. */
  async function scoped<T>(resource: string, all: () => Promise<Listed<T>>, inNamespace: (namespace: string) => Promise<Listed<T>>, required = false): Promise<T[] | undefined> {
    if (!selected) return read(`${resource} in all namespaces`, all, required);
    const parts = await Promise.all(selected.map((ns) => read(`${resource} in namespace ${ns}`, () => inNamespace(ns), required)));
    return parts.every((p) => p === undefined) ? undefined : parts.flatMap((p) => p ?? []);
  }

  const listedNamespaces = await read('namespaces', () => core.listNamespace(), false);

  const workloadKinds = [
    ['Deployment', 'deployments', () => apps.listDeploymentForAllNamespaces(), (namespace: string) => apps.listNamespacedDeployment({ namespace })],
    ['StatefulSet', 'statefulsets', () => apps.listStatefulSetForAllNamespaces(), (namespace: string) => apps.listNamespacedStatefulSet({ namespace })],
    ['DaemonSet', 'daemonsets', () => apps.listDaemonSetForAllNamespaces(), (namespace: string) => apps.listNamespacedDaemonSet({ namespace })],
    ['ReplicaSet', 'replicasets', () => apps.listReplicaSetForAllNamespaces(), (namespace: string) => apps.listNamespacedReplicaSet({ namespace })],
    ['Job', 'jobs', () => batch.listJobForAllNamespaces(), (namespace: string) => batch.listNamespacedJob({ namespace })],
  ] as const;
  // with -A the DaemonSet list covers them; otherwise ask where engines are installed
  const engineNamespaces = selected ? ENGINE_NAMESPACES : [];

  const [pods, services, serviceAccounts, networkPolicies, roles, roleBindings, clusterRoles, clusterRoleBindings, workloadLists, engineDaemonSets] = await Promise.all([
    scoped('pods', () => core.listPodForAllNamespaces(), (namespace) => core.listNamespacedPod({ namespace }), true),
    scoped('services', () => core.listServiceForAllNamespaces(), (namespace) => core.listNamespacedService({ namespace })),
    scoped('serviceaccounts', () => core.listServiceAccountForAllNamespaces(), (namespace) => core.listNamespacedServiceAccount({ namespace })),
    scoped('networkpolicies', () => networking.listNetworkPolicyForAllNamespaces(), (namespace) => networking.listNamespacedNetworkPolicy({ namespace }), true),
    scoped('roles', () => rbac.listRoleForAllNamespaces(), (namespace) => rbac.listNamespacedRole({ namespace })),
    scoped('rolebindings', () => rbac.listRoleBindingForAllNamespaces(), (namespace) => rbac.listNamespacedRoleBinding({ namespace })),
    read('clusterroles', () => rbac.listClusterRole(), false),
    read('clusterrolebindings', () => rbac.listClusterRoleBinding(), false),
    Promise.all(workloadKinds.map(([kind, resource, all, inNs]) => scoped<unknown>(resource, all as () => Promise<Listed<unknown>>, inNs as (ns: string) => Promise<Listed<unknown>>).then((items) => ({ kind, items })))),
    Promise.all(engineNamespaces.map((namespace) => read(`daemonsets in namespace ${namespace}`, () => apps.listNamespacedDaemonSet({ namespace }), false))),
  ]);

  const snapshotPods = (pods ?? []).map(toPod);
  const workloads: Workload[] = workloadLists.flatMap(({ kind, items }) => (items ?? []).map((w) => toWorkload(kind, w as Parameters<typeof toWorkload>[1])));

  const namespaces = resolveNamespaces(listedNamespaces?.map(toNamespace), selected, [...snapshotPods, ...workloads].map((o) => o.metadata.namespace), warnings);

  // NetworkPolicy engines: DaemonSets in the usual system namespaces (or in all namespaces with -A) and
  // in the namespaces read, plus pods owned by such DaemonSets. "None found" is only claimed when the
  // system namespaces could be checked; otherwise policyEngines stays unset.
  const enginesChecked = selected ? engineDaemonSets.every((d) => d !== undefined) : workloadLists.find((w) => w.kind === 'DaemonSet')?.items !== undefined;
  const engines = new Set<string>();
  for (const w of workloads) if (w.kind === 'DaemonSet' && POLICY_ENGINE.test(w.metadata.name)) engines.add(w.metadata.name);
  for (const list of engineDaemonSets) for (const ds of list ?? []) if (ds.metadata?.name && POLICY_ENGINE.test(ds.metadata.name)) engines.add(ds.metadata.name);
  for (const pod of snapshotPods) {
    const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet');
    if (owner && POLICY_ENGINE.test(owner.name)) engines.add(owner.name);
  }

  return {
    source: kc.getCurrentContext(),
    defaultNamespace,
    namespaces,
    pods: snapshotPods,
    services: (services ?? []).map(toService),
    workloads,
    networkPolicies: (networkPolicies ?? []).map(toNetworkPolicy),
    roles: [...(clusterRoles ?? []).map((r) => toRole('ClusterRole', r)), ...(roles ?? []).map((r) => toRole('Role', r))],
    roleBindings: [...(clusterRoleBindings ?? []).map((b) => toRoleBinding('ClusterRoleBinding', b)), ...(roleBindings ?? []).map((b) => toRoleBinding('RoleBinding', b))],
    serviceAccounts: (serviceAccounts ?? []).map(toServiceAccount),
    ...(enginesChecked || engines.size > 0 ? { policyEngines: [...engines].sort() } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * All namespaces when listable. Otherwise the selected (and object-bearing) namespaces with the one
 * label the API server guarantees, so namespaceSelector peers on kubernetes.io/metadata.name still work.
 */
function resolveNamespaces(listed: Namespace[] | undefined, selected: string[] | undefined, objectNamespaces: (string | undefined)[], warnings: string[]): Namespace[] {
  if (listed) {
    const known = new Set(listed.map((n) => n.metadata.name));
    for (const ns of selected ?? []) if (!known.has(ns)) warnings.push(`namespace "${ns}" does not exist`);
    return listed;
  }
  warnings.push('without namespace labels, NetworkPolicy namespaceSelectors can only match kubernetes.io/metadata.name');
  const names = new Set([...(selected ?? []), ...objectNamespaces.filter((n): n is string => !!n)]);
  return [...names].sort().map((name) => ({ kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } } }));
}
