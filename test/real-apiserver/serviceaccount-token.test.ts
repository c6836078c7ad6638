// kubectl-np with a Kubernetes service-account token on a real kube-apiserver, and the same scenario on
// the test double side by side (test/support/serviceaccount-scenario.ts): `kubectl create token`, then
// whoami and explain can-i with the token. kubectl-np must agree with kubectl on the real server, and the
// double must agree with the real server on the username, the groups and the extra keys.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runKubectl, startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';
import { expectOtherAudienceExplained, runServiceAccountScenario, serviceAccountQuestions, serviceAccountScenario, SA_NS, SA_USER, type ScenarioRun } from '../support/serviceaccount-scenario.js';

let real: RealApiServer;
let double: TestApiServer;
let onReal: ScenarioRun;
let onDouble: ScenarioRun;
beforeAll(async () => {
  real = await startRealApiServer();
  await real.apply(serviceAccountScenario);
  double = await startTestApiServer({ staticTokens: { 'sa-scenario-admin-0123456789': { username: 'admin', groups: ['system:masters'] } }, objects: serviceAccountScenario });
  const home = mkdtempSync(join(tmpdir(), 'kubectl-np-sa-admin-'));
  const admin = join(home, 'admin.kubeconfig');
  double.writeKubeconfig(admin, { user: { token: 'sa-scenario-admin-0123456789' } });
  onReal = await runServiceAccountScenario({ adminKubectl: (args) => real.kubectl(args), writeKubeconfig: real.writeKubeconfig });
  onDouble = await runServiceAccountScenario({ adminKubectl: (args) => runKubectl(args, { kubeconfig: admin, home }), writeKubeconfig: double.writeKubeconfig });
});
afterAll(async () => {
  await double?.close();
  await real?.close();
});

const userInfo = (r: { stdout: string }) => JSON.parse(r.stdout).status.userInfo as { username: string; uid: string; groups: string[]; extra: Record<string, string[]> };

describe('kubectl np with a service-account token (real kube-apiserver)', () => {
  it('whoami -o json says what kubectl auth whoami says: the service account, its uid, groups and credential-id', () => {
    expect(onReal.whoamiJson.code).toBe(0);
    expect(onReal.kubectlWhoami.code).toBe(0);
    const reference = userInfo(onReal.kubectlWhoami);
    expect(reference.username).toBe(SA_USER);
    expect(reference.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^JTI=/);
    const ours = JSON.parse(onReal.whoamiJson.stdout);
    expect(ours.apiServer.user).toEqual(reference);
    expect(ours.token.serviceAccount).toEqual({ namespace: SA_NS, name: 'deployer', uid: reference.uid });
  });

  it('whoami says it is a Kubernetes service account token, lists the bindings through the service account and its groups, and never prints the token', () => {
    const r = onReal.whoamiText;
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ +Kind +Kubernetes service account token, not an Entra ID token$/m);
    expect(r.stdout).toMatch(/RoleBinding robots\/deployer-lists-pods → Role robots\/pod-lister +via ServiceAccount robots\/deployer/);
    expect(r.stdout).toMatch(/RoleBinding robots\/robots-get-pods → Role robots\/pod-getter +via Group system:serviceaccounts:robots/);
    for (const out of [r.stdout, r.stderr]) expect(out).not.toContain(onReal.token.split('.')[2]);
  });

  it('explain can-i answers as kubectl auth can-i does, with the binding chain that grants it', () => {
    for (const [i, q] of serviceAccountQuestions.entries()) {
      const { np, kubectl } = onReal.answers[i];
      expect(kubectl, q.args.join(' ')).toBe(q.allowed ? 'yes' : 'no');
      expect(np.code, `${q.args.join(' ')}: ${np.stderr}`).toBe(q.allowed ? 0 : 1);
      if (q.via) expect(np.stdout).toMatch(q.via);
    }
  });

  it('the double agrees with the real server on username, groups and extra keys, for an unbound and a pod-bound token, and kubectl-np says the same on both', () => {
    const shape = (u: ReturnType<typeof userInfo>) => ({ username: u.username, groups: u.groups, extraKeys: Object.keys(u.extra ?? {}).sort() });
    expect(shape(userInfo(onDouble.kubectlWhoami))).toEqual(shape(userInfo(onReal.kubectlWhoami)));
    expect(shape(userInfo(onDouble.podBound.kubectlWhoami))).toEqual(shape(userInfo(onReal.podBound.kubectlWhoami)));
    expect(shape(userInfo(onReal.podBound.kubectlWhoami)).extraKeys).toEqual(['credential-id', 'node-name', 'node-uid', 'pod-name', 'pod-uid'].map((k) => `authentication.kubernetes.io/${k}`));
    expect(onReal.podBound.whoamiText.stdout).toMatch(/^ +Bound to +pod robots\/runner on node robot-node$/m);
    expect(onDouble.podBound.whoamiText.stdout).toMatch(/^ +Bound to +pod robots\/runner on node robot-node$/m);
    // the verdict lines (the first of each answer) are the same on both servers
    const verdicts = (run: ScenarioRun) => run.answers.map((a) => [a.np.code, a.np.stdout.split('\n')[0]]);
    expect(verdicts(onDouble)).toEqual(verdicts(onReal));
  });
  it('a token made for another audience is refused (401): the error explains it as a service account token, never as an Entra one, and does not print it', () => {
    expectOtherAudienceExplained(onReal.otherAudience);
  });
  it('a pod-bound token stops authenticating once its pod is deleted (after the server\'s token cache lets go), while the unbound one still works', async () => {
    const kubeconfigs = { bound: join(real.dir, 'sa-pod-bound.kubeconfig'), unbound: join(real.dir, 'sa-unbound.kubeconfig') };
    real.writeKubeconfig(kubeconfigs.bound, { user: { token: onReal.podBound.token } });
    real.writeKubeconfig(kubeconfigs.unbound, { user: { token: onReal.token } });
    const del = await real.kubectl(['delete', 'pod', 'runner', '-n', SA_NS, '--grace-period=0', '--force', '--wait=false']);
    expect(del.code, del.stderr).toBe(0);
    // a successful token review is cached for about 10 s: poll until the refusal shows
    const refused = await real.eventually('the pod-bound token to be refused', async () => {
      const r = await real.kubectl(['--kubeconfig', kubeconfigs.bound, 'auth', 'whoami']);
      return r.code !== 0 ? r : undefined;
    });
    expect(refused.stderr).toMatch(/Unauthorized/);
    expect((await real.kubectl(['--kubeconfig', kubeconfigs.unbound, 'auth', 'whoami', '-o', 'json'])).code).toBe(0);
  });
});
