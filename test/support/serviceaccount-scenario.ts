// One scenario for kubectl-np on a service-account token, run on the test double
// (test/integration/serviceaccount-token.test.ts) and on a real kube-apiserver
// (test/real-apiserver/serviceaccount-token.test.ts): `kubectl create token`, then `kubectl np whoami` and
// `kubectl np explain can-i` with that token as the kubeconfig user's `token:`. The service account gets
// one permission through a RoleBinding naming it, one through its namespace's group and the reading of
// RBAC through the group of all service accounts, so each part of its identity shows in a chain.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { requireFreshBuild } from './cli-process.js';
import { runCli, type CliResult } from '../integration/auth/cli.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const ROLE_REF = (kind: 'Role' | 'ClusterRole', name: string) => ({ apiGroup: 'rbac.authorization.k8s.io', kind, name });

export const SA_NS = 'robots';
export const SA_NAME = 'deployer';
export const SA_USER = `system:serviceaccount:${SA_NS}:${SA_NAME}`;

export const serviceAccountScenario: unknown[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: SA_NS } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: SA_NAME, namespace: SA_NS } },
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'pod-lister', namespace: SA_NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'deployer-lists-pods', namespace: SA_NS }, roleRef: ROLE_REF('Role', 'pod-lister'), subjects: [{ kind: 'ServiceAccount', name: SA_NAME, namespace: SA_NS }] },
  { apiVersion: RBAC, kind: 'Role', metadata: { name: 'pod-getter', namespace: SA_NS }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] },
  { apiVersion: RBAC, kind: 'RoleBinding', metadata: { name: 'robots-get-pods', namespace: SA_NS }, roleRef: ROLE_REF('Role', 'pod-getter'), subjects: [{ kind: 'Group', name: `system:serviceaccounts:${SA_NS}`, apiGroup: 'rbac.authorization.k8s.io' }] },
  { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: 'robots-rbac-reader' }, rules: [{ apiGroups: ['rbac.authorization.k8s.io'], resources: ['*'], verbs: ['get', 'list'] }] },
  { apiVersion: RBAC, kind: 'ClusterRoleBinding', metadata: { name: 'serviceaccounts-read-rbac' }, roleRef: ROLE_REF('ClusterRole', 'robots-rbac-reader'), subjects: [{ kind: 'Group', name: 'system:serviceaccounts', apiGroup: 'rbac.authorization.k8s.io' }] },
  // a pod-bound token names the pod and the node it runs on (no kubelet: spec.nodeName alone)
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'robot-node' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'runner', namespace: SA_NS }, spec: { serviceAccountName: SA_NAME, nodeName: 'robot-node', containers: [{ name: 'c', image: 'registry.example/c:1' }] } },
];

/** the questions asked of both kubectl np explain can-i and kubectl auth can-i, with the binding that must explain a yes */
export const serviceAccountQuestions: { args: string[]; allowed: boolean; via?: RegExp }[] = [
  { args: ['list', 'pods', '-n', SA_NS], allowed: true, via: /deployer-lists-pods/ },
  { args: ['get', 'pods', '-n', SA_NS], allowed: true, via: /robots-get-pods/ },
  { args: ['delete', 'pods', '-n', SA_NS], allowed: false },
  { args: ['list', 'pods', '-n', 'default'], allowed: false },
];

export interface ScenarioServer {
  /** kubectl as a cluster admin of this server */
  adminKubectl(args: string[]): Promise<{ code: number; stdout: string; stderr: string }>;
  writeKubeconfig(path: string, opts: { context?: string; namespace?: string; user: Record<string, unknown> }): void;
}

export interface ScenarioRun {
  token: string;
  /** kubectl np whoami (text and -o json) and kubectl auth whoami -o json with the token */
  whoamiText: CliResult;
  whoamiJson: CliResult;
  kubectlWhoami: { code: number; stdout: string; stderr: string };
  /** each of serviceAccountQuestions: kubectl np explain can-i and kubectl auth can-i */
  answers: { args: string[]; np: CliResult; kubectl: string }[];
  /** kubectl np whoami with a token made for another audience (kubectl create token --audience): a 401 */
  otherAudience: { token: string; whoami: CliResult };
  /** the same for a token bound to the pod `runner` */
  podBound: { token: string; whoamiText: CliResult; whoamiJson: CliResult; kubectlWhoami: { code: number; stdout: string; stderr: string } };
}

function kubectl(kubeconfig: string, args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** Runs the scenario on a server that already holds serviceAccountScenario. */
export async function runServiceAccountScenario(server: ScenarioServer): Promise<ScenarioRun> {
  requireFreshBuild();
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-sa-'));
  const np = (args: string[], kubeconfig: string) => runCli([...args, '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' } });
  const create = async (extra: string[]) => {
    const r = await server.adminKubectl(['create', 'token', SA_NAME, '-n', SA_NS, ...extra]);
    if (r.code !== 0) throw new Error(`kubectl create token failed (exit ${r.code}): ${r.stderr.trim()}`);
    return r.stdout.trim();
  };
  const asToken = (token: string, name: string) => {
    const path = join(home, `${name}.kubeconfig`);
    server.writeKubeconfig(path, { context: 'robot', namespace: SA_NS, user: { token } });
    return path;
  };

  const token = await create([]);
  const kubeconfig = asToken(token, 'unbound');
  const [whoamiText, whoamiJson, kubectlWhoami] = await Promise.all([np(['whoami'], kubeconfig), np(['whoami', '-o', 'json'], kubeconfig), kubectl(kubeconfig, ['auth', 'whoami', '-o', 'json'], home)]);
  const answers = [];
  for (const q of serviceAccountQuestions) {
    const [ours, theirs] = await Promise.all([np(['explain', 'can-i', ...q.args], kubeconfig), kubectl(kubeconfig, ['auth', 'can-i', ...q.args], home)]);
    answers.push({ args: q.args, np: ours, kubectl: theirs.stdout.trim() });
  }

  const podToken = await create(['--bound-object-kind', 'Pod', '--bound-object-name', 'runner']);
  const podConfig = asToken(podToken, 'pod-bound');
  const [podText, podJson, podKubectl] = await Promise.all([np(['whoami'], podConfig), np(['whoami', '-o', 'json'], podConfig), kubectl(podConfig, ['auth', 'whoami', '-o', 'json'], home)]);
  const otherToken = await create(['--audience', 'https://vault.example']);
  const otherAudience = { token: otherToken, whoami: await np(['whoami'], asToken(otherToken, 'other-audience')) };
  return { token, whoamiText, whoamiJson, kubectlWhoami, answers, otherAudience, podBound: { token: podToken, whoamiText: podText, whoamiJson: podJson, kubectlWhoami: podKubectl } };
}

/**
 * A token made for another audience is refused (401), and the error explains it as a service account
 * token, never as an Entra one, without printing it: the same on the double and the real server.
 */
export function expectOtherAudienceExplained({ whoami: r, token }: ScenarioRun['otherAudience']): void {
  expect(r.code).toBe(3);
  expect(r.stderr).toMatch(/rejected the credentials \(401\)/);
  expect(r.stderr).toContain('the token sent (a Kubernetes service account token, not an Entra ID token; decoded locally): service account robots/deployer');
  expect(r.stderr).toContain("the token's audience is https://vault.example: the API server takes a service account token only for its own audiences");
  expect(r.stderr).not.toMatch(/tenant|--oidc-client-id|server-id/);
  for (const part of token.split('.').slice(1)) expect(r.stdout + r.stderr).not.toContain(part);
}
