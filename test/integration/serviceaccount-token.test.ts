// kubectl-np with a Kubernetes service-account token, on the test double: `kubectl create token`, then
// whoami and explain can-i with the token as the kubeconfig user's `token:`. The same scenario runs on a
// real kube-apiserver in test/real-apiserver/serviceaccount-token.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireKubectl, runKubectl, startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { runCli } from './auth/cli.js';
import { expectOtherAudienceExplained, runServiceAccountScenario, serviceAccountQuestions, serviceAccountScenario, SA_NS, SA_USER, type ScenarioRun } from '../support/serviceaccount-scenario.js';

let server: TestApiServer;
let run: ScenarioRun;
beforeAll(async () => {
  requireKubectl();
  server = await startTestApiServer({ staticTokens: { 'sa-scenario-admin-0123456789': { username: 'admin', groups: ['system:masters'] } }, objects: serviceAccountScenario });
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-sa-admin-'));
  const admin = join(home, 'admin.kubeconfig');
  server.writeKubeconfig(admin, { user: { token: 'sa-scenario-admin-0123456789' } });
  run = await runServiceAccountScenario({ adminKubectl: (args) => runKubectl(args, { kubeconfig: admin, home }), writeKubeconfig: server.writeKubeconfig });
});
afterAll(async () => server?.close());

describe('kubectl np with a service-account token (test double)', () => {
  it('whoami shows the service account as the API server sees it, and says the token is a Kubernetes service account token, not an Entra one', () => {
    const { whoamiText: r } = run;
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^ +Username +${SA_USER}$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^ +Groups +system:serviceaccounts, system:serviceaccounts:${SA_NS}, system:authenticated$`, 'm'));
    expect(r.stdout).toMatch(/^ +Extra authentication\.kubernetes\.io\/credential-id +JTI=[0-9a-f-]{36}$/m);
    expect(r.stdout).toMatch(/^ +Kind +Kubernetes service account token, not an Entra ID token$/m);
    expect(r.stdout).toMatch(new RegExp(`^ +Service account +${SA_NS}/deployer$`, 'm'));
    expect(r.stdout).not.toMatch(/Tenant|Object ID|Bound to/);
    // the bindings that name the service account, its namespace's group and every service account's group
    expect(r.stdout).toMatch(/RoleBinding robots\/deployer-lists-pods → Role robots\/pod-lister +via ServiceAccount robots\/deployer/);
    expect(r.stdout).toMatch(/RoleBinding robots\/robots-get-pods → Role robots\/pod-getter +via Group system:serviceaccounts:robots/);
    expect(r.stdout).toMatch(/ClusterRoleBinding serviceaccounts-read-rbac → ClusterRole robots-rbac-reader +via Group system:serviceaccounts\b/);
    for (const out of [r.stdout, r.stderr, run.whoamiJson.stdout]) for (const part of run.token.split('.')) expect(out).not.toContain(part);
  });

  it('whoami -o json says what kubectl auth whoami says, and names the service account from the token', () => {
    expect(run.whoamiJson.code).toBe(0);
    expect(run.kubectlWhoami.code).toBe(0);
    const ours = JSON.parse(run.whoamiJson.stdout);
    const reference = JSON.parse(run.kubectlWhoami.stdout).status.userInfo;
    expect(reference.username).toBe(SA_USER);
    expect(ours.apiServer.user).toEqual(reference);
    expect(ours.token.serviceAccount).toEqual({ namespace: SA_NS, name: 'deployer', uid: reference.uid });
  });

  it('explain can-i answers as kubectl auth can-i does, with the binding chain that grants it', () => {
    for (const [i, q] of serviceAccountQuestions.entries()) {
      const { np, kubectl } = run.answers[i];
      expect(kubectl, q.args.join(' ')).toBe(q.allowed ? 'yes' : 'no');
      expect(np.code, `${q.args.join(' ')}: ${np.stderr}`).toBe(q.allowed ? 0 : 1);
      expect(np.stdout).toMatch(new RegExp(`^${q.allowed ? 'yes' : 'no'} — ${q.args[0]} ${q.args[1]} in namespace ${q.args[3]} as ${SA_USER}$`, 'm'));
      if (q.via) expect(np.stdout).toMatch(q.via);
    }
  });

  it('whoami on a pod-bound token names the pod and its node, as the API server\'s extra does', () => {
    const { whoamiText, whoamiJson, kubectlWhoami } = run.podBound;
    expect(whoamiText.code).toBe(0);
    expect(whoamiText.stdout).toMatch(/^ +Bound to +pod robots\/runner on node robot-node$/m);
    expect(whoamiText.stdout).toMatch(/^ +Extra authentication\.kubernetes\.io\/pod-name +runner$/m);
    const reference = JSON.parse(kubectlWhoami.stdout).status.userInfo;
    expect(Object.keys(reference.extra).sort()).toEqual(['credential-id', 'node-name', 'node-uid', 'pod-name', 'pod-uid'].map((k) => `authentication.kubernetes.io/${k}`));
    expect(JSON.parse(whoamiJson.stdout).apiServer.user).toEqual(reference);
  });
  it('a token made for another audience is refused (401): the error explains it as a service account token, never as an Entra one, and does not print it', () => {
    expectOtherAudienceExplained(run.otherAudience);
  });
  it('a pod-bound token stops authenticating once its pod is gone, while the unbound one still works', async () => {
    // the same service account (its uid kept), without the pod
    const uid = JSON.parse(run.whoamiJson.stdout).apiServer.user.uid as string;
    server.setObjects(serviceAccountScenario.flatMap((o) => {
      const obj = o as { kind: string; metadata: Record<string, unknown> };
      if (obj.kind === 'Pod') return [];
      return obj.kind === 'ServiceAccount' ? [{ ...obj, metadata: { ...obj.metadata, uid } }] : [obj];
    }));
    const home = mkdtempSync(join(tmpdir(), 'kubectl-np-sa-gone-'));
    const kubeconfig = (token: string, name: string) => {
      const path = join(home, name);
      server.writeKubeconfig(path, { user: { token } });
      return path;
    };
    const refused = await runKubectl(['auth', 'whoami'], { kubeconfig: kubeconfig(run.podBound.token, 'bound'), home });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/Unauthorized/);
    expect(server.requests.at(-1)?.authError).toBe('serviceaccount: pods "runner" not found');
    expect((await runKubectl(['auth', 'whoami'], { kubeconfig: kubeconfig(run.token, 'unbound'), home })).code).toBe(0);
  });
  it('whoami --token-only names the service account offline, and --resolve-groups says a service account has no Entra groups instead of suggesting setup', async () => {
    const home = mkdtempSync(join(tmpdir(), 'kubectl-np-sa-offline-'));
    const kubeconfig = join(home, 'sa.kubeconfig');
    server.writeKubeconfig(kubeconfig, { context: 'robot', user: { token: run.podBound.token } });
    const np = (args: string[]) => runCli([...args, '--kubeconfig', kubeconfig], { env: { PATH: process.env.PATH, HOME: home, NO_COLOR: '1' } });
    const tokenOnly = await np(['whoami', '--token-only']);
    expect(tokenOnly.code).toBe(0);
    expect(tokenOnly.stdout).toMatch(/^ +Kind +Kubernetes service account token, not an Entra ID token$/m);
    expect(tokenOnly.stdout).toMatch(/^ +Bound to +pod robots\/runner on node robot-node$/m);
    const groups = await np(['whoami', '--resolve-groups']);
    expect(groups.code).toBe(2);
    expect(groups.stderr.trim()).toBe(`error: --resolve-groups fetches Entra ID groups from Microsoft Graph, but context robot sends a Kubernetes service account token (${SA_NS}/deployer): it has no Entra groups, only system:serviceaccounts and system:serviceaccounts:${SA_NS} (run whoami without --resolve-groups)`);
  });
});
