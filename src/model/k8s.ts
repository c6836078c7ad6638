// Plain-data shapes of the Kubernetes objects kubectl-np reasons about.
// They are the subset of the API types the pure cores (src/netpol, src/rbac) read, so those cores
// never depend on @kubernetes/client-node and can run on objects parsed from manifests.

export interface ObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
  ownerReferences?: { kind: string; name: string; uid?: string; controller?: boolean }[];
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
}

export interface PodSpec {
  serviceAccountName?: string;
  hostNetwork?: boolean;
  nodeName?: string;
  containers: { name: string; ports?: ContainerPort[] }[];
  /** restartPolicy Always makes an init container a sidecar: it keeps running and serves its ports */
  initContainers?: { name: string; ports?: ContainerPort[]; restartPolicy?: string }[];
}

export interface Pod {
  kind?: 'Pod';
  metadata: ObjectMeta;
  spec: PodSpec;
  status?: { phase?: string; podIP?: string; podIPs?: { ip: string }[]; hostIP?: string; conditions?: { type: string; status: string }[] };
}

export interface Namespace {
  kind?: 'Namespace';
  metadata: ObjectMeta;
}

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: Protocol;
}

export interface Service {
  kind?: 'Service';
  metadata: ObjectMeta;
  spec: {
    selector?: Record<string, string>;
    ports?: ServicePort[];
    clusterIP?: string;
    /** both families on a dual-stack Service */
    clusterIPs?: string[];
    externalIPs?: string[];
    type?: string;
    /** Cluster (the default) lets a node forward to a backend on another node, SNATing the client */
    externalTrafficPolicy?: string;
  };
  status?: { loadBalancer?: { ingress?: { ip?: string; hostname?: string }[] } };
}

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'ReplicaSet' | 'Job';

export interface Workload {
  kind: WorkloadKind;
  metadata: ObjectMeta;
  spec: {
    selector?: LabelSelector;
    template: { metadata?: Partial<ObjectMeta>; spec: PodSpec };
  };
}

export interface NetworkPolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

export interface NetworkPolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

export interface NetworkPolicyIngressRule {
  from?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicyEgressRule {
  to?: NetworkPolicyPeer[];
  ports?: NetworkPolicyPort[];
}

export interface NetworkPolicy {
  kind?: 'NetworkPolicy';
  metadata: ObjectMeta;
  spec: {
    podSelector: LabelSelector;
    policyTypes?: ('Ingress' | 'Egress')[];
    ingress?: NetworkPolicyIngressRule[];
    egress?: NetworkPolicyEgressRule[];
  };
}

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Role {
  kind: 'Role' | 'ClusterRole';
  metadata: ObjectMeta;
  rules?: PolicyRule[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface RoleBinding {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  metadata: ObjectMeta;
  subjects?: Subject[];
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string; apiGroup?: string };
}

export interface ServiceAccount {
  kind?: 'ServiceAccount';
  metadata: ObjectMeta;
}

/** Everything an analysis needs, read either from a live cluster or from manifests. */
export interface ClusterSnapshot {
  /** where the data came from, for messages: a context name or "manifests" */
  source: string;
  /**
   * What was read: a live cluster (its agents tell which engine enforces policies) or manifests (which say
   * nothing about the network). Overlaying a change keeps the base's origin: the change cannot install an engine.
   */
  origin: SnapshotOrigin;
  namespaces: Namespace[];
  pods: Pod[];
  services: Service[];
  workloads: Workload[];
  networkPolicies: NetworkPolicy[];
  roles: Role[];
  roleBindings: RoleBinding[];
  serviceAccounts: ServiceAccount[];
  /** names of DaemonSets/pods that look like a NetworkPolicy enforcement engine (calico-node, cilium, azure-npm, antrea…) */
  policyEngines?: string[];
  /** the namespace that names without one refer to: the kubeconfig context's namespace (live reads); unset for manifests */
  defaultNamespace?: string;
  /** what could not be read (forbidden lists) and what that means for the analysis; live reads only */
  warnings?: string[];
  /**
   * The lists behind "not allowed to list …" warnings, for code that must not mistake "could not read"
   * for "does not exist": resource as in the API path (`deployments`), namespace unset = all namespaces
   * (or a cluster-scoped resource). Live reads only.
   */
  unreadable?: UnreadableList[];
  /**
   * Policy objects of kinds other than networking.k8s.io/v1 NetworkPolicy (AdminNetworkPolicy, Cilium,
   * Calico, unknown policy-like kinds…), as read: their specs are checked by the engine that reads them.
   */
  policyObjects?: PolicyObject[];
  /** the policy API groups/versions the server serves (live reads), e.g. cilium.io/v2; unset for manifests */
  servedPolicyApis?: string[];
}

/** A policy-like object beyond NetworkPolicy, untyped below its metadata (CRDs change; the engine checks shapes). */
export interface PolicyObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec?: unknown;
  /** Cilium's alternative to spec: a list of rule sets */
  specs?: unknown;
}

/** A list the caller was not allowed to read. */
export interface UnreadableList {
  /** plural resource name: pods, services, deployments, statefulsets, daemonsets, replicasets, jobs, … */
  resource: string;
  /** the namespace whose list was forbidden; unset = the list across all namespaces, or cluster-scoped */
  namespace?: string;
  /**
   * namespaces only (a forbidden namespace list): the namespaces whose labels were read one by one instead
   * (GET namespaces/NAME, which a RoleBinding in that namespace can grant). Every other namespace's labels
   * are unknown beyond kubernetes.io/metadata.name.
   */
  readByName?: string[];
}

export type SnapshotOrigin = 'live' | 'manifests';

export function emptySnapshot(source: string, origin: SnapshotOrigin = 'manifests'): ClusterSnapshot {
  return {
    source,
    origin,
    namespaces: [],
    pods: [],
    services: [],
    workloads: [],
    networkPolicies: [],
    roles: [],
    roleBindings: [],
    serviceAccounts: [],
  };
}
