import { describe, expect, it } from 'vitest';
import { emptySnapshot, type ClusterSnapshot } from '../../../src/model/k8s.js';
import { podIdentity } from '../../../src/identity/pod-identity.js';
import { chooseEngine } from '../../../src/netpol/engine-choice.js';
import { renderPodIdentity } from '../../../src/render/whoami.js';
import { UsageError } from '../../../src/errors.js';

function snapshot(podLabels: Record<string, string>, saAnnotations: Record<string, string> = {}): ClusterSnapshot {
  return {
    ...emptySnapshot('test'),
    namespaces: [{ metadata: { name: 'shop' } }],
    pods: [{ metadata: { name: 'api-0', namespace: 'shop', labels: podLabels }, spec: { serviceAccountName: 'api', containers: [{ name: 'c' }] } }],
    serviceAccounts: [{ metadata: { name: 'api', namespace: 'shop', annotations: saAnnotations } }],
    workloads: [
      { kind: 'Deployment', metadata: { name: 'worker', namespace: 'shop' }, spec: { template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'c' }] } } } },
    ],
    networkPolicies: [
      { metadata: { name: 'deny-all', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] } },
      { metadata: { name: 'api-in', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{}] } },
      { metadata: { name: 'elsewhere', namespace: 'other' }, spec: { podSelector: {} } },
    ],
  };
}
const noRbac = { rbac: { roles: [], roleBindings: [] }, gaps: [] };

describe('podIdentity', () => {
  it('uses the pod service account and its workload identity annotation', () => {
    const r = podIdentity(snapshot({ app: 'api', 'azure.workload.identity/use': 'true' }, { 'azure.workload.identity/client-id': 'cid', 'azure.workload.identity/tenant-id': 'tid' }), noRbac, 'pod/api-0', 'shop');
    expect(r.user).toEqual({ username: 'system:serviceaccount:shop:api', groups: ['system:serviceaccounts', 'system:serviceaccounts:shop', 'system:authenticated'] });
    expect(r.workloadIdentity).toEqual({ clientId: 'cid', tenantId: 'tid', podOptedIn: true });
    expect(r.networkPolicies).toEqual([
      { namespace: 'shop', name: 'api-in', directions: ['ingress'], appliesTo: 'pods with app=api in namespace shop' },
      { namespace: 'shop', name: 'deny-all', directions: ['ingress', 'egress'], appliesTo: 'every pod in namespace shop' },
    ]);
  });

  it('says what is missing for workload identity to work', () => {
    expect(podIdentity(snapshot({ app: 'api' }, { 'azure.workload.identity/client-id': 'cid' }), noRbac, 'api-0', 'shop').workloadIdentity?.problem).toContain('lacks the label azure.workload.identity/use');
    expect(podIdentity(snapshot({ 'azure.workload.identity/use': 'true' }), noRbac, 'api-0', 'shop').workloadIdentity?.problem).toContain('lacks the annotation azure.workload.identity/client-id');
    expect(podIdentity(snapshot({}), noRbac, 'api-0', 'shop').workloadIdentity).toBeUndefined();
  });

  it('reads a workload through its pod template and the default service account', () => {
    const r = podIdentity(snapshot({}), noRbac, 'deploy/worker', 'shop');
    expect(r.target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'worker', fromTemplate: true });
    expect(r.serviceAccount).toEqual({ namespace: 'shop', name: 'default', found: false });
    expect(r.notes.join(' ')).toContain('pod template');
  });

  it("reads a workload through its running pods when they were read: the pod's service account and labels, not the template's", () => {
    const base = snapshot({});
    const rs = { kind: 'ReplicaSet' as const, metadata: { name: 'worker-5d4', namespace: 'shop', ownerReferences: [{ kind: 'Deployment', name: 'worker', controller: true }] }, spec: { template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [] } } } };
    const pod = (name: string, sa: string, extra: Record<string, string> = {}) => ({
      metadata: { name, namespace: 'shop', labels: { app: 'worker', 'pod-template-hash': name.slice(-3), 'azure.workload.identity/use': 'true', ...extra }, ownerReferences: [{ kind: 'ReplicaSet', name: 'worker-5d4', controller: true }] },
      spec: { serviceAccountName: sa, containers: [{ name: 'c' }] },
      status: { phase: 'Running' },
    });
    const live: ClusterSnapshot = { ...base, workloads: [...base.workloads, rs], pods: [...base.pods, pod('worker-5d4-b22', 'api'), pod('worker-5d4-a11', 'api')] };
    const r = podIdentity(live, noRbac, 'deploy/worker', 'shop');
    expect(r.target).toEqual({ kind: 'Deployment', namespace: 'shop', name: 'worker', fromTemplate: false, pods: ['worker-5d4-a11', 'worker-5d4-b22'] });
    expect(r.serviceAccount.name).toBe('api');
    expect(r.workloadIdentity?.podOptedIn).toBe(true);
    expect(r.notes).toEqual([]);
    // a rollout half done: the pods disagree, and the report says which one it shows
    const rollout = podIdentity({ ...live, pods: [...base.pods, pod('worker-5d4-a11', 'api'), pod('worker-5d4-c33', 'worker', { track: 'canary' })] }, noRbac, 'deploy/worker', 'shop');
    expect(rollout.notes).toEqual(['the pods of Deployment worker differ in service account or labels (a rollout?): showing pod worker-5d4-a11']);
  });

  it('rejects what is not a pod or workload', () => {
    expect(() => podIdentity(snapshot({}), noRbac, 'svc/api', 'shop')).toThrow(UsageError);
    expect(() => podIdentity(snapshot({}), noRbac, 'ip:10.0.0.1', 'shop')).toThrow(UsageError);
    expect(() => podIdentity(snapshot({}), noRbac, 'pod/missing', 'shop')).toThrow(/not found/);
  });

  it('lists the policies of every kind selecting it, through the engine can-reach uses, and the unevaluated ones that may', () => {
    const snap: ClusterSnapshot = {
      ...snapshot({ app: 'api' }),
      namespaces: [{ metadata: { name: 'shop', labels: { team: 'shop' } } }],
      policyObjects: [
        { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'no-imds' }, spec: { priority: 10, subject: { namespaces: { matchLabels: { team: 'shop' } } }, egress: [{ action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] } },
        { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'other-team' }, spec: { priority: 20, subject: { namespaces: { matchLabels: { team: 'payments' } } }, egress: [{ action: 'Deny', to: [{ networks: ['0.0.0.0/0'] }] }] } },
        { apiVersion: 'projectcalico.org/v3', kind: 'NetworkPolicy', metadata: { name: 'api-in', namespace: 'shop' }, spec: { order: 100, selector: "app == 'api'", ingress: [{ action: 'Allow' }] } },
        { apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'world-deny' }, spec: { endpointSelector: {}, ingressDeny: [{ fromEntities: ['world'] }], ingress: [{ fromEntities: ['all'] }] } },
        { apiVersion: 'crd.antrea.io/v1beta1', kind: 'NetworkPolicy', metadata: { name: 'antrea', namespace: 'shop' }, spec: {} },
      ],
    };
    const r = podIdentity(snap, noRbac, 'pod/api-0', 'shop');
    expect(r.networkPolicies.filter((p) => p.kind)).toEqual([
      { kind: 'CiliumClusterwideNetworkPolicy', namespace: '', name: 'world-deny', directions: ['ingress'], appliesTo: 'Cilium: deny rules first, allow rules unioned with NetworkPolicies' },
      { kind: 'Calico NetworkPolicy', namespace: 'shop', name: 'api-in', directions: ['ingress'], appliesTo: 'Calico tier default, order 100' },
      { kind: 'AdminNetworkPolicy', namespace: '', name: 'no-imds', directions: ['egress'], appliesTo: 'tier admin, priority 10' },
    ]);
    expect(r.notEvaluated).toEqual([{ object: 'NetworkPolicy shop/antrea', reason: 'kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1)', mayDecide: true }]);
  });

  it('says of each unevaluated entry whether it may decide for the pod, and marks only those "(may select it)"', () => {
    // Calico runs: its policies count, Cilium's are ignored, whether read or in a list one may not read
    const snap: ClusterSnapshot = {
      ...snapshot({ app: 'api' }),
      origin: 'live',
      policyEngines: ['calico-node'],
      policyObjects: [{ apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { name: 'api-deny', namespace: 'shop' }, spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingressDeny: [{ fromEntities: ['world'] }] } }],
      unreadable: [
        { resource: 'ciliumnetworkpolicies.cilium.io', namespace: 'shop' },
        { resource: 'networkpolicies.projectcalico.org', namespace: 'shop' },
      ],
    };
    const r = podIdentity(snap, noRbac, 'pod/api-0', 'shop', chooseEngine(snap, undefined));
    expect(r.notEvaluated).toEqual([
      { object: 'networkpolicies.projectcalico.org in namespace shop', reason: 'you may not list them', mayDecide: true },
      { object: 'CiliumNetworkPolicy shop/api-deny', reason: "not enforced: this cluster's engine is Calico", mayDecide: false },
      { object: 'ciliumnetworkpolicies.cilium.io in namespace shop', reason: "not read (you may not list them), and not enforced: this cluster's engine is Calico", mayDecide: false },
    ]);
    const lines = renderPodIdentity(r).split('\n').filter((l) => l.includes('not evaluated:'));
    expect(lines).toEqual([
      '  not evaluated: networkpolicies.projectcalico.org in namespace shop — you may not list them (may select it)',
      "  not evaluated: CiliumNetworkPolicy shop/api-deny is not enforced: this cluster's engine is Calico",
      "  not evaluated: ciliumnetworkpolicies.cilium.io in namespace shop is not read (you may not list them), and not enforced: this cluster's engine is Calico",
    ]);
  });
});
