// What the live CLI suites put in the test API server and how they run the CLI against it: the shop example
// as API objects, running replicas and engine agents to add to it, and runs as one of the server's users.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT, runCliAsync, type CliResult } from './cli-process.js';

/** The files of examples/shop that a cluster running it holds, in the order to apply them. */
export const SHOP_EXAMPLE_FILES = ['namespaces.yaml', 'shop.yaml', 'payments.yaml', 'platform.yaml', 'policies/shop.yaml', 'policies/payments.yaml'].map((f) => join(REPO_ROOT, 'examples/shop', f));

/** examples/shop as the objects a cluster running it holds: namespaces, workloads, Services and policies (no pods). */
export function shopExampleObjects(): unknown[] {
  return SHOP_EXAMPLE_FILES.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS())).filter(Boolean);
}

/** A running pod its controller (a ReplicaSet, a DaemonSet…) owns, with its IP. */
export function runningPod(namespace: string, name: string, labels: Record<string, string>, owner: { kind: string; name: string }, ip: string, ports: unknown[]) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { namespace, name, labels, ownerReferences: [{ apiVersion: 'apps/v1', kind: owner.kind, name: owner.name, uid: `${name}-uid`, controller: true }] },
    spec: { containers: [{ name: 'c', image: 'x', ports }] },
    status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] },
  };
}

/** An engine's agent DaemonSet, where its installer puts it. */
export function engineAgent(name: string, namespace = 'kube-system') {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { namespace, name },
    spec: { selector: { matchLabels: { 'k8s-app': name } }, template: { metadata: { labels: { 'k8s-app': name } }, spec: { hostNetwork: true, containers: [{ name, image: 'x' }] } } },
  };
}

/** `kubectl-np ARGS` as the user of `kubeconfig` (passed as --kubeconfig and KUBECONFIG), with HOME at `home`. */
export function cliAs(kubeconfig: string, home: string): (args: string[]) => Promise<CliResult> {
  return (args) => runCliAsync([...args, '--kubeconfig', kubeconfig], { HOME: home, KUBECONFIG: kubeconfig });
}

/**
 * The user of the "cannot tell" suites: it may read what the NetworkPolicy commands read only where
 * bindScopedReader binds a policyReaderRole, and Namespace objects only when that role's `extra` names them.
 */
export const SCOPED_READER = 'dev@example.com';

/** A Namespace with the kubernetes.io/metadata.name label the API server gives it. */
export function labelledNamespace(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels: { ...labels, 'kubernetes.io/metadata.name': name } } };
}

/** A running pod labelled app=NAME that declares port 5432: the client and the database of the scoped suites. */
export function postgresPod(namespace: string, name: string, ip: string) {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { namespace, name, labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 5432 }] }] }, status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } };
}

/** A ClusterRole to get and list what the NetworkPolicy commands read (pods, Services, workloads, policies), and `extra` resources. */
export function policyReaderRole(name: string, extra: string[] = []) {
  const resources = ['pods', 'services', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'networkpolicies', ...extra];
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules: [{ apiGroups: ['', 'apps', 'batch', 'networking.k8s.io'], resources, verbs: ['get', 'list'] }] };
}

/** A RoleBinding of ClusterRole `role` to the scoped reader in `namespace`. */
export function bindScopedReader(namespace: string, role: string) {
  return { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { namespace, name: `dev-${role}` }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role }, subjects: [{ kind: 'User', name: SCOPED_READER }] };
}
