// TEST DOUBLE of kube-apiserver — the resource types it serves, and their discovery documents.
// Only what kubectl-np, kubectl and @kubernetes/client-node ask for; nothing here is production code.

export interface ResourceType {
  group: string; // '' = the legacy core group
  version: string;
  resource: string; // plural, as in URLs
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** subresources listed in discovery so `kubectl auth can-i create pods/exec` resolves */
  subresources?: string[];
}

const READ_WRITE = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

export const RESOURCE_TYPES: ResourceType[] = [
  { group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'] },
  { group: '', version: 'v1', resource: 'pods', singular: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], subresources: ['exec', 'portforward', 'proxy', 'log', 'attach'] },
  { group: '', version: 'v1', resource: 'services', singular: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], subresources: ['proxy'] },
  { group: '', version: 'v1', resource: 'serviceaccounts', singular: 'serviceaccount', kind: 'ServiceAccount', namespaced: true, shortNames: ['sa'], subresources: ['token'] },
  { group: 'networking.k8s.io', version: 'v1', resource: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'] },
  { group: 'apps', version: 'v1', resource: 'deployments', singular: 'deployment', kind: 'Deployment', namespaced: true, shortNames: ['deploy'], subresources: ['scale'] },
  { group: 'apps', version: 'v1', resource: 'statefulsets', singular: 'statefulset', kind: 'StatefulSet', namespaced: true, shortNames: ['sts'], subresources: ['scale'] },
  { group: 'apps', version: 'v1', resource: 'daemonsets', singular: 'daemonset', kind: 'DaemonSet', namespaced: true, shortNames: ['ds'] },
  { group: 'apps', version: 'v1', resource: 'replicasets', singular: 'replicaset', kind: 'ReplicaSet', namespaced: true, shortNames: ['rs'], subresources: ['scale'] },
  { group: 'batch', version: 'v1', resource: 'jobs', singular: 'job', kind: 'Job', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'roles', singular: 'role', kind: 'Role', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true },
  { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false },
  // CRD kinds a cluster with a policy engine serves. Calico's kinds share the name NetworkPolicy with
  // networking.k8s.io's: fixtures name them by apiVersion, and a kind alone means the built-in one.
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', resource: 'adminnetworkpolicies', singular: 'adminnetworkpolicy', kind: 'AdminNetworkPolicy', namespaced: false, shortNames: ['anp'] },
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', resource: 'baselineadminnetworkpolicies', singular: 'baselineadminnetworkpolicy', kind: 'BaselineAdminNetworkPolicy', namespaced: false, shortNames: ['banp'] },
  { group: 'policy.networking.k8s.io', version: 'v1alpha2', resource: 'clusternetworkpolicies', singular: 'clusternetworkpolicy', kind: 'ClusterNetworkPolicy', namespaced: false },
  { group: 'cilium.io', version: 'v2', resource: 'ciliumnetworkpolicies', singular: 'ciliumnetworkpolicy', kind: 'CiliumNetworkPolicy', namespaced: true, shortNames: ['cnp'] },
  { group: 'cilium.io', version: 'v2', resource: 'ciliumclusterwidenetworkpolicies', singular: 'ciliumclusterwidenetworkpolicy', kind: 'CiliumClusterwideNetworkPolicy', namespaced: false, shortNames: ['ccnp'] },
  // Calico's API server (projectcalico.org/v3) and the CRDs it stores them in (crd.projectcalico.org/v1)
  { group: 'projectcalico.org', version: 'v3', resource: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true },
  { group: 'projectcalico.org', version: 'v3', resource: 'globalnetworkpolicies', singular: 'globalnetworkpolicy', kind: 'GlobalNetworkPolicy', namespaced: false },
  { group: 'projectcalico.org', version: 'v3', resource: 'tiers', singular: 'tier', kind: 'Tier', namespaced: false },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'networkpolicies', singular: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'globalnetworkpolicies', singular: 'globalnetworkpolicy', kind: 'GlobalNetworkPolicy', namespaced: false },
  { group: 'crd.projectcalico.org', version: 'v1', resource: 'tiers', singular: 'tier', kind: 'Tier', namespaced: false },
  // the rest of a 1.32 server's built-in types (kubectl api-resources on the real server), served empty,
  // so names resolve through discovery as on a real cluster
  ...([
    ['', 'v1', 'configmaps', 'ConfigMap', true, ['cm']],
    ['', 'v1', 'endpoints', 'Endpoints', true, ['ep']],
    ['', 'v1', 'events', 'Event', true, ['ev']],
    ['', 'v1', 'limitranges', 'LimitRange', true, ['limits']],
    ['', 'v1', 'nodes', 'Node', false, ['no']],
    ['', 'v1', 'persistentvolumeclaims', 'PersistentVolumeClaim', true, ['pvc']],
    ['', 'v1', 'persistentvolumes', 'PersistentVolume', false, ['pv']],
    ['', 'v1', 'podtemplates', 'PodTemplate', true],
    ['', 'v1', 'replicationcontrollers', 'ReplicationController', true, ['rc']],
    ['', 'v1', 'resourcequotas', 'ResourceQuota', true, ['quota']],
    ['', 'v1', 'secrets', 'Secret', true],
    ['admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false],
    ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', false],
    ['admissionregistration.k8s.io', 'v1', 'validatingadmissionpolicybindings', 'ValidatingAdmissionPolicyBinding', false],
    ['admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false],
    ['apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, ['crd', 'crds']],
    ['apiregistration.k8s.io', 'v1', 'apiservices', 'APIService', false],
    ['apps', 'v1', 'controllerrevisions', 'ControllerRevision', true],
    ['autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, ['hpa']],
    ['batch', 'v1', 'cronjobs', 'CronJob', true, ['cj']],
    ['certificates.k8s.io', 'v1', 'certificatesigningrequests', 'CertificateSigningRequest', false, ['csr']],
    ['coordination.k8s.io', 'v1', 'leases', 'Lease', true],
    ['discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true],
    ['events.k8s.io', 'v1', 'events', 'Event', true, ['ev']],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'flowschemas', 'FlowSchema', false],
    ['flowcontrol.apiserver.k8s.io', 'v1', 'prioritylevelconfigurations', 'PriorityLevelConfiguration', false],
    ['networking.k8s.io', 'v1', 'ingressclasses', 'IngressClass', false],
    ['networking.k8s.io', 'v1', 'ingresses', 'Ingress', true, ['ing']],
    ['node.k8s.io', 'v1', 'runtimeclasses', 'RuntimeClass', false],
    ['policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, ['pdb']],
    ['scheduling.k8s.io', 'v1', 'priorityclasses', 'PriorityClass', false, ['pc']],
    ['storage.k8s.io', 'v1', 'csidrivers', 'CSIDriver', false],
    ['storage.k8s.io', 'v1', 'csinodes', 'CSINode', false],
    ['storage.k8s.io', 'v1', 'csistoragecapacities', 'CSIStorageCapacity', true],
    ['storage.k8s.io', 'v1', 'storageclasses', 'StorageClass', false, ['sc']],
    ['storage.k8s.io', 'v1', 'volumeattachments', 'VolumeAttachment', false],
  ] as [string, string, string, string, boolean, string[]?][]).map(([group, version, resource, kind, namespaced, shortNames]) => ({
    group,
    version,
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    ...(shortNames ? { shortNames } : {}),
  })),
];

const PROXY_VERBS = ['create', 'delete', 'get', 'patch', 'update'];
/** subresources as a 1.32 server lists them in discovery (kind, and group/version when another group's) */
const SUBRESOURCE_DISCOVERY: Record<string, { kind: string; verbs: string[]; group?: string; version?: string }> = {
  'pods/exec': { kind: 'PodExecOptions', verbs: ['create', 'get'] },
  'pods/attach': { kind: 'PodAttachOptions', verbs: ['create', 'get'] },
  'pods/portforward': { kind: 'PodPortForwardOptions', verbs: ['create', 'get'] },
  'pods/proxy': { kind: 'PodProxyOptions', verbs: PROXY_VERBS },
  'pods/log': { kind: 'Pod', verbs: ['get'] },
  'services/proxy': { kind: 'ServiceProxyOptions', verbs: PROXY_VERBS },
  'serviceaccounts/token': { kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
  scale: { kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: ['get', 'patch', 'update'] },
};

export type SelfSubjectReviewVersion = 'v1' | 'v1beta1' | 'v1alpha1';

/** create-only review resources; they exist in discovery only in the versions the server has */
interface ReviewGroup { group: string; versions: string[]; resources: { resource: string; kind: string; namespaced?: boolean }[] }

function reviewGroups(selfSubjectReviewVersions: SelfSubjectReviewVersion[]): ReviewGroup[] {
  const groups: ReviewGroup[] = [
    {
      group: 'authorization.k8s.io',
      versions: ['v1'],
      resources: [
        { resource: 'selfsubjectaccessreviews', kind: 'SelfSubjectAccessReview' },
        { resource: 'selfsubjectrulesreviews', kind: 'SelfSubjectRulesReview' },
      ],
    },
  ];
  // authentication.k8s.io/v1 always exists (TokenReview); SelfSubjectReview only where configured.
  const authnVersions = ['v1', ...(['v1beta1', 'v1alpha1'] as const).filter((v) => selfSubjectReviewVersions.includes(v))];
  for (const version of authnVersions) {
    groups.push({
      group: 'authentication.k8s.io',
      versions: [version],
      resources: selfSubjectReviewVersions.includes(version as SelfSubjectReviewVersion) ? [{ resource: 'selfsubjectreviews', kind: 'SelfSubjectReview' }] : [],
    });
  }
  return groups;
}

export function findResourceType(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.resource === resource);
}

/** The type of a kind; with an apiVersion, the kind in that group (its version when served, else the group's first). */
export function resourceTypeForKind(kind: string, apiVersion?: string): ResourceType | undefined {
  if (apiVersion === undefined) return RESOURCE_TYPES.find((t) => t.kind === kind);
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const inGroup = RESOURCE_TYPES.filter((t) => t.kind === kind && t.group === group);
  return inGroup.find((t) => t.version === version) ?? inGroup[0];
}

export function apiVersionOf(t: ResourceType): string {
  return t.group ? `${t.group}/${t.version}` : t.version;
}

export function apiVersionsDocument(): unknown {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] };
}

function groupVersions(selfSubjectReviewVersions: SelfSubjectReviewVersion[]): Map<string, string[]> {
  const byGroup = new Map<string, string[]>();
  const add = (group: string, version: string) => {
    const list = byGroup.get(group) ?? [];
    if (!list.includes(version)) list.push(version);
    byGroup.set(group, list);
  };
  for (const t of RESOURCE_TYPES) if (t.group) add(t.group, t.version);
  for (const g of reviewGroups(selfSubjectReviewVersions)) for (const v of g.versions) add(g.group, v);
  return byGroup;
}

export function apiGroupListDocument(selfSubjectReviewVersions: SelfSubjectReviewVersion[]): unknown {
  const groups = [...groupVersions(selfSubjectReviewVersions)].map(([name, versions]) => ({
    name,
    versions: versions.map((version) => ({ groupVersion: `${name}/${version}`, version })),
    preferredVersion: { groupVersion: `${name}/${versions[0]}`, version: versions[0] },
  }));
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroupDocument(group: string, selfSubjectReviewVersions: SelfSubjectReviewVersion[]): unknown | undefined {
  const versions = groupVersions(selfSubjectReviewVersions).get(group);
  if (!versions) return undefined;
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: group,
    versions: versions.map((version) => ({ groupVersion: `${group}/${version}`, version })),
    preferredVersion: { groupVersion: `${group}/${versions[0]}`, version: versions[0] },
  };
}

/** APIResourceList for /api/v1 or /apis/GROUP/VERSION; undefined when that group/version does not exist */
export function apiResourceListDocument(group: string, version: string, selfSubjectReviewVersions: SelfSubjectReviewVersion[]): unknown | undefined {
  const resources: unknown[] = [];
  let exists = false;
  for (const t of RESOURCE_TYPES) {
    if (t.group !== group || t.version !== version) continue;
    exists = true;
    resources.push({ name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: READ_WRITE, ...(t.shortNames ? { shortNames: t.shortNames } : {}) });
    for (const sub of t.subresources ?? []) {
      const real = SUBRESOURCE_DISCOVERY[`${t.resource}/${sub}`] ?? SUBRESOURCE_DISCOVERY[sub];
      resources.push({ name: `${t.resource}/${sub}`, singularName: '', namespaced: t.namespaced, ...(real ?? { kind: t.kind, verbs: ['create', 'get'] }) });
    }
  }
  for (const g of reviewGroups(selfSubjectReviewVersions)) {
    if (g.group !== group || !g.versions.includes(version)) continue;
    exists = true;
    for (const r of g.resources) resources.push({ name: r.resource, singularName: r.resource.replace(/s$/, ''), namespaced: false, kind: r.kind, verbs: ['create'] });
  }
  if (!exists) return undefined;
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}

export function reviewResourceExists(group: string, version: string, resource: string, selfSubjectReviewVersions: SelfSubjectReviewVersion[]): boolean {
  return reviewGroups(selfSubjectReviewVersions).some((g) => g.group === group && g.versions.includes(version) && g.resources.some((r) => r.resource === resource));
}
