// The live cluster → ClusterSnapshot. One request first (the namespace list: it fails fast on a wrong
// server or rejected credentials, and runs an exec credential plugin once instead of once per parallel
// request), then everything else in parallel. Each command says which kinds it needs (`include`): a kind
// it does not need is never read, a forbidden optional list becomes a warning, a forbidden required list
// a one-line ForbiddenError (exit 1, as kubectl). The defaults are the NetworkPolicy commands' needs.
import { ApisApi, AppsV1Api, BatchV1Api, CoreV1Api, CustomObjectsApi, NetworkingV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import type { ClusterSnapshot, Namespace, PolicyObject, UnreadableList, Workload, WorkloadKind } from '../model/k8s.js';
import { ENGINE_AGENTS, ENGINE_NAMESPACES } from '../netpol/engine-choice.js';
import { POLICY_KINDS, TIER_KINDS } from '../netpol/kinds/index.js';
import { toObjectMeta } from './convert.js';
import type { SnapshotSource } from './source.js';
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
import { listAll, type ListPage, type Page } from './paging.js';
import { inParallel } from './parallel.js';
import { apiErrorMessage, currentNamespace, ForbiddenError, httpStatusOf, loadKubeConfig, makeApiClient, toClusterError } from './kubeconfig.js';

/** required: a 403 stops the command; optional: a 403 is a warning; skip: never read. */
export type Need = 'required' | 'optional' | 'skip';

/** What a command reads. Unset entries take the NetworkPolicy commands' needs (DEFAULT_INCLUDE). */
export interface SnapshotInclude {
  /** the namespace list (labels for namespaceSelectors); when skipped, the read namespaces are known by name */
  namespaces?: Need;
  pods?: Need;
  services?: Need;
  /** every workload kind alike, or kind by kind (unnamed kinds are skipped) */
  workloads?: Need | Partial<Record<WorkloadKind, Need>>;
  serviceAccounts?: Need;
  networkPolicies?: Need;
  /** Roles, RoleBindings, ClusterRoles, ClusterRoleBindings */
  rbac?: Need;
  /** DaemonSets in kube-system and calico-system, to tell whether anything enforces NetworkPolicies */
  policyEngines?: Need;
}

export const DEFAULT_INCLUDE: Required<SnapshotInclude> = {
  namespaces: 'optional',
  pods: 'required',
  services: 'optional',
  workloads: 'optional',
  serviceAccounts: 'skip',
  networkPolicies: 'required',
  rbac: 'skip',
  policyEngines: 'optional',
};

export interface LiveReadOptions {
  /** per-request timeout (default DEFAULT_REQUEST_TIMEOUT_MS) */
  timeoutMs?: number;
  /** which kinds the command needs (default DEFAULT_INCLUDE) */
  include?: SnapshotInclude;
  /** what the user can do instead when a required list is forbidden (default: ask for access, or -f) */
  forbiddenHint?: string;
}

/** DaemonSets (or their pods) that enforce NetworkPolicy: without one, policies are stored but do nothing. */
const isEngineAgent = (name: string) => Object.hasOwn(ENGINE_AGENTS, name);

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';
/** GET namespaces/NAME requests in flight at once when the namespace list is forbidden */
const NAMESPACE_GETS_IN_FLIGHT = 8;


export async function readLiveSnapshot(source: SnapshotSource, options: LiveReadOptions = {}): Promise<ClusterSnapshot> {
  const include = { ...DEFAULT_INCLUDE, ...options.include };
  const workloadNeed = (kind: WorkloadKind): Need => (typeof include.workloads === 'string' ? include.workloads : (include.workloads[kind] ?? 'skip'));
  const kc = loadKubeConfig({ kubeconfig: source.kubeconfig, context: source.context, impersonate: source.impersonate });
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
  const unreadable: UnreadableList[] = [];
  const hint = options.forbiddenHint ?? 'ask for list access, or analyse manifests with -f';

  /**
   * One list, page by page, each page converted to the snapshot's objects as it arrives (none when
   * skipped); a 403 on an optional list becomes a warning and `undefined`.
   */
  async function read<T, R>(list: UnreadableList, call: (page: Page) => Promise<ListPage<T>>, convert: (item: T) => R, need: Need, scope = list.namespace ? ` in namespace ${list.namespace}` : ''): Promise<R[] | undefined> {
    if (need === 'skip') return undefined;
    const what = `${list.resource}${scope}`;
    try {
      return await listAll(call, convert);
    } catch (err) {
      if (need === 'optional' && httpStatusOf(err) === 403) {
        warnings.push(`not allowed to list ${what}: ${apiErrorMessage(err) ?? 'forbidden'}`);
        unreadable.push(list);
        return undefined;
      }
      const fatal =
        httpStatusOf(err) === 403
          ? new ForbiddenError(`you may not list ${what}, which this command needs (${hint})${apiErrorMessage(err) ? `: ${apiErrorMessage(err)}` : ''}`, { cause: err })
          : toClusterError(err, kc, `listing ${what}`);
      if (!abort.signal.aborted) abort.abort(fatal);
      throw fatal;
    }
  }

  /** A namespaced kind in the selected namespaces (or all); undefined only when nothing could be read. */
  async function scoped<T, R>(resource: string, all: (page: Page) => Promise<ListPage<T>>, inNamespace: (namespace: string, page: Page) => Promise<ListPage<T>>, convert: (item: T) => R, need: Need): Promise<R[] | undefined> {
    if (need === 'skip') return undefined;
    if (!selected) return read({ resource }, all, convert, need, ' in all namespaces');
    const parts = await Promise.all(selected.map((namespace) => read({ resource, namespace }, (page) => inNamespace(namespace, page), convert, need)));
    return parts.every((p) => p === undefined) ? undefined : parts.flatMap((p) => p ?? []);
  }

  // The first request checks the server and the credentials before the parallel burst: the namespace
  // list when it is wanted, else the first list the command needs.
  const listedNamespaces = await read({ resource: 'namespaces' }, (page) => core.listNamespace(page), toNamespace, include.namespaces);

  const workloadKinds = [
    ['Deployment', 'deployments', (page: Page) => apps.listDeploymentForAllNamespaces(page), (namespace: string, page: Page) => apps.listNamespacedDeployment({ namespace, ...page })],
    ['StatefulSet', 'statefulsets', (page: Page) => apps.listStatefulSetForAllNamespaces(page), (namespace: string, page: Page) => apps.listNamespacedStatefulSet({ namespace, ...page })],
    ['DaemonSet', 'daemonsets', (page: Page) => apps.listDaemonSetForAllNamespaces(page), (namespace: string, page: Page) => apps.listNamespacedDaemonSet({ namespace, ...page })],
    ['ReplicaSet', 'replicasets', (page: Page) => apps.listReplicaSetForAllNamespaces(page), (namespace: string, page: Page) => apps.listNamespacedReplicaSet({ namespace, ...page })],
    ['Job', 'jobs', (page: Page) => batch.listJobForAllNamespaces(page), (namespace: string, page: Page) => batch.listNamespacedJob({ namespace, ...page })],
  ] as const;
  // with -A the DaemonSet list covers them; otherwise ask where engines are installed
  const engineNamespaces = selected && include.policyEngines !== 'skip' ? ENGINE_NAMESPACES : [];

  /**
   * The policy kinds beyond NetworkPolicy that the server serves (discovery first: a kind it does not
   * serve is skipped quietly); a forbidden list is a warning and an unreadable entry, which the engine
   * turns into "cannot tell" for its scope. Calico's projectcalico.org/v3 is preferred to the stored
   * crd.projectcalico.org/v1 form of the same policies.
   */
  async function readPolicyObjects(): Promise<{ objects: PolicyObject[]; served: string[] }> {
    if (include.networkPolicies === 'skip') return { objects: [], served: [] };
    let groups;
    try {
      groups = await makeApiClient(kc, ApisApi, timeout).getAPIVersions();
    } catch (err) {
      warnings.push(`cannot read the served API groups, so policy kinds beyond NetworkPolicy were not read: ${apiErrorMessage(err) ?? (err as Error).message}`);
      return { objects: [], served: [] };
    }
    const served = new Set((groups.groups ?? []).flatMap((g) => (g.versions ?? []).map((v) => v.groupVersion)));
    const calicoV3 = served.has('projectcalico.org/v3');
    const kinds = [...POLICY_KINDS, ...TIER_KINDS].filter((k) => served.has(`${k.group}/${k.version}`) && !(k.group === 'crd.projectcalico.org' && calicoV3));
    const custom = makeApiClient(kc, CustomObjectsApi, timeout);
    const lists = await Promise.all(
      kinds.map(async (k) => {
        const resource = `${k.resource}.${k.group}`;
        const base = { group: k.group, version: k.version, plural: k.resource };
        const convert = (o: Record<string, unknown>): PolicyObject => ({ apiVersion: `${k.group}/${k.version}`, kind: k.kind, metadata: toObjectMeta(o.metadata as never), spec: o.spec, ...(o.specs !== undefined ? { specs: o.specs } : {}) });
        const listed = k.namespaced
          ? await scoped(resource, (page) => custom.listClusterCustomObject({ ...base, ...page }) as never, (namespace, page) => custom.listNamespacedCustomObject({ ...base, namespace, ...page }) as never, convert, 'optional')
          : await read({ resource }, (page) => custom.listClusterCustomObject({ ...base, ...page }) as never, convert, 'optional');
        return listed ?? [];
      }),
    );
    return { objects: lists.flat(), served: [...served].filter((gv) => POLICY_KINDS.some((k) => `${k.group}/${k.version}` === gv)).sort() };
  }

  const readPods = () => scoped('pods', (page) => core.listPodForAllNamespaces(page), (namespace, page) => core.listNamespacedPod({ namespace, ...page }), toPod, include.pods);
  // without the namespace list, the pod list goes first
  const earlyPods = include.namespaces === 'skip' ? await readPods() : undefined;
  const [pods, services, serviceAccounts, networkPolicies, roles, roleBindings, clusterRoles, clusterRoleBindings, workloadLists, engineDaemonSets, policyObjects] = await Promise.all([
    include.namespaces === 'skip' ? earlyPods : readPods(),
    scoped('services', (page) => core.listServiceForAllNamespaces(page), (namespace, page) => core.listNamespacedService({ namespace, ...page }), toService, include.services),
    scoped('serviceaccounts', (page) => core.listServiceAccountForAllNamespaces(page), (namespace, page) => core.listNamespacedServiceAccount({ namespace, ...page }), toServiceAccount, include.serviceAccounts),
    scoped('networkpolicies', (page) => networking.listNetworkPolicyForAllNamespaces(page), (namespace, page) => networking.listNamespacedNetworkPolicy({ namespace, ...page }), toNetworkPolicy, include.networkPolicies),
    scoped('roles', (page) => rbac.listRoleForAllNamespaces(page), (namespace, page) => rbac.listNamespacedRole({ namespace, ...page }), (r) => toRole('Role', r), include.rbac),
    scoped('rolebindings', (page) => rbac.listRoleBindingForAllNamespaces(page), (namespace, page) => rbac.listNamespacedRoleBinding({ namespace, ...page }), (b) => toRoleBinding('RoleBinding', b), include.rbac),
    read({ resource: 'clusterroles' }, (page) => rbac.listClusterRole(page), (r) => toRole('ClusterRole', r), include.rbac),
    read({ resource: 'clusterrolebindings' }, (page) => rbac.listClusterRoleBinding(page), (b) => toRoleBinding('ClusterRoleBinding', b), include.rbac),
    Promise.all(
      workloadKinds.map(([kind, resource, all, inNs]) => {
        // -A: the DaemonSet list is also how policy engines are found
        const need = kind === 'DaemonSet' && !selected && workloadNeed(kind) === 'skip' ? include.policyEngines : workloadNeed(kind);
        const convert = (w: unknown) => toWorkload(kind, w as Parameters<typeof toWorkload>[1]);
        return scoped(resource, all as (page: Page) => Promise<ListPage<unknown>>, inNs as (ns: string, page: Page) => Promise<ListPage<unknown>>, convert, need).then((items) => ({ kind, items }));
      }),
    ),
    Promise.all(engineNamespaces.map((namespace) => read({ resource: 'daemonsets', namespace }, (page) => apps.listNamespacedDaemonSet({ namespace, ...page }), (ds) => ds.metadata?.name, include.policyEngines))),
    readPolicyObjects(),
  ]);

  const snapshotPods = pods ?? [];
  const workloads: Workload[] = workloadLists.flatMap(({ items }) => items ?? []);

  // namespace labels matter only to NetworkPolicy namespaceSelectors
  const labelsMatter = include.namespaces !== 'skip' && include.networkPolicies !== 'skip';
  const objectNamespaces = [...snapshotPods, ...workloads].map((o) => o.metadata.namespace);
  // A forbidden list still leaves each namespace's own object: the API server authorizes GET namespaces/X
  // in namespace X, so a RoleBinding there (view, edit…) shows its labels. Read the namespaces this
  // snapshot can involve: the selected ones and those of every object read.
  const namespaceList = unreadable.find((l) => l.resource === 'namespaces' && l.namespace === undefined);
  let fetched: Map<string, Namespace> | undefined;
  if (labelsMatter && namespaceList) {
    const involved = new Set([
      ...(selected ?? []),
      ...objectNamespaces,
      ...[...(services ?? []), ...(networkPolicies ?? [])].map((o) => o.metadata?.namespace),
      ...policyObjects.objects.map((o) => o.metadata.namespace),
    ]);
    const names = [...involved].filter((n): n is string => !!n).sort();
    fetched = new Map();
    const got = await inParallel(names, NAMESPACE_GETS_IN_FLIGHT, async (name) => {
      try {
        return toNamespace(await core.readNamespace({ name }));
      } catch (err) {
        const status = httpStatusOf(err);
        // a namespace that does not exist holds nothing its labels could decide
        if (status === 404) {
          warnings.push(`namespace "${name}" does not exist`);
          return placeholderNamespace(name);
        }
        warnings.push(`labels of namespace ${name} could not be read: get namespaces/${name} ${status === 403 ? 'forbidden' : `failed (${apiErrorMessage(err) ?? (err as Error).message})`}`);
        return undefined;
      }
    });
    for (const ns of got) if (ns) fetched.set(ns.metadata.name, ns);
    namespaceList.readByName = [...fetched.keys()];
  }
  const namespaces = resolveNamespaces(listedNamespaces, fetched, selected, objectNamespaces, warnings, labelsMatter);

  // NetworkPolicy engines: DaemonSets in the usual system namespaces (or in all namespaces with -A) and
  // in the namespaces read, plus pods owned by such DaemonSets. "None found" is only claimed when the
  // system namespaces could be checked; otherwise policyEngines stays unset.
  const enginesChecked =
    include.policyEngines !== 'skip' &&
    (selected ? engineDaemonSets.every((d) => d !== undefined) : workloadLists.find((w) => w.kind === 'DaemonSet')?.items !== undefined);
  const engines = new Set<string>();
  if (include.policyEngines !== 'skip') {
    for (const w of workloads) if (w.kind === 'DaemonSet' && isEngineAgent(w.metadata.name)) engines.add(w.metadata.name);
    for (const list of engineDaemonSets) for (const name of list ?? []) if (name && isEngineAgent(name)) engines.add(name);
    for (const pod of snapshotPods) {
      const owner = pod.metadata.ownerReferences?.find((o) => o.kind === 'DaemonSet');
      if (owner && isEngineAgent(owner.name)) engines.add(owner.name);
    }
  }
  // with -A and DaemonSets read only to find engines, they are not workloads the command asked for
  const keptWorkloads = workloads.filter((w) => workloadNeed(w.kind) !== 'skip');

  return {
    source: kc.getCurrentContext(),
    origin: 'live',
    defaultNamespace,
    namespaces,
    pods: snapshotPods,
    services: services ?? [],
    workloads: keptWorkloads,
    networkPolicies: networkPolicies ?? [],
    ...(policyObjects.objects.length > 0 ? { policyObjects: policyObjects.objects } : {}),
    ...(include.networkPolicies !== 'skip' ? { servedPolicyApis: policyObjects.served } : {}),
    roles: [...(clusterRoles ?? []), ...(roles ?? [])],
    roleBindings: [...(clusterRoleBindings ?? []), ...(roleBindings ?? [])],
    serviceAccounts: serviceAccounts ?? [],
    ...(enginesChecked || engines.size > 0 ? { policyEngines: [...engines].sort() } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}

/**
 * All namespaces when listable. Otherwise the selected (and object-bearing) namespaces: as read one by
 * one when that was allowed, else with the one label the API server guarantees, so namespaceSelector
 * peers on kubernetes.io/metadata.name still work.
 */
function resolveNamespaces(listed: Namespace[] | undefined, fetched: Map<string, Namespace> | undefined, selected: string[] | undefined, objectNamespaces: (string | undefined)[], warnings: string[], labelsMatter: boolean): Namespace[] {
  if (listed) {
    const known = new Set(listed.map((n) => n.metadata.name));
    for (const ns of selected ?? []) if (!known.has(ns)) warnings.push(`namespace "${ns}" does not exist`);
    return listed;
  }
  const names = new Set([...(selected ?? []), ...objectNamespaces.filter((n): n is string => !!n), ...(fetched?.keys() ?? [])]);
  const unknown = [...names].filter((name) => !fetched?.has(name));
  if (labelsMatter && unknown.length > 0) {
    warnings.push(`without their labels, NetworkPolicy namespaceSelectors can only match kubernetes.io/metadata.name in namespace${unknown.length === 1 ? '' : 's'} ${unknown.sort().join(', ')}`);
  }
  return [...names].sort().map((name) => fetched?.get(name) ?? placeholderNamespace(name));
}

function placeholderNamespace(name: string): Namespace {
  return { kind: 'Namespace', metadata: { name, labels: { [NAMESPACE_NAME_LABEL]: name } } };
}
