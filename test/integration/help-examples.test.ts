// Every --help example runs as written and gets a sensible answer. The kubectl-np part of each line runs
// (its pipeline segment; a VAR=value prefix is its environment; `kubectl apply … -f FILE |` before it is
// its stdin, FILE's text, as kubectl would print it) in a scratch directory holding the files the examples
// name, with a kubeconfig whose contexts reach the test API server: aks-shop (current, namespace default)
// and prod as a cluster admin (so --as may impersonate), aks-prod through a kubectl-np exec entry and
// aks-dev through a kubelogin one. The server serves the shop example plus what the live examples name:
// a Calico agent, the AdminNetworkPolicy no-imds, namespace shop with deploy/api and its pod
// api-7c9d-x2x4z, deploy/api in default, service accounts api. Nothing reaches the internet (offline.cjs):
// an example that signs in gets the one-line refusal naming the Entra host it cannot reach.
// EXPECTED holds each example's exit code and a line of its output; an example without an entry fails.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments, stringify } from 'yaml';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { requireFreshBuild, repoRoot } from './auth/dist.js';
import { isolatedEnv, runCli } from './auth/cli.js';
import { CART_FROM_PROMETHEUS } from '../support/shop-changes.js';

const BIN = '<%= config.bin %>';

/** The words of the kubectl-np command in a shell line, up to the first unquoted |, >, < or ). */
export function commandWords(line: string): string[] {
  const at = line.indexOf(BIN);
  const words: string[] = [];
  let word: string | undefined;
  let quote = '';
  for (let i = at + BIN.length; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = '';
      else if (c === '\\' && quote === '"' && (line[i + 1] === '"' || line[i + 1] === '\\')) word += line[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if ('|><)'.includes(c)) break;
    else word = (word ?? '') + c;
  }
  if (word !== undefined) words.push(word);
  return words;
}

// what oclif and our flag parsers say when a command line itself is wrong
const PARSE_ERROR = /Nonexistent flag|command \S+ not found|Unexpected argument|Missing \d+ required arg|Expected --|expects one of|is not an output format|Parsing --|--output: |-l: |flag .* (needs|requires)/i;

const manifest = JSON.parse(readFileSync(join(repoRoot, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, { examples?: (string | { command: string })[] }> };
const examples = Object.entries(manifest.commands).flatMap(([id, c]) =>
  (c.examples ?? []).map((e) => (typeof e === 'string' ? e : e.command)).filter((e) => e.includes(BIN)).map((e) => ({ id, example: e.replaceAll(BIN, 'kubectl-np'), line: e })),
);

/** The environment a `VAR=value kubectl-np …` line sets, and the file a `kubectl apply … -f FILE |` before it reads. */
function shellContext(line: string): { env: Record<string, string>; stdinFile?: string } {
  const before = line.slice(0, line.indexOf(BIN));
  const env = Object.fromEntries([...before.matchAll(/(?:^|\s)([A-Z_][A-Z0-9_]*)=(\S+)/g)].map((m) => [m[1], m[2]]));
  const apply = /\bkubectl apply\b.*\s-f\s+(\S+)\s*\|\s*$/.exec(before);
  return { env, stdinFile: apply?.[1] };
}

/** A shell glob in a word (connectivity/*.yaml), expanded in the scratch directory as the shell would. */
function expandGlob(word: string, cwd: string): string[] {
  const slash = word.lastIndexOf('/');
  const name = word.slice(slash + 1);
  if (!name.includes('*')) return [word];
  const dir = slash < 0 ? '' : word.slice(0, slash + 1);
  const pattern = new RegExp(`^${name.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  const found = readdirSync(join(cwd, dir)).filter((f) => pattern.test(f)).sort();
  return found.length ? found.map((f) => dir + f) : [word];
}

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runIn(cwd: string, args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'bin/run.js'), ...args], { cwd, env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    // only catches a hang: a run can take a minute on a box loaded tenfold
    const timer = setTimeout(() => child.kill('SIGKILL'), 300_000);
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ADMIN = 'help-examples-admin-token-0123456789';

/** the change piped into the live diff: the cart may call only DNS and payments, so no longer the frontend */
const CART_EGRESS = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cart-egress, namespace: default}
spec:
  podSelector: {matchLabels: {app: cart}}
  policyTypes: [Egress]
  egress:
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}]
      ports: [{port: 53, protocol: UDP}]
    - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: payments}}}]
`;

/** app/ and policy.yaml for `can-reach -f - -f app/ web db --port 5432`: two pods, and the policy that lets web reach db */
const APP = `apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default, labels: {app: web}}
spec: {containers: [{name: web}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default, labels: {app: db}}
spec: {containers: [{name: db, ports: [{containerPort: 5432}]}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-default-deny, namespace: default}
spec: {podSelector: {matchLabels: {app: db}}, policyTypes: [Ingress]}
`;
const DB_FROM_WEB = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-from-web, namespace: default}
spec:
  podSelector: {matchLabels: {app: db}}
  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: 5432}]}]
`;

/** what the live examples name beyond the shop example */
const LIVE_EXTRAS = [
  { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { selector: { matchLabels: { 'k8s-app': 'calico-node' } }, template: { metadata: { labels: { 'k8s-app': 'calico-node' } }, spec: { hostNetwork: true, containers: [{ name: 'calico-node' }] } } } },
  {
    apiVersion: 'policy.networking.k8s.io/v1alpha1',
    kind: 'AdminNetworkPolicy',
    metadata: { name: 'no-imds' },
    spec: { priority: 10, subject: { namespaces: {} }, egress: [{ name: 'deny-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] },
  },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } },
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: 'shop' }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { serviceAccountName: 'api', containers: [{ name: 'api', ports: [{ name: 'http', containerPort: 8080 }] }] } } } },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'api-7c9d', namespace: 'shop', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', controller: true, uid: 'd-api' }] }, spec: { selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api' }] } } } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'api-7c9d-x2x4z', namespace: 'shop', labels: { app: 'api', 'pod-template-hash': '7c9d' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-7c9d', controller: true, uid: 'rs-api' }] }, spec: { serviceAccountName: 'api', containers: [{ name: 'api', ports: [{ name: 'http', containerPort: 8080 }] }] }, status: { phase: 'Running', podIP: '10.244.3.7' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'shop' } },
  { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'api', namespace: 'payments' } },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'api-egress', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'api' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] } },
];

/** each example's exit code and a line of what it prints (stdout and stderr together), as the shop setup above answers it */
const EXPECTED: Record<string, [number, RegExp]> = {
  'access -n shop': [0, /^Access of admin@contoso\.example in namespace shop \(SelfSubjectAccessReview\)$/m],
  'access --verbs get,list,watch': [0, /^Access of admin@contoso\.example cluster-wide \(namespaced resources in every namespace\)/m],
  'access -n payments --as system:serviceaccount:payments:api': [0, /^Access of system:serviceaccount:payments:api in namespace payments/m],
  'access -n shop -o json': [0, /"namespace": "shop"/],
  'audit -f examples/audit': [1, /^error +dns-egress-blocked +legacy +deployment\/orders/m],
  'audit -A --fail-on error': [1, /^error +metadata-service-reachable +default +deployment\/frontend/m],
  'audit -f k8s/ --engine cilium': [1, /^error +metadata-service-reachable +default +deployment\/frontend/m],
  'audit -f k8s/ -o sarif > audit.sarif': [1, /"\$schema": "https:\/\/json\.schemastore\.org\/sarif-2\.1\.0\.json"/],
  'audit -f k8s/ -o junit --skip no-default-deny-egress > audit-junit.xml': [1, /<testsuites name="kubectl np audit" tests="7" failures="2">/],
  'audit -n payments -o json | jq \'.findings[] | select(.severity == "error")\'': [0, /"findings": \[\]/],
  'audit -f examples/audit -o jsonpath=\'{range .findings[*]}{.rule} {.namespace}/{.object}{"\\n"}{end}\'': [1, /^dns-egress-blocked legacy\/deployment\/orders$/m],
  'can-reach default/deploy/frontend payments/svc/payments --port 443': [1, /^DENIED  default\/deploy\/frontend → payments\/svc\/payments  TCP 443 \(→ 8443 at the pods\)$/m],
  'can-reach -f examples/shop default/deploy/frontend payments/deploy/payments --port 8443': [1, /^DENIED  default\/deploy\/frontend → payments\/deploy\/payments  TCP 8443$/m],
  'can-reach deploy/api ip:169.254.169.254 --port 80': [1, /^DENIED  deploy\/api → ip:169\.254\.169\.254  TCP 80$/m],
  'can-reach me payments/svc/payments --port 443': [0, /^ALLOWED — you may port-forward to Service payments\/payments as admin@contoso\.example$/m],
  'can-reach monitoring/sts/prometheus payments/deploy/payments -o json | jq .allowed': [1, /"allowed": false/],
  'can-reach -f examples/shop --to payments/svc/payments --port 443': [0, /^Workloads that can reach payments\/svc\/payments:\n  default\/deploy\/cart  TCP 443$/m],
  'can-reach -f examples/shop --from default/deploy/frontend -l app=cart': [0, /^Workloads default\/deploy\/frontend can reach:\n  default\/deploy\/cart  TCP 8080$/m],
  'can-reach --from default/deploy/frontend -o json | jq -r \'.reachable[].workload\'': [0, /"direction": "from"/],
  'can-reach -f examples/shop default/deploy/frontend payments/svc/payments --port 443 --suggest | kubectl-np diff -f examples/shop --with -': [1, /^DENIED: these policies allow exactly this connection/m],
  'kubectl apply --dry-run=client -o yaml -f policy.yaml | kubectl-np can-reach -f - -f app/ web db --port 5432': [0, /^ALLOWED  web → db  TCP 5432$/m],
  'source <(kubectl-np completion bash)': [0, /^# bash completion for kubectl-np/m],
  'completion zsh > "${fpath[1]}/_kubectl-np"': [0, /^#compdef kubectl-np$/m],
  'completion fish > ~/.config/fish/completions/kubectl-np.fish': [0, /^function __kubectl_np_complete/m],
  'diff -f examples/shop --with new-policy.yaml': [1, /^monitoring\/sts\/prometheus\n  → default\/deploy\/cart  TCP 8080  denied → allowed$/m],
  'kubectl apply --dry-run=client -o yaml -f new.yaml | kubectl-np diff --with -': [1, /^default\/deploy\/cart\n  → default\/deploy\/frontend  TCP 8080  allowed → denied$/m],
  'diff -f examples/shop --delete networkpolicy/payments/allow-cart -o json': [1, /"to": "payments\/deploy\/payments"/],
  'diff -f examples/shop --delete networkpolicy/payments/allow-cart -o jsonpath=\'{range .changes[*]}{.from} → {.to}: {.after}{"\\n"}{end}\'': [1, /^default\/deploy\/cart → payments\/deploy\/payments: false$/m],
  'diff --delete adminnetworkpolicy/no-imds --external 169.254.169.254 --port 80': [1, /^default\/deploy\/api\n  → ip:169\.254\.169\.254  TCP 80  denied → allowed$/m],
  'diff -f main/k8s --with k8s/ --port 443 --external 169.254.169.254': [0, /^no connection changes its verdict$/m],
  // Azure NPM does not enforce AdminNetworkPolicy: deleting one changes nothing there
  'diff --delete adminnetworkpolicy/no-imds --external 169.254.169.254 --port 80 --engine azure-npm': [0, /^no connection changes its verdict\nnot evaluated: AdminNetworkPolicy no-imds is not enforced: --engine azure-npm: Azure NPM does not enforce AdminNetworkPolicy\nengine: Azure NPM \(--engine azure-npm\)$/m],
  // sign-in: nothing reaches Entra here, so each says what is missing, with the fix
  'get-token --login devicecode --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47': [3, /^error: not signed in to tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 .*; run `kubectl np login --context aks-prod`$/m],
  'get-token -t 72f988bf-86f1-41af-91ab-2d7cd011db47 --server-id 6dae42f8-4368-4678-94ff-3960e28e3630 --token-type id': [3, /^error: not signed in to tenant 72f988bf-86f1-41af-91ab-2d7cd011db47 .*; run `kubectl np login/m],
  'AAD_LOGIN_METHOD=workloadidentity kubectl-np get-token --server-id 6dae42f8-4368-4678-94ff-3960e28e3630': [2, /^error: --login workloadidentity needs a federated token: set AZURE_FEDERATED_TOKEN_FILE/m],
  'AZURE_CLIENT_SECRET=… kubectl-np get-token --login spn -t 72f988bf-86f1-41af-91ab-2d7cd011db47 --client-id 11111111-2222-3333-4444-555555555555': [3, /^error: sign-in failed: cannot reach login\.microsoftonline\.com: getaddrinfo ENOTFOUND/m],
  'login': [3, /^error: sign-in failed: cannot reach login\.microsoftonline\.com/m],
  'login --context aks-prod --context aks-dev': [2, /^error: context "aks-dev" does not sign in with kubectl-np; run `kubectl np setup --context aks-dev` first$/m],
  'login --context aks-prod --login devicecode': [3, /^error: sign-in failed: cannot reach login\.microsoftonline\.com/m],
  'login --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47': [3, /^error: sign-in failed: cannot reach login\.microsoftonline\.com/m],
  'logout --context aks-prod': [0, /^No cached tokens for context aks-prod\.$/m],
  'logout --all': [0, /^No cached tokens\.$/m],
  'matrix -n shop -n payments --port 8443': [0, /^TCP 8443 +rows: from, columns: to/m],
  'matrix -f examples/shop --port 8080 --port 8443 --external 169.254.169.254': [0, /^TCP 8080 +rows: from, columns: to[\s\S]*^TCP 8443 +rows: from, columns: to/m],
  'matrix -A --port 53 --protocol UDP -o json | jq \'.verdicts[] | select(.allowed == false)\'': [0, /"port":53,"protocol":"UDP","allowed":false/],
  'matrix -f examples/shop --port http -o dot | dot -Tsvg > reachability.svg': [0, /^digraph reachability \{$/m],
  'matrix -A -o mermaid --focus payments/deploy/payments': [0, /^flowchart LR$/m],
  'matrix -A --denied -o md > reachability.md': [0, /^Reachability between workloads .* Only pairs with a denied port\.$/m],
  'matrix -f examples/shop --port 8443 -o yaml': [0, /^verdicts:\n  - from: default\/cart$/m],
  'matrix -f examples/shop -l \'app in (cart,payments)\' --port 8443': [0, /^TCP 8443 +rows: from, columns: to/m],
  'report -f examples/shop -o html > report.html': [0, /^<!doctype html>$/m],
  'report -A --port 8080 --port 8443 -o html > report.html': [0, /^<!doctype html>$/m],
  'report -n shop -n payments -o html > shop.html': [0, /^<!doctype html>$/m],
  'report -f examples/shop --with new-policy.yaml -o html > change.html': [0, /1 connection changes: 1 opened, 0 closed/],
  'kubectl apply --dry-run=client -o yaml -f new.yaml | kubectl-np report --with - -o html > change.html': [0, /\d+ connections? changes?: 0 opened, [1-9]\d* closed/],
  'setup --context aks-prod --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47': [0, /^user aks-prod-user \(context aks-prod\): updated to kubectl-np get-token --login devicecode --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 /m],
  'setup --context aks-prod --tenant-id 72f988bf-86f1-41af-91ab-2d7cd011db47 --server-id 6dae42f8-4368-4678-94ff-3960e28e3630': [0, /^user aks-prod-user \(context aks-prod\): updated to kubectl-np get-token .* --server-id 6dae42f8-4368-4678-94ff-3960e28e3630$/m],
  'setup --all': [0, /^user aks-dev-user \(context aks-dev\): converted from kubelogin to kubectl-np get-token /m],
  'setup --all --dry-run': [0, /^\+\s+command: kubectl-np$[\s\S]*^dry run: nothing was written$/m],
  'test -f examples/shop examples/shop/expectations.yaml': [0, /^9 expectations: 9 passed, 0 failed$/m],
  'test -f examples/shop examples/shop/expectations.yaml -o jsonpath=\'{.passed}/{.failed}{"\\n"}\'': [0, /^9\/0$/m],
  'test -f k8s/ connectivity/*.yaml -o junit > np-junit.xml': [0, /<testsuites name="kubectl np test" tests="9" failures="0">/],
  'test --context prod connectivity.yaml': [0, /^9 expectations: 9 passed, 0 failed$/m],
  'test --context prod --engine azure-npm connectivity.yaml': [0, /^9 expectations: 9 passed, 0 failed\nnot evaluated: AdminNetworkPolicy no-imds is not enforced: --engine azure-npm: Azure NPM does not enforce AdminNetworkPolicy$/m],
  'version': [0, /^cluster: v1\.31\.0-kubectl-np-test-double .* context aks-shop$/m],
  'version --client -o json': [0, /"kubectlNp": "\d+\.\d+\.\d+"/],
  'version -o jsonpath=\'{.cluster.gitVersion}{"\\n"}\'': [0, /^v1\.31\.0-kubectl-np-test-double$/m],
  '--version': [0, /^kubectl-np\/\d+\.\d+\.\d+ /m],
  'who-can get secrets -n payments': [0, /^GROUP +system:masters +ClusterRoleBinding cluster-admin → ClusterRole cluster-admin$/m],
  'who-can create pods --subresource exec -n shop': [0, /^GROUP +system:masters +ClusterRoleBinding cluster-admin → ClusterRole cluster-admin$/m],
  'who-can delete deployments.apps/api -n shop -o json': [0, /"description": "delete deployments\.apps \\"api\\" in namespace shop"/],
  'who-can list nodes --resolve-groups': [2, /^error: --resolve-groups needs a Microsoft Graph token .*\(convert this one with: kubectl np setup --context aks-shop\)$/m],
  'who-can get secrets -n payments -o wide': [0, /^GROUP +system:masters +ClusterRoleBinding cluster-admin → ClusterRole cluster-admin +verbs=/m],
  'who-can get secrets -n payments -o name': [0, /^group\/system:masters$/m],
  'whoami': [0, /Username +admin@contoso\.example/],
  'whoami --context aks-prod --resolve-groups': [3, /^error: cannot get credentials for context aks-prod: .*not signed in to tenant 72f988bf-86f1-41af-91ab-2d7cd011db47/m],
  'whoami --token-only': [0, /Credential +static token/],
  'whoami --as jane@contoso.example --as-group ops': [0, /Username +jane@contoso\.example/],
  'whoami --as-pod pod/api-7c9d-x2x4z -n shop': [0, /Workload +pod shop\/api-7c9d-x2x4z/],
  'whoami --as-pod deploy/payments -n payments -o yaml': [0, /^target:\n  kind: Deployment\n  namespace: payments\n  name: payments$/m],
  'whoami --as-pod deploy/api -n shop --engine azure-npm': [0, /^ +not evaluated: AdminNetworkPolicy no-imds is not enforced: --engine azure-npm: Azure NPM does not enforce AdminNetworkPolicy\nengine: Azure NPM \(--engine azure-npm\)$/m],
  'whoami -o json | jq -r .apiServer.user.groups[]': [0, /"username": "admin@contoso\.example"/],
  'whoami -o jsonpath=\'{.apiServer.user.username}{"\\n"}\'': [0, /^admin@contoso\.example$/m],
  'explain can-i get pods -n shop': [0, /^yes — get pods in namespace shop as admin@contoso\.example$/m],
  'explain can-i create pods/web-0 --subresource portforward -n shop': [0, /^yes — create pods\/portforward "web-0" in namespace shop as admin@contoso\.example$/m],
  'explain can-i delete deployments.apps/api -n payments -o json': [0, /"allowed": true/],
  'explain can-i list nodes': [0, /^yes — list nodes \(cluster-wide\) as admin@contoso\.example$/m],
  'explain can-i get secrets -n payments --as system:serviceaccount:payments:api': [1, /^no — get secrets in namespace payments as system:serviceaccount:payments:api$/m],
  'explain can-i get /metrics': [0, /^yes — get \/metrics as admin@contoso\.example$/m],
  'explain can-i --list -n shop': [0, /^What admin@contoso\.example may do in namespace shop \(SelfSubjectRulesReview\)$/m],
  'explain default/deploy/frontend payments/svc/payments --port 443': [1, /^DENIED  default\/deploy\/frontend → payments\/svc\/payments  TCP 443/m],
  'explain -f examples/shop networkpolicy/frontend-egress -n default': [0, /^NetworkPolicy default\/frontend-egress$/m],
  'explain -f examples/shop payments/deploy/payments': [0, /^payments\/deploy\/payments → payments\/payments \(pod template: nothing running\)$/m],
  'explain pod/api-7c9d-x2x4z -n shop -o json': [0, /"shop\/api-7c9d-x2x4z"/],
};

/** the key of an example in EXPECTED: its line with the binary's name, without a leading `kubectl-np ` */
const keyOf = (example: string) => example.replace(/^kubectl-np /, '');

let server: TestApiServer;
let work: string;
let kubeconfigText: string;

function shopObjects(): unknown[] {
  const dir = join(repoRoot, 'examples', 'shop');
  const files = [...readdirSync(dir).map((f) => join(dir, f)), ...readdirSync(join(dir, 'policies')).map((f) => join(dir, 'policies', f))].filter((f) => f.endsWith('.yaml') && !f.endsWith('expectations.yaml'));
  return files.flatMap((f) => parseAllDocuments(readFileSync(f, 'utf8')).map((d) => d.toJS()).filter(Boolean));
}

beforeAll(async () => {
  requireFreshBuild();
  server = await startTestApiServer({ staticTokens: { [ADMIN]: { username: 'admin@contoso.example', groups: ['system:masters'] } }, objects: [...shopObjects(), ...LIVE_EXTRAS], policyCrds: true });
  // the files the examples name, in a directory of their own
  work = mkdtempSync(join(tmpdir(), 'np-help-examples-'));
  symlinkSync(join(repoRoot, 'examples'), join(work, 'examples'));
  symlinkSync(join(repoRoot, 'examples', 'shop'), join(work, 'k8s'));
  mkdirSync(join(work, 'app'));
  writeFileSync(join(work, 'app', 'app.yaml'), APP);
  writeFileSync(join(work, 'policy.yaml'), DB_FROM_WEB);
  mkdirSync(join(work, 'main'));
  symlinkSync(join(repoRoot, 'examples', 'shop'), join(work, 'main', 'k8s'));
  writeFileSync(join(work, 'new-policy.yaml'), CART_FROM_PROMETHEUS);
  writeFileSync(join(work, 'new.yaml'), CART_EGRESS);
  mkdirSync(join(work, 'connectivity'));
  cpSync(join(repoRoot, 'examples', 'shop', 'expectations.yaml'), join(work, 'connectivity', 'shop.yaml'));
  cpSync(join(repoRoot, 'examples', 'shop', 'expectations.yaml'), join(work, 'connectivity.yaml'));
  // a kubectl-np on PATH, as the exec entry of aks-prod names it
  mkdirSync(join(work, 'bin'));
  writeFileSync(join(work, 'bin', 'kubectl-np'), `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'bin/run.js')}" "$@"\n`, { mode: 0o755 });
  const cluster = { server: server.url, 'certificate-authority': server.caFile };
  const admin = { token: ADMIN };
  const kubectlNp = { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', args: ['get-token', '--login', 'devicecode', '--tenant-id', TENANT], interactiveMode: 'IfAvailable' } };
  const kubelogin = { exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command: 'kubelogin', args: ['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--server-id', '6dae42f8-4368-4678-94ff-3960e28e3630'] } };
  const contexts: [string, Record<string, unknown>][] = [['aks-shop', admin], ['prod', admin], ['aks-prod', kubectlNp], ['aks-dev', kubelogin]];
  kubeconfigText = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'aks', cluster }],
    users: contexts.map(([name, user]) => ({ name: `${name}-user`, user })),
    contexts: contexts.map(([name]) => ({ name, context: { cluster: 'aks', user: `${name}-user`, namespace: 'default' } })),
    'current-context': 'aks-shop',
  });
});
afterAll(() => server?.close());

describe('help examples', () => {
  it('the manifest has examples, their words are read as a shell would, and a wrong line is caught', async () => {
    requireFreshBuild();
    for (const wrong of [['matrix', '--bogus'], ['who-can', 'get'], ['matrix', '-o', 'xml'], ['whoami', 'extra'], ['whoami', '-o', 'jsonpath={.a']]) {
      expect((await runCli(wrong, { env: { ...isolatedEnv(), NO_COLOR: '1' } })).stderr).toMatch(PARSE_ERROR);
    }
    expect(examples.length).toBeGreaterThan(40);
    expect(commandWords(`${BIN} whoami -o jsonpath='{.a}{"\\n"}' | jq`)).toEqual(['whoami', '-o', 'jsonpath={.a}{"\\n"}']);
    expect(shellContext(`kubectl apply --dry-run=client -o yaml -f new.yaml | ${BIN} diff --with -`)).toEqual({ env: {}, stdinFile: 'new.yaml' });
    expect(shellContext(`AAD_LOGIN_METHOD=workloadidentity ${BIN} get-token`)).toEqual({ env: { AAD_LOGIN_METHOD: 'workloadidentity' } });
    // every example has its expected answer, and every expected answer is still an example
    expect(examples.map((e) => keyOf(e.example)).filter((k) => !(k in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((k) => !examples.some((e) => keyOf(e.example) === k))).toEqual([]);
  });

  it.each(examples.map((e) => [e.example, e] as const))('%s', async (_name, { example, line }) => {
    const { env: lineEnv, stdinFile } = shellContext(line);
    const words = commandWords(line).flatMap((w) => expandGlob(w, work));
    const env = isolatedEnv({ PATH: `${join(work, 'bin')}:${process.env.PATH}`, NO_COLOR: '1', NODE_OPTIONS: `--require ${join(repoRoot, 'test', 'support', 'offline.cjs')}`, ...lineEnv });
    writeFileSync(env.KUBECONFIG!, kubeconfigText, { mode: 0o600 });
    const r = await runIn(work, words, env, stdinFile ? readFileSync(join(work, stdinFile), 'utf8') : undefined);
    expect(r.stderr).not.toMatch(PARSE_ERROR);
    const [code, answer] = EXPECTED[keyOf(example)] ?? [undefined, /(?!)/];
    expect(r.code, r.stderr).toBe(code);
    expect(r.stdout + r.stderr).toMatch(answer);
    // one line on stderr when it fails, and never a stack
    if (r.code === 2 || r.code === 3) expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('error: '))).toHaveLength(1);
    expect(r.stderr).not.toMatch(/^\s+at .*\(.*:\d+:\d+\)$/m);
  });
});
