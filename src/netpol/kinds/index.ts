// Which policy kinds kubectl-np evaluates, how each is named in output, and which engine enforces it.
// Pure: the readers (manifests, live) and the engine share this one table.
import type { PolicyObject } from '../../model/k8s.js';

export type PolicyFamily =
  | 'AdminNetworkPolicy'
  | 'BaselineAdminNetworkPolicy'
  | 'ClusterNetworkPolicy'
  | 'CiliumNetworkPolicy'
  | 'CiliumClusterwideNetworkPolicy'
  | 'CalicoNetworkPolicy'
  | 'CalicoGlobalNetworkPolicy';

export interface PolicyKind {
  family: PolicyFamily;
  group: string;
  version: string;
  kind: string;
  /** plural resource, as in API paths */
  resource: string;
  namespaced: boolean;
}

/** Every kind the engine evaluates, in the order live reads list them. */
export const POLICY_KINDS: readonly PolicyKind[] = [
  { family: 'AdminNetworkPolicy', group: 'policy.networking.k8s.io', version: 'v1alpha1', kind: 'AdminNetworkPolicy', resource: 'adminnetworkpolicies', namespaced: false },
  { family: 'BaselineAdminNetworkPolicy', group: 'policy.networking.k8s.io', version: 'v1alpha1', kind: 'BaselineAdminNetworkPolicy', resource: 'baselineadminnetworkpolicies', namespaced: false },
  { family: 'ClusterNetworkPolicy', group: 'policy.networking.k8s.io', version: 'v1alpha2', kind: 'ClusterNetworkPolicy', resource: 'clusternetworkpolicies', namespaced: false },
  { family: 'CiliumNetworkPolicy', group: 'cilium.io', version: 'v2', kind: 'CiliumNetworkPolicy', resource: 'ciliumnetworkpolicies', namespaced: true },
  { family: 'CiliumClusterwideNetworkPolicy', group: 'cilium.io', version: 'v2', kind: 'CiliumClusterwideNetworkPolicy', resource: 'ciliumclusterwidenetworkpolicies', namespaced: false },
  // the API server Calico installs serves projectcalico.org/v3; without it only the stored crd.projectcalico.org/v1 form exists
  { family: 'CalicoNetworkPolicy', group: 'projectcalico.org', version: 'v3', kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true },
  { family: 'CalicoGlobalNetworkPolicy', group: 'projectcalico.org', version: 'v3', kind: 'GlobalNetworkPolicy', resource: 'globalnetworkpolicies', namespaced: false },
  { family: 'CalicoNetworkPolicy', group: 'crd.projectcalico.org', version: 'v1', kind: 'NetworkPolicy', resource: 'networkpolicies', namespaced: true },
  { family: 'CalicoGlobalNetworkPolicy', group: 'crd.projectcalico.org', version: 'v1', kind: 'GlobalNetworkPolicy', resource: 'globalnetworkpolicies', namespaced: false },
];

/**
 * Calico's Tier (projectcalico.org/v3, stored as crd.projectcalico.org/v1): not a policy, but its `order`
 * places the tier's policies among the others, so it is read with them.
 */
export const TIER_KINDS: readonly Omit<PolicyKind, 'family'>[] = [
  { group: 'projectcalico.org', version: 'v3', kind: 'Tier', resource: 'tiers', namespaced: false },
  { group: 'crd.projectcalico.org', version: 'v1', kind: 'Tier', resource: 'tiers', namespaced: false },
];

export function isCalicoTier(apiVersion: string, kind: string): boolean {
  return TIER_KINDS.some((k) => k.kind === kind && k.group === groupOf(apiVersion));
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
}

/** The evaluated kind an apiVersion/kind pair is, whatever its version within the group (CRDs move versions). */
export function policyKindOf(apiVersion: string, kind: string): PolicyKind | undefined {
  const group = groupOf(apiVersion);
  return POLICY_KINDS.find((k) => k.group === group && k.kind === kind);
}

/** Groups whose kinds filter traffic: anything there that is not evaluated must be named. */
const POLICY_GROUPS = new Set([
  'policy.networking.k8s.io',
  'cilium.io',
  'projectcalico.org',
  'crd.projectcalico.org',
  'crd.antrea.io',
  'security.antrea.tanzu.vmware.com',
  'networking.gke.io',
  'k8s.ovn.org',
  'security.openshift.io',
  'network.openshift.io',
]);

/** Kinds that are not policies though they live in a policy group (Calico's IP pools, Cilium's endpoints, …). */
const NOT_POLICIES = /^(CiliumEndpoint|CiliumIdentity|CiliumNode|CiliumEndpointSlice|CiliumLoadBalancerIPPool|CiliumBGP.*|CiliumL2.*|CiliumEnvoyConfig|CiliumClusterwideEnvoyConfig|CiliumLocalRedirectPolicy|CiliumEgressGatewayPolicy|CiliumPodIPPool|CiliumExternalWorkload|IPPool|IPAMBlock|IPAMHandle|IPAMConfig|IPReservation|BlockAffinity|BGP.*|FelixConfiguration|ClusterInformation|KubeControllersConfiguration|HostEndpoint|NetworkSet|GlobalNetworkSet|Tier|ExternalNetworkSet|Staged.*)$/;

/**
 * Is this object something that may filter traffic? Evaluated kinds are; so is any kind named like a
 * network policy, or living in a policy group (except its bookkeeping kinds).
 */
export function isPolicyLike(apiVersion: string, kind: string): boolean {
  if (policyKindOf(apiVersion, kind)) return true;
  // NetworkPolicy itself (also written without apiVersion) is read separately; Ingress etc. are not policies
  if (groupOf(apiVersion) === '' || groupOf(apiVersion) === 'networking.k8s.io') return false;
  if (NOT_POLICIES.test(kind)) return false;
  return /NetworkPolicy$/.test(kind) || POLICY_GROUPS.has(groupOf(apiVersion));
}

/** "CiliumNetworkPolicy shop/deny-db", "AdminNetworkPolicy deny-imds", "Calico NetworkPolicy shop/x". */
export function policyTitle(object: Pick<PolicyObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const known = policyKindOf(object.apiVersion, object.kind);
  const kind = known?.family === 'CalicoNetworkPolicy' ? 'Calico NetworkPolicy' : known?.family === 'CalicoGlobalNetworkPolicy' ? 'Calico GlobalNetworkPolicy' : object.kind;
  const name = object.metadata.namespace ? `${object.metadata.namespace}/${object.metadata.name}` : object.metadata.name;
  return `${kind} ${name}`;
}

/** Built-in kinds another group also has: Calico's NetworkPolicy beside networking.k8s.io's. */
const BUILT_IN_KINDS = new Set(['networkpolicy']);

/**
 * How findings (and their skip annotations) name a policy object: `kind/NAME`, as kubectl's short form,
 * except a kind a built-in one shares its name with, which is qualified by its group as `kubectl get -o name`
 * does (`networkpolicy.projectcalico.org/NAME`), so it is never taken for the NetworkPolicy of the same name.
 */
export function policyObjectName(object: Pick<PolicyObject, 'apiVersion' | 'kind' | 'metadata'>): string {
  const kind = object.kind.toLowerCase();
  const group = groupOf(object.apiVersion);
  const qualified = BUILT_IN_KINDS.has(kind) && group !== '' && group !== 'networking.k8s.io';
  return `${qualified ? `${kind}.${group}` : kind}/${object.metadata.name}`;
}

/** Engines `--engine` names; auto evaluates every kind given. */
export const ENGINES = ['auto', 'azure-npm', 'calico', 'cilium', 'antrea', 'ovn-kubernetes', 'kube-network-policies'] as const;
export type EngineName = (typeof ENGINES)[number];

/** The policy kinds each engine enforces besides NetworkPolicy (docs/network-policies.md, "Engines"). */
const ENFORCES: Record<Exclude<EngineName, 'auto'>, { title: string; families: PolicyFamily[] }> = {
  'azure-npm': { title: 'Azure NPM', families: [] },
  calico: { title: 'Calico', families: ['CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
  cilium: { title: 'Cilium', families: ['CiliumNetworkPolicy', 'CiliumClusterwideNetworkPolicy'] },
  antrea: { title: 'Antrea', families: ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
  'ovn-kubernetes': { title: 'OVN-Kubernetes', families: ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
  'kube-network-policies': { title: 'kube-network-policies', families: ['AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] },
};

/** An engine's name in output and the kinds beyond NetworkPolicy it enforces. */
export function engineKinds(engine: Exclude<EngineName, 'auto'>): { title: string; families: readonly PolicyFamily[] } {
  return ENFORCES[engine];
}

/** For PolicyEngine's options: why a family is not enforced under this engine, or undefined when it is. */
export function notEnforcedBy(engine: EngineName): ((family: PolicyFamily) => string | undefined) | undefined {
  if (engine === 'auto') return undefined;
  const e = ENFORCES[engine];
  return (family) => (e.families.includes(family) ? undefined : `--engine ${engine}: ${e.title} does not enforce ${family}`);
}
