// TEST DOUBLE of kube-apiserver — the object store: fixtures in, API-shaped objects out.
// It fills in what the real server would (apiVersion, uid, resourceVersion, creationTimestamp, the
// `kubernetes.io/metadata.name` namespace label, namespaces that objects live in) so fixtures stay short,
// and serves objects the way a real kube-apiserver returns them (each checked against one in
// test/real-apiserver): defaulted fields (NetworkPolicy policyTypes, protocol TCP, Service targetPort
// and type), empty lists dropped (Go's omitempty) except a Role's `rules`, which comes back null, and
// aggregated ClusterRoles filled in as the clusterrole-aggregation controller does.
import { randomUUID } from 'node:crypto';
import { RESOURCE_TYPES, apiVersionOf, resourceTypeForKind, type ResourceType } from './resources.js';
import { matchesLabelSelector, type LabelSelectorObject } from './selectors.js';

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string; [k: string]: unknown };
  [k: string]: unknown;
}

/** RBAC defaults every real cluster has (kube-apiserver's bootstrap policy), trimmed to what matters here. */
export function bootstrapPolicyObjects(): unknown[] {
  const labels = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
  const clusterRole = (name: string, rules: unknown[]) => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name, labels }, rules });
  const binding = (name: string, role: string, groups: string[]) => ({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, labels },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: groups.map((g) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: g })),
  });
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    binding('cluster-admin', 'cluster-admin', ['system:masters']),
    clusterRole('system:discovery', [
      { nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'], verbs: ['get'] },
    ]),
    binding('system:discovery', 'system:discovery', ['system:authenticated']),
    clusterRole('system:basic-user', [
      { apiGroups: ['authorization.k8s.io'], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'], verbs: ['create'] },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    binding('system:basic-user', 'system:basic-user', ['system:authenticated']),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: ['/healthz', '/livez', '/readyz', '/version', '/version/'], verbs: ['get'] }]),
    binding('system:public-info-viewer', 'system:public-info-viewer', ['system:authenticated', 'system:unauthenticated']),
  ];
}

function flatten(objs: unknown[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const o of objs) {
    if (!o || typeof o !== 'object') continue;
    const obj = o as Record<string, unknown>;
    if (typeof obj.kind === 'string' && obj.kind.endsWith('List') && Array.isArray(obj.items)) out.push(...flatten(obj.items));
    else out.push(obj);
  }
  return out;
}

/** Go's encoding/json with omitempty: an empty list is not sent at all. */
function dropEmptyLists(x: unknown): void {
  if (Array.isArray(x)) {
    for (const v of x) dropEmptyLists(v);
    return;
  }
  if (!x || typeof x !== 'object') return;
  const obj = x as Record<string, unknown>;
  for (const [k, v] of Object.entries(obj)) {
    if (Array.isArray(v) && v.length === 0) delete obj[k];
    else dropEmptyLists(v);
  }
}

const withTcp = (ports: unknown) => {
  for (const p of (Array.isArray(ports) ? ports : []) as Record<string, unknown>[]) p.protocol ??= 'TCP';
};

function defaultPodSpec(spec: Record<string, unknown> | undefined): void {
  for (const key of ['containers', 'initContainers']) for (const c of (spec?.[key] ?? []) as Record<string, unknown>[]) withTcp(c.ports);
}

/** What the API server's defaulting and serialization do to an object on its way in and out. */
function serveLikeKubeApiserver(obj: StoredObject): void {
  const spec = obj.spec as Record<string, unknown> | undefined;
  // Calico's NetworkPolicy has none of networking/v1's defaulting
  switch (obj.apiVersion === 'networking.k8s.io/v1' ? obj.kind : obj.kind === 'NetworkPolicy' ? '' : obj.kind) {
    case 'NetworkPolicy': {
      if (!spec) break;
      for (const rule of [...((spec.ingress ?? []) as Record<string, unknown>[]), ...((spec.egress ?? []) as Record<string, unknown>[])]) withTcp(rule.ports);
      // networking/v1 defaulting: Ingress always, Egress when there are egress rules
      if (!Array.isArray(spec.policyTypes) || spec.policyTypes.length === 0) {
        spec.policyTypes = ['Ingress', ...(Array.isArray(spec.egress) && spec.egress.length > 0 ? ['Egress'] : [])];
      }
      break;
    }
    case 'Service':
      if (!spec) break;
      spec.type ??= 'ClusterIP';
      for (const p of (spec.ports ?? []) as Record<string, unknown>[]) {
        p.protocol ??= 'TCP';
        p.targetPort ??= p.port;
      }
      break;
    case 'Pod':
      defaultPodSpec(spec);
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      defaultPodSpec((spec?.template as { spec?: Record<string, unknown> } | undefined)?.spec);
      break;
  }
  dropEmptyLists(obj);
  // PolicyRule lists have no omitempty: stored empty, they come back null
  if (obj.kind === 'Role' || obj.kind === 'ClusterRole') obj.rules ??= null;
}

const ruleKey = (r: unknown) => JSON.stringify(r);

/**
 * The clusterrole-aggregation controller: a ClusterRole with an aggregationRule gets the rules of the
 * ClusterRoles its selectors match (sorted by name, duplicates dropped), replacing its own; when they
 * give no rules at all its own rules stay. Repeated until nothing changes, as the controller converges.
 */
function aggregateClusterRoles(roles: StoredObject[]): void {
  const own = new Map(roles.map((r) => [r, r.rules]));
  for (let round = 0; round <= roles.length; round++) {
    let changed = false;
    for (const role of roles) {
      const selectors = (role.aggregationRule as { clusterRoleSelectors?: LabelSelectorObject[] } | undefined)?.clusterRoleSelectors;
      if (!selectors?.length) continue;
      const sources = roles
        .filter((r) => r !== role && selectors.some((sel) => matchesLabelSelector(sel, r.metadata.labels)))
        .sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
      const rules: unknown[] = [];
      for (const source of sources) for (const rule of (source.rules ?? []) as unknown[]) if (!rules.some((r) => ruleKey(r) === ruleKey(rule))) rules.push(rule);
      const next = rules.length > 0 ? rules : (own.get(role) ?? null);
      if (ruleKey(next) !== ruleKey(role.rules)) {
        role.rules = next;
        changed = true;
      }
    }
    if (!changed) break;
  }
}

export class ObjectStore {
  private byResource = new Map<ResourceType, StoredObject[]>();
  private resourceVersion = 1000;

  constructor(objects: unknown[] = []) {
    this.replace(objects);
  }

  /** Replaces every object. Unknown kinds are rejected so a typo in a fixture fails loudly. */
  replace(objects: unknown[]): void {
    this.byResource = new Map(RESOURCE_TYPES.map((t) => [t, []]));
    const created = new Date(Date.now() - 3 * 86400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const namespaces = new Set<string>(['default']);
    for (const raw of flatten(objects)) {
      const obj = structuredClone(raw) as StoredObject;
      const type = resourceTypeForKind(String(obj.kind), typeof obj.apiVersion === 'string' ? obj.apiVersion : undefined);
      if (!type) throw new Error(`test API server: unsupported kind ${JSON.stringify(obj.kind)}${obj.apiVersion ? ` of ${obj.apiVersion}` : ''} in fixtures`);
      if (!obj.metadata?.name) throw new Error(`test API server: ${obj.kind} without metadata.name in fixtures`);
      obj.apiVersion ??= apiVersionOf(type);
      if (type.namespaced) {
        obj.metadata.namespace ??= 'default';
        namespaces.add(obj.metadata.namespace);
      } else delete obj.metadata.namespace;
      obj.metadata.uid ??= randomUUID();
      obj.metadata.resourceVersion ??= String(++this.resourceVersion);
      obj.metadata.creationTimestamp ??= created;
      serveLikeKubeApiserver(obj);
      const list = this.byResource.get(type)!;
      const clash = list.findIndex((o) => o.metadata.name === obj.metadata.name && o.metadata.namespace === obj.metadata.namespace);
      if (clash >= 0) list.splice(clash, 1); // a later fixture wins, as with kubectl apply
      list.push(obj);
    }
    const nsType = resourceTypeForKind('Namespace')!;
    const nsList = this.byResource.get(nsType)!;
    for (const name of namespaces) {
      if (!nsList.some((n) => n.metadata.name === name)) {
        nsList.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name, uid: randomUUID(), resourceVersion: String(++this.resourceVersion), creationTimestamp: created }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
      }
    }
    for (const ns of nsList) {
      // the real server labels every namespace with its name (NamespaceDefaultLabelName, GA in 1.22)
      ns.metadata.labels = { ...(ns.metadata.labels ?? {}), 'kubernetes.io/metadata.name': ns.metadata.name };
      (ns as Record<string, unknown>).status ??= { phase: 'Active' };
    }
    aggregateClusterRoles(this.byResource.get(resourceTypeForKind('ClusterRole')!)!);
  }

  list(type: ResourceType, namespace?: string): StoredObject[] {
    const all = this.byResource.get(type) ?? [];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  get(type: ResourceType, name: string, namespace?: string): StoredObject | undefined {
    return this.list(type, type.namespaced ? namespace : undefined).find((o) => o.metadata.name === name);
  }

  ofKind(kind: string): StoredObject[] {
    const type = resourceTypeForKind(kind);
    return type ? this.list(type) : [];
  }

  get currentResourceVersion(): string {
    return String(this.resourceVersion);
  }
}
