// A REAL kube-apiserver for end-to-end tests: etcd + kube-apiserver + kube-controller-manager from
// $KUBEBUILDER_ASSETS (controller-runtime's envtest layout; test/support/real-apiserver/provision-assets.sh
// fills <repo>/.cache/kubebuilder-assets). Started once per test file (it takes seconds, minutes on a
// loaded machine); tests create their own namespaces. Every process is killed by PID on close(), on exit
// of the test process, and by a watchdog shell if the test process dies without running either.
// See docs/testing.md, "Which server a test talks to".
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { kubebuilderAssets } from '../system-parts.mjs';
import { testPki, type TestPki } from '../tls.js';

export const KUBECTL = '/usr/bin/kubectl';

export interface RealOidcOptions {
  /** the emulator's issuer for the tenant (`emu.issuer()`) */
  issuerUrl: string;
  /** the server app id the token's `aud` carries */
  clientId: string;
  /** the emulator's CA file */
  caFile: string;
  usernameClaim: 'oid' | 'upn' | 'sub' | 'email' | 'preferred_username';
  usernamePrefix?: string;
  groupsClaim?: string;
  groupsPrefix?: string;
}

export interface RealApiServerOptions {
  oidc?: RealOidcOptions;
  /** --token-auth-file: token → user, as the test double's `staticTokens` (which this mirrors) */
  staticTokens?: Record<string, { username: string; uid?: string; groups?: string[] }>;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface AuditEvent {
  verb: string;
  /** path and query as sent, e.g. /api/v1/namespaces/a/pods?limit=500&continue=… */
  requestURI: string;
  /** who authenticated (with impersonation, the impersonator) */
  user: string;
  /** the identity the request ran as, when it impersonated someone */
  impersonatedUser?: string;
  userAgent?: string;
  code?: number;
}

export interface RealApiServer {
  /** https://127.0.0.1:PORT */
  url: string;
  /** the CA of the serving certificate and of client certificates (the per-run test CA, shared with the Entra emulator) */
  caFile: string;
  caPem: string;
  /** a kubeconfig (0600) for a system:masters client certificate */
  adminKubeconfig: string;
  /** a scratch directory removed on close */
  dir: string;
  /** kubectl as admin (HOME in the scratch directory, so no discovery cache leaks in or out) */
  kubectl(args: string[], opts?: { stdin?: string }): Promise<CommandResult>;
  /** `kubectl apply -f -` as admin (so last-applied-configuration is recorded, as users' clusters have it); throws on failure */
  apply(objects: unknown[]): Promise<void>;
  /** `kubectl create -f -` as admin (no last-applied-configuration); throws on failure */
  create(objects: unknown[]): Promise<void>;
  /** sets a pod's status (there is no kubelet: pods stay Pending without an IP) */
  setPodStatus(namespace: string, name: string, status: Record<string, unknown>): Promise<void>;
  /** a client certificate for `username` in `groups` (CN/O), signed by the client CA */
  clientCertificate(username: string, groups?: string[]): { certFile: string; keyFile: string };
  /** writes a kubeconfig (0600) with one cluster/context/user pointing at this server */
  writeKubeconfig(path: string, opts: { context?: string; namespace?: string; user: Record<string, unknown> }): void;
  /** a kubeconfig for a client-certificate user (written into the scratch directory) */
  kubeconfigFor(username: string, groups?: string[], namespace?: string): string;
  /** list and get requests the server received so far (its audit log, at Metadata level): to see what a client asked for */
  auditEvents(): AuditEvent[];
  /** polls `check` until it returns a value other than undefined; for controllers' work (aggregation) */
  eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs?: number): Promise<T>;
  close(): Promise<void>;
}

/** Work the machine has to do before a verdict: generous, since the box may be loaded tenfold. */
const READY_TIMEOUT_MS = 300_000;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { cwd: opts.cwd, env: opts.env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: READY_TIMEOUT_MS }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
  });
}

async function openssl(args: string[], cwd: string): Promise<void> {
  const r = await run('openssl', args, { cwd });
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** GET over HTTP(S), resolving with the status and body; network errors resolve as status 0. */
function probe(url: string, tls?: { ca: string; cert: string; key: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve) => {
    const req = (tls ? httpsRequest : httpRequest)(url, { ...(tls ?? {}), timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve({ status: 0, body: '' }));
    req.end();
  });
}

interface Proc {
  name: string;
  child: ChildProcess;
  log: string;
  exited?: number | string;
}

// every PID this process started, killed on exit even when a test file never reaches close()
const livePids = new Set<number>();
process.once('exit', () => {
  for (const pid of livePids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

function startProcess(name: string, bin: string, args: string[], dir: string): Proc {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  const proc: Proc = { name, child, log };
  if (child.pid) livePids.add(child.pid);
  child.on('exit', (code, signal) => {
    proc.exited = code ?? signal ?? 'unknown';
    if (child.pid) livePids.delete(child.pid);
  });
  child.on('error', (err) => (proc.exited = err.message));
  // a watchdog outside this process: if the test worker is killed outright, the servers die with it
  const watchdog = spawn('sh', ['-c', 'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 2; done; kill -9 "$2" 2>/dev/null', 'watchdog', String(process.pid), String(child.pid)], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  return proc;
}

async function stopProcess(p: Proc): Promise<void> {
  if (p.exited !== undefined || !p.child.pid) return;
  const gone = new Promise<void>((resolve) => p.child.once('exit', () => resolve()));
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await gone;
  clearTimeout(timer);
}

async function until<T>(what: string, procs: Proc[], check: () => Promise<T | undefined>, timeoutMs = READY_TIMEOUT_MS): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = procs.find((p) => p.exited !== undefined);
    if (dead) throw new Error(`${dead.name} exited (${dead.exited}) while waiting for ${what}:\n${tail(dead.log)}`);
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}:\n${procs.map((p) => `--- ${p.name}\n${tail(p.log, 15)}`).join('\n')}`);
    await sleep(250);
  }
}

/** Is the real-server suite runnable here (the assets and kubectl exist)? */
export function realApiServerAvailable(): boolean {
  const assets = kubebuilderAssets();
  return ['kube-apiserver', 'kube-controller-manager', 'etcd'].every((b) => existsSync(join(assets, b))) && existsSync(KUBECTL);
}

export async function startRealApiServer(opts: RealApiServerOptions = {}): Promise<RealApiServer> {
  const assets = kubebuilderAssets();
  for (const bin of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
    if (!existsSync(join(assets, bin))) throw new Error(`${join(assets, bin)} not found: run test/support/real-apiserver/provision-assets.sh (or sudo npm run test:setup)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-real-apiserver-'));
  const pki: TestPki = testPki();
  const serving = pki.issue(['localhost', '127.0.0.1']);
  const procs: Proc[] = [];
  let certSerial = 0;

  const issued = new Map<string, { certFile: string; keyFile: string }>();
  /** synchronous so kubeconfigFor can be used inline; openssl takes milliseconds */
  const issueClientSync = (username: string, groups: string[] = []) => {
    const key = JSON.stringify([username, groups]);
    const known = issued.get(key);
    if (known) return known;
    certSerial += 1;
    const { certFile, keyFile } = pki.issueClient(username, groups);
    issued.set(key, { certFile, keyFile });
    return { certFile, keyFile };
  };

  try {
    const admin = issueClientSync('kubectl-np-admin', ['system:masters']);
    await openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
    await openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
    // reads only, written as they complete (the log backend blocks), so tests can see how a client paged
    writeFileSync(join(dir, 'audit-policy.yaml'), stringify({ apiVersion: 'audit.k8s.io/v1', kind: 'Policy', omitStages: ['RequestReceived'], rules: [{ level: 'Metadata', verbs: ['list', 'get'] }, { level: 'None' }] }));
    const auditLog = join(dir, 'audit.log');
    const tokenFile = join(dir, 'tokens.csv');
    // token,user,uid,"group1,group2" (the groups column is optional)
    if (opts.staticTokens) writeFileSync(tokenFile, Object.entries(opts.staticTokens).map(([token, u]) => `${token},${u.username},${u.uid ?? ''}${u.groups?.length ? `,"${u.groups.join(',')}"` : ''}\n`).join(''), { mode: 0o600 });
    let url = '';
    const adminKubeconfig = join(dir, 'admin.kubeconfig');
    const writeKubeconfig = (path: string, { context = 'real', namespace, user }: { context?: string; namespace?: string; user: Record<string, unknown> }) => {
      const config = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: context, cluster: { server: url, 'certificate-authority': pki.caFile } }],
        users: [{ name: `${context}-user`, user }],
        contexts: [{ name: context, context: { cluster: context, user: `${context}-user`, ...(namespace ? { namespace } : {}) } }],
        'current-context': context,
        preferences: {},
      };
      writeFileSync(path, stringify(config), { mode: 0o600 });
    };

    // ports are picked free and then bound by another process: a rare clash is retried with new ports
    let etcd: Proc | undefined;
    let etcdUrl = '';
    for (let attempt = 1; !etcd; attempt++) {
      const [clientPort, peerPort] = [await freePort(), await freePort()];
      etcdUrl = `http://127.0.0.1:${clientPort}`;
      const peer = `http://127.0.0.1:${peerPort}`;
      const p = startProcess('etcd', join(assets, 'etcd'), [
        '--data-dir', join(dir, `etcd-data-${attempt}`), '--name', 'kubectl-np',
        '--listen-client-urls', etcdUrl, '--advertise-client-urls', etcdUrl,
        '--listen-peer-urls', peer, '--initial-advertise-peer-urls', peer, '--initial-cluster', `kubectl-np=${peer}`,
        '--log-level', 'warn', '--unsafe-no-fsync',
      ], dir);
      procs.push(p);
      try {
        await until('etcd /health', [p], async () => ((await probe(`${etcdUrl}/health`)).body.includes('true') ? true : undefined));
        etcd = p;
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(tail(p.log))) throw err;
      }
    }

    let apiserver: Proc | undefined;
    const adminTls = { ca: pki.caPem, cert: readFileSync(admin.certFile, 'utf8'), key: readFileSync(admin.keyFile, 'utf8') };
    for (let attempt = 1; !apiserver; attempt++) {
      const port = await freePort();
      url = `https://127.0.0.1:${port}`;
      const oidc = opts.oidc
        ? [
            `--oidc-issuer-url=${opts.oidc.issuerUrl}`, `--oidc-client-id=${opts.oidc.clientId}`, `--oidc-ca-file=${opts.oidc.caFile}`,
            `--oidc-username-claim=${opts.oidc.usernameClaim}`,
            ...(opts.oidc.usernamePrefix !== undefined ? [`--oidc-username-prefix=${opts.oidc.usernamePrefix}`] : []),
            ...(opts.oidc.groupsClaim ? [`--oidc-groups-claim=${opts.oidc.groupsClaim}`] : []),
            ...(opts.oidc.groupsPrefix !== undefined ? [`--oidc-groups-prefix=${opts.oidc.groupsPrefix}`] : []),
          ]
        : [];
      const p = startProcess('kube-apiserver', join(assets, 'kube-apiserver'), [
        `--etcd-servers=${etcdUrl}`, `--secure-port=${port}`, '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1',
        '--authorization-mode=RBAC', `--client-ca-file=${pki.caFile}`,
        `--tls-cert-file=${serving.certFile}`, `--tls-private-key-file=${serving.keyFile}`,
        `--service-account-key-file=${join(dir, 'sa.pub')}`, `--service-account-signing-key-file=${join(dir, 'sa.key')}`,
        '--service-account-issuer=https://kubernetes.default.svc', '--service-cluster-ip-range=10.96.0.0/16',
        '--disable-admission-plugins=ServiceAccount', `--cert-dir=${join(dir, 'apiserver-certs')}`,
        `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`, `--audit-log-path=${auditLog}`,
        ...oidc,
        ...(opts.staticTokens ? [`--token-auth-file=${tokenFile}`] : []),
      ], dir);
      procs.push(p);
      try {
        await until('kube-apiserver /readyz', [etcd, p], async () => ((await probe(`${url}/readyz`, adminTls)).body === 'ok' ? true : undefined));
        apiserver = p;
      } catch (err) {
        if (attempt >= 3 || !/address already in use/.test(tail(p.log))) throw err;
      }
    }

    writeKubeconfig(adminKubeconfig, { context: 'real-admin', user: { 'client-certificate': admin.certFile, 'client-key': admin.keyFile } });
    const home = join(dir, 'home');
    const kubectl = (args: string[], o: { stdin?: string } = {}) =>
      run(KUBECTL, ['--kubeconfig', adminKubeconfig, ...args], { env: { PATH: process.env.PATH, HOME: home }, stdin: o.stdin });

    const controllers = startProcess('kube-controller-manager', join(assets, 'kube-controller-manager'), [
      `--kubeconfig=${adminKubeconfig}`, '--controllers=clusterrole-aggregation,namespace', '--leader-elect=false',
      '--secure-port=0', '--use-service-account-credentials=false',
    ], dir);
    procs.push(controllers);

    const eventually = <T>(what: string, check: () => Promise<T | undefined>, timeoutMs = READY_TIMEOUT_MS) => until(what, procs, check, timeoutMs);
    // the bootstrap `view` role is an aggregation: once it has rules the controller is working
    await eventually('the clusterrole-aggregation controller', async () => {
      const r = await kubectl(['get', 'clusterrole', 'view', '-o', 'jsonpath={.rules[*].verbs}']);
      return r.code === 0 && r.stdout.includes('list') ? true : undefined;
    });

    const mustSucceed = async (what: string, r: Promise<CommandResult>) => {
      const res = await r;
      if (res.code !== 0) throw new Error(`${what} failed (exit ${res.code}): ${res.stderr.trim()}`);
    };
    const asList = (objects: unknown[]) => JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects });
    // The RBAC authorizer reads Roles and bindings from caches that follow the writes a moment later (longer
    // on a loaded box), so a check right after kubectl apply could miss what it applied. Each cache takes its
    // kind in write order: sentinels of every kind, written after the test's objects, grant their users once
    // the caches hold all that came before. They grant a verb on a resource no test asks about.
    let settleRound = 0;
    const rbacKinds = new Set(['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
    const rbacSettled = async (objects: unknown[]) => {
      if (!objects.some((o) => rbacKinds.has((o as { kind?: string }).kind ?? ''))) return;
      const name = `kubectl-np-settled-${++settleRound}`;
      const rules = [{ apiGroups: ['settled.kubectl-np.test'], resources: ['sentinels'], verbs: ['get'] }];
      const rbac = 'rbac.authorization.k8s.io';
      const user = (suffix: string) => ({ apiGroup: rbac, kind: 'User', name: `${name}-${suffix}` });
      await mustSucceed('kubectl create (RBAC sentinels)', kubectl(['create', '-f', '-'], { stdin: asList([
        { apiVersion: `${rbac}/v1`, kind: 'ClusterRole', metadata: { name }, rules },
        { apiVersion: `${rbac}/v1`, kind: 'ClusterRoleBinding', metadata: { name }, roleRef: { apiGroup: rbac, kind: 'ClusterRole', name }, subjects: [user('cluster')] },
        { apiVersion: `${rbac}/v1`, kind: 'Role', metadata: { name, namespace: 'default' }, rules },
        { apiVersion: `${rbac}/v1`, kind: 'RoleBinding', metadata: { name, namespace: 'default' }, roleRef: { apiGroup: rbac, kind: 'Role', name }, subjects: [user('namespaced')] },
      ]) }));
      for (const who of [user('cluster').name, user('namespaced').name]) {
        // a SubjectAccessReview names the group itself (kubectl auth can-i would drop a group nobody serves)
        const review = JSON.stringify({ apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: who, resourceAttributes: { namespace: 'default', verb: 'get', group: 'settled.kubectl-np.test', resource: 'sentinels' } } });
        await eventually(`the RBAC authorizer to see what was applied (${who})`, async () =>
          (await kubectl(['create', '-f', '-', '-o', 'jsonpath={.status.allowed}'], { stdin: review })).stdout.trim() === 'true' ? true : undefined);
      }
    };

    return {
      url,
      caFile: pki.caFile,
      caPem: pki.caPem,
      adminKubeconfig,
      dir,
      kubectl,
      apply: async (objects) => {
        await mustSucceed('kubectl apply', kubectl(['apply', '-f', '-'], { stdin: asList(objects) }));
        await rbacSettled(objects);
      },
      create: async (objects) => {
        await mustSucceed('kubectl create', kubectl(['create', '-f', '-'], { stdin: asList(objects) }));
        await rbacSettled(objects);
      },
      setPodStatus: (namespace, name, status) =>
        mustSucceed(`setting the status of pod ${namespace}/${name}`, kubectl(['patch', 'pod', name, '-n', namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })])),
      clientCertificate: issueClientSync,
      writeKubeconfig,
      kubeconfigFor(username, groups = [], namespace) {
        const { certFile, keyFile } = issueClientSync(username, groups);
        const path = join(dir, `${username.replace(/[^a-zA-Z0-9.-]/g, '_')}-${certSerial}.kubeconfig`);
        writeKubeconfig(path, { context: 'real', namespace, user: { 'client-certificate': certFile, 'client-key': keyFile } });
        return path;
      },
      auditEvents() {
        if (!existsSync(auditLog)) return [];
        return readFileSync(auditLog, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { verb: string; requestURI: string; user?: { username?: string }; impersonatedUser?: { username?: string }; userAgent?: string; responseStatus?: { code?: number } })
          .map((e) => ({ verb: e.verb, requestURI: e.requestURI, user: e.user?.username ?? '', ...(e.impersonatedUser?.username ? { impersonatedUser: e.impersonatedUser.username } : {}), userAgent: e.userAgent, code: e.responseStatus?.code }));
      },
      eventually,
      async close() {
        for (const p of [...procs].reverse()) await stopProcess(p);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    for (const p of [...procs].reverse()) await stopProcess(p);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}
