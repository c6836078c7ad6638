// client-node model objects → the plain data types of src/model/k8s.ts. Only the fields the analyses
// read are copied (no managedFields, status noise or Dates), and "absent" stays distinct from "empty"
// where the API gives them different meanings (NetworkPolicy `ingress`, `from`, `ports`, …). A real API
// server sends null where a list was stored empty (a Role's `rules: []` comes back `"rules": null`):
// null is read like absent everywhere, which is what the server itself does with it.
import type {
  RbacV1Subject,
  V1ClusterRole,
  V1ClusterRoleBinding,
  V1Container,
  V1LabelSelector,
  V1Namespace,
  V1NetworkPolicy,
  V1NetworkPolicyPeer,
  V1NetworkPolicyPort,
  V1ObjectMeta,
  V1Pod,
  V1PodSpec,
  V1PolicyRule,
  V1Role,
  V1RoleBinding,
  V1Service,
  V1ServiceAccount,
} from '@kubernetes/client-node';
import type {
  ContainerPort,
  LabelSelector,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  ObjectMeta,
  Pod,
  PodSpec,
  PolicyRule,
  Protocol,
  Role,
  RoleBinding,
  Service,
  ServiceAccount,
  Subject,
  Workload,
  WorkloadKind,
} from '../model/k8s.js';

/** Drops keys whose value is undefined or null, so converted objects print and compare cleanly. */
function compact<T extends object>(obj: T): T {
  for (const key of Object.keys(obj) as (keyof T)[]) if (obj[key] === undefined || obj[key] === null) delete obj[key];
  return obj;
}

const mapOf = <T>(list: T[] | null | undefined, fn: (x: T) => unknown) => (list === undefined || list === null ? undefined : list.map(fn));

// kubectl apply's copy of the whole object: large; only NetworkPolicy conversion reads it (authoredPolicyTypes)
const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
const DROPPED_ANNOTATIONS = new Set([LAST_APPLIED_ANNOTATION]);

export function toObjectMeta(m: V1ObjectMeta | undefined): ObjectMeta {
  const annotations = m?.annotations ? Object.fromEntries(Object.entries(m.annotations).filter(([k]) => !DROPPED_ANNOTATIONS.has(k))) : undefined;
  return compact({
    name: m?.name ?? '',
    namespace: m?.namespace,
    labels: m?.labels,
    annotations: annotations && Object.keys(annotations).length > 0 ? annotations : undefined,
    uid: m?.uid,
    ownerReferences: mapOf(m?.ownerReferences, (o) => compact({ kind: o.kind, name: o.name, uid: o.uid, controller: o.controller })) as ObjectMeta['ownerReferences'],
  });
}

export function toLabelSelector(s: V1LabelSelector | undefined): LabelSelector | undefined {
  if (!s) return undefined;
  return compact({
    matchLabels: s.matchLabels,
    matchExpressions: mapOf(s.matchExpressions, (e) => compact({ key: e.key, operator: e.operator, values: e.values })) as LabelSelector['matchExpressions'],
  });
}

function toContainers(list: V1Container[] | undefined): PodSpec['containers'] | undefined {
  return mapOf(list, (c) =>
    compact({
      name: c.name,
      restartPolicy: c.restartPolicy,
      ports: mapOf(c.ports, (p) => compact({ name: p.name, containerPort: p.containerPort, protocol: p.protocol as Protocol | undefined })) as ContainerPort[] | undefined,
    }),
  ) as PodSpec['containers'] | undefined;
}

export function toPodSpec(s: V1PodSpec | undefined): PodSpec {
  return compact({
    serviceAccountName: s?.serviceAccountName,
    hostNetwork: s?.hostNetwork,
    nodeName: s?.nodeName,
    containers: toContainers(s?.containers) ?? [],
    initContainers: toContainers(s?.initContainers),
  });
}

export function toNamespace(n: V1Namespace): Namespace {
  return { kind: 'Namespace', metadata: toObjectMeta(n.metadata) };
}

export function toPod(p: V1Pod): Pod {
  const s = p.status;
  return compact({
    kind: 'Pod' as const,
    metadata: toObjectMeta(p.metadata),
    spec: toPodSpec(p.spec),
    status: s
      ? compact({
          phase: s.phase,
          podIP: s.podIP,
          podIPs: mapOf(s.podIPs, (i) => ({ ip: i.ip })) as { ip: string }[] | undefined,
          hostIP: s.hostIP,
          conditions: mapOf(s.conditions, (c) => ({ type: c.type, status: c.status })) as { type: string; status: string }[] | undefined,
        })
      : undefined,
  });
}

export function toService(svc: V1Service): Service {
  const s = svc.spec;
  return {
    kind: 'Service',
    metadata: toObjectMeta(svc.metadata),
    spec: compact({
      selector: s?.selector,
      ports: mapOf(s?.ports, (p) => compact({ name: p.name, port: p.port, targetPort: p.targetPort, protocol: p.protocol as Protocol | undefined })) as Service['spec']['ports'],
      clusterIP: s?.clusterIP,
      clusterIPs: s?.clusterIPs,
      externalIPs: s?.externalIPs,
      type: s?.type,
      externalTrafficPolicy: s?.externalTrafficPolicy,
    }),
    ...(svc.status?.loadBalancer?.ingress?.length
      ? { status: { loadBalancer: { ingress: svc.status.loadBalancer.ingress.map((i) => compact({ ip: i.ip, hostname: i.hostname })) } } }
      : {}),
  };
}

interface WorkloadLike {
  metadata?: V1ObjectMeta;
  spec?: { selector?: V1LabelSelector; template: { metadata?: V1ObjectMeta; spec?: V1PodSpec } };
}

export function toWorkload(kind: WorkloadKind, w: WorkloadLike): Workload {
  const template = w.spec?.template;
  const tm = template?.metadata;
  return {
    kind,
    metadata: toObjectMeta(w.metadata),
    spec: compact({
      selector: toLabelSelector(w.spec?.selector),
      template: compact({
        metadata: tm ? compact({ name: tm.name, labels: tm.labels, annotations: tm.annotations }) : undefined,
        spec: toPodSpec(template?.spec),
      }),
    }),
  };
}

function toPeer(p: V1NetworkPolicyPeer): NetworkPolicyPeer {
  return compact({
    podSelector: toLabelSelector(p.podSelector),
    namespaceSelector: toLabelSelector(p.namespaceSelector),
    ipBlock: p.ipBlock ? compact({ cidr: p.ipBlock.cidr, except: p.ipBlock.except }) : undefined,
  });
}

function toPolicyPort(p: V1NetworkPolicyPort): NetworkPolicyPort {
  return compact({ protocol: p.protocol as Protocol | undefined, port: p.port, endPort: p.endPort });
}

/**
 * policyTypes as the author wrote them. The API server fills in omitted policyTypes (Ingress, plus Egress
 * when there are egress rules), so a live policy never shows them omitted and "policyTypes is omitted"
 * warnings could not fire; `kubectl apply` keeps the manifest as written in last-applied-configuration.
 * When that copy has no policyTypes and the stored ones are exactly the defaulted value, they are read as
 * omitted — the same isolation, inferred the same way. Anything else (no annotation, a later edit that
 * changed them) keeps the stored value.
 */
function authoredPolicyTypes(np: V1NetworkPolicy): ('Ingress' | 'Egress')[] | undefined {
  const stored = (np.spec?.policyTypes ?? undefined) as ('Ingress' | 'Egress')[] | undefined;
  const applied = np.metadata?.annotations?.[LAST_APPLIED_ANNOTATION];
  if (!stored || !applied) return stored;
  let spec: unknown;
  try {
    spec = (JSON.parse(applied) as { spec?: unknown }).spec;
  } catch {
    return stored;
  }
  if (!spec || typeof spec !== 'object') return stored;
  const written = (spec as { policyTypes?: unknown }).policyTypes;
  if (Array.isArray(written) && written.length > 0) return stored;
  const defaulted = ['Ingress', ...((np.spec?.egress ?? []).length > 0 ? ['Egress'] : [])];
  return stored.length === defaulted.length && defaulted.every((t, i) => stored[i] === t) ? undefined : stored;
}

export function toNetworkPolicy(np: V1NetworkPolicy): NetworkPolicy {
  const s = np.spec;
  return {
    kind: 'NetworkPolicy',
    metadata: toObjectMeta(np.metadata),
    spec: compact({
      podSelector: toLabelSelector(s?.podSelector) ?? {},
      policyTypes: authoredPolicyTypes(np),
      // client-node renames the reserved word `from` to `_from`
      ingress: mapOf(s?.ingress, (r) => compact({ from: mapOf(r._from, toPeer), ports: mapOf(r.ports, toPolicyPort) })) as NetworkPolicy['spec']['ingress'],
      egress: mapOf(s?.egress, (r) => compact({ to: mapOf(r.to, toPeer), ports: mapOf(r.ports, toPolicyPort) })) as NetworkPolicy['spec']['egress'],
    }),
  };
}

function toRule(r: V1PolicyRule): PolicyRule {
  return compact({ apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs ?? [], resourceNames: r.resourceNames, nonResourceURLs: r.nonResourceURLs });
}

export function toRole(kind: 'Role' | 'ClusterRole', r: V1Role | V1ClusterRole): Role {
  const aggregation = (r as V1ClusterRole).aggregationRule;
  return compact({
    kind,
    metadata: toObjectMeta(r.metadata),
    rules: mapOf(r.rules, toRule) as PolicyRule[] | undefined,
    aggregationRule: aggregation
      ? compact({ clusterRoleSelectors: mapOf(aggregation.clusterRoleSelectors, (s) => toLabelSelector(s) ?? {}) as LabelSelector[] | undefined })
      : undefined,
  });
}

function toSubject(s: RbacV1Subject): Subject {
  return compact({ kind: s.kind as Subject['kind'], name: s.name, namespace: s.namespace, apiGroup: s.apiGroup });
}

export function toRoleBinding(kind: 'RoleBinding' | 'ClusterRoleBinding', b: V1RoleBinding | V1ClusterRoleBinding): RoleBinding {
  return compact({
    kind,
    metadata: toObjectMeta(b.metadata),
    subjects: mapOf(b.subjects, toSubject) as Subject[] | undefined,
    roleRef: compact({ kind: b.roleRef?.kind as 'Role' | 'ClusterRole', name: b.roleRef?.name, apiGroup: b.roleRef?.apiGroup }),
  });
}

export function toServiceAccount(sa: V1ServiceAccount): ServiceAccount {
  return { kind: 'ServiceAccount', metadata: toObjectMeta(sa.metadata) };
}
