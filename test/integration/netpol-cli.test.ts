// The NetworkPolicy commands as users run them: `node bin/run.js` against manifests, checking exit
// codes, output shapes, stdin, one-line errors and NO_COLOR.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';
import { requireFreshBuild, expectOneLineError, runCliOffline } from '../support/cli-process.js';
import { bindScopedReader, cliAs, engineAgent, labelledNamespace, policyReaderRole, postgresPod, runningPod, SCOPED_READER, shopExampleObjects } from '../support/live-cluster.js';

const ROOT = join(import.meta.dirname, '..', '..');

beforeAll(requireFreshBuild);

const run = runCliOffline;

const SHOP = ['-f', 'examples/shop'];

describe('kubectl np can-reach -f', () => {
  it('denies frontend → payments on 8443 (exit 1) and names the deciding policies first thing', () => {
    const r = run(['can-reach', ...SHOP, 'default/deploy/frontend', 'payments/deploy/payments', '--port', '8443']);
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('DENIED  default/deploy/frontend → payments/deploy/payments  TCP 8443');
    expect(r.stdout).toContain('egress from default/frontend: denied');
    expect(r.stdout).toContain('payments/default-deny: has no ingress rules');
    expect(r.stdout).toContain('payments/allow-cart: its only ingress rule #0');
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('allows cart → the payments Service (exit 0), judged at the backends on the target port', () => {
    const r = run(['can-reach', ...SHOP, 'default/deploy/cart', 'payments/svc/payments']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ALLOWED  default/deploy/cart → payments/svc/payments  TCP 443 (→ 8443 at the pods)');
    expect(r.stdout).toContain('allowed by payments/allow-cart rule #0');
  });

  it('-o json: top-level allowed, resolved endpoints, port, protocol, egress and ingress naming policy and rule', () => {
    const r = run(['can-reach', ...SHOP, 'default/deploy/cart', 'payments/svc/payments', '--port', 'https', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({
      allowed: true,
      source: { kind: 'Deployment', namespace: 'default', name: 'cart', pods: ['default/cart'], fromTemplate: true },
      destination: { kind: 'Service', namespace: 'payments', name: 'payments', pods: ['payments/payments'] },
      port: 443,
      targetPort: 8443,
      protocol: 'TCP',
      egress: { allowed: true, isolated: false, policies: [] },
      ingress: { allowed: true, isolated: true },
    });
    expect(out.ingress.policies[0]).toMatchObject({ namespace: 'payments', name: 'allow-cart', allowed: true, rule: 0 });
  });

  it('without --port checks every declared port, and exits 1 unless all are allowed', () => {
    const r = run(['can-reach', ...SHOP, 'monitoring/sts/prometheus', 'payments/deploy/payments', '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.ports.map((p: { port: number; allowed: boolean }) => [p.port, p.allowed])).toEqual([
      [8443, false],
      [9090, true],
    ]);
    expect(out).toMatchObject({ allowed: false, port: 8443 });
  });

  it('says a namespace lacks the labels a namespaceSelector asks for in plain words', () => {
    const r = run(['can-reach', ...SHOP, 'monitoring/sts/prometheus', 'payments/deploy/payments', '--port', '8443']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('does not match: namespace monitoring does not have team=shop');
    expect(r.stdout).not.toContain('is not namespaces');
  });

  it('lists ports TCP first, then UDP, then SCTP, each by number — in checks, errors and rules alike', () => {
    const json = JSON.parse(run(['can-reach', ...SHOP, 'payments/deploy/payments', 'kube-system/svc/kube-dns', '-o', 'json']).stdout);
    expect(json.ports.map((p: { port: number; protocol: string }) => `${p.protocol} ${p.port}`)).toEqual(['TCP 53', 'UDP 53']);
    const dns = 'kind: Pod\nmetadata: {name: dns}\nspec: {containers: [{name: c, ports: [{containerPort: 53, protocol: UDP, name: dns}, {containerPort: 9153, name: metrics}, {containerPort: 53, name: dns-tcp}, {containerPort: 9, protocol: SCTP, name: s}]}]}\n---\nkind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n  ingress: [{ports: [{port: 53, protocol: UDP}, {port: 9153}, {port: 53}]}]\n';
    expectOneLineError(run(['can-reach', '-f', '-', 'dns', 'dns', '--port', 'nosuch'], { input: dns }), /its ports: 53\/TCP \(dns-tcp\), 9153\/TCP \(metrics\), 53\/UDP \(dns\), 9\/SCTP \(s\)$/);
    expect(run(['explain', '-f', '-', 'networkpolicy/np'], { input: dns }).stdout).toContain('on TCP 53, TCP 9153, UDP 53');
  });

  it('reads manifests from stdin with -f -', () => {
    const text = ['namespaces.yaml', 'shop.yaml', 'policies/shop.yaml'].map((f) => readFileSync(join(ROOT, 'examples/shop', f), 'utf8')).join('\n---\n');
    const r = run(['can-reach', '-f', '-', 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80', '-o', 'yaml'], { input: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^allowed: true$/m);
    expect(r.stdout).toContain('cloud instance metadata service');
  });

  it('rejects bad input with one line on stderr, exit 2 and no stack trace', () => {
    expectOneLineError(run(['can-reach', ...SHOP, 'default/frontend', 'payments/deploy/payments']), /pod "frontend" not found in namespace default \(manifests examples\/shop\); did you mean default\/deploy\/frontend/);
    expectOneLineError(run(['can-reach', ...SHOP, 'default/cronjob/x', 'payments/deploy/payments']), /unknown kind "cronjob"/);
    expectOneLineError(run(['can-reach', ...SHOP, 'default/deploy/cart', 'payments/svc/payments', '--port', '8443']), /service payments\/payments has no port 8443; its ports: 443\/TCP \(https\)/);
    expectOneLineError(run(['can-reach', ...SHOP, 'default/deploy/cart', 'payments/svc/payments', '--port', 'Not A Port']), /neither a port number nor a port name/);
    expectOneLineError(run(['can-reach', '-f', 'examples/nope', 'a', 'b']), /cannot read examples\/nope: no such file or directory/);
    expectOneLineError(run(['can-reach', '-f', '-', 'a', 'b'], { input: 'kind: Pod\nmetadata: [\n' }), /stdin: document 1: /);
    expectOneLineError(run(['can-reach', ...SHOP, 'me', 'payments/deploy/payments']), /can-reach me /);
  });

  it('refuses a policy whose rules or ports are not lists instead of reading it as allow-all', () => {
    const pod = 'kind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\n';
    const policy = (ingress: string) => `${pod}kind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n  ingress: ${ingress}\n`;
    const ask = (ingress: string) => run(['can-reach', '-f', '-', 'web', 'web', '--port', '9999'], { input: policy(ingress) });
    expectOneLineError(ask('[{ports: {port: 80}}]'), /NetworkPolicy default\/np: spec\.ingress\[0\]\.ports: expected a list, found a map$/);
    expectOneLineError(ask('[5]'), /NetworkPolicy default\/np: spec\.ingress\[0\]: expected a rule \(a map\), found a number \(5\)$/);
    expectOneLineError(ask('{from: []}'), /NetworkPolicy default\/np: spec\.ingress: expected a list, found a map$/);
    expectOneLineError(ask('[{from: {podSelector: {}}}]'), /NetworkPolicy default\/np: spec\.ingress\[0\]\.from: expected a list, found a map$/);
    expectOneLineError(ask('[{ports: [80]}]'), /NetworkPolicy default\/np: spec\.ingress\[0\]\.ports\[0\]: expected a port \(a map\), found a number \(80\)$/);
    // the well-formed policy it was meant to be: port 80 only
    expect(ask('[{ports: [{port: 80}]}]').code).toBe(1);
  });

  it('says which field of a policy has the wrong shape and what was expected, instead of a JavaScript error', () => {
    const ask = (spec: string) => run(['explain', '-f', '-', 'networkpolicy/np'], { input: `kind: NetworkPolicy\nmetadata: {name: np}\nspec:\n${spec}` });
    expectOneLineError(ask('  podSelector: {}\n  ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/8, except: 10.1.0.0/16}}]}]\n'), /NetworkPolicy default\/np: spec\.ingress\[0\]\.from\[0\]\.ipBlock\.except: expected a list of CIDRs, found a string \("10\.1\.0\.0\/16"\)$/);
    expectOneLineError(ask('  podSelector: {matchExpressions: {key: a}}\n'), /NetworkPolicy default\/np: spec\.podSelector\.matchExpressions: expected a list of \{key, operator, values\}, found a map$/);
    expectOneLineError(ask('  podSelector: {}\n  policyTypes: Ingress\n'), /NetworkPolicy default\/np: spec\.policyTypes: expected a list \(e\.g\. \[Ingress, Egress\]\), found a string \("Ingress"\)$/);
    expectOneLineError(ask('  podSelector: {matchLabels: [a]}\n'), /NetworkPolicy default\/np: spec\.podSelector\.matchLabels: expected a map of label keys to values, found a list$/);
    expectOneLineError(ask('  podSelector: {}\n  egress: [{to: [{namespaceSelector: {matchExpressions: [{key: a, operator: In, values: x}]}}]}]\n'), /spec\.egress\[0\]\.to\[0\]\.namespaceSelector\.matchExpressions\[0\]\.values: expected a list of strings, found a string \("x"\)$/);
    expectOneLineError(ask('  podSelector: {}\n  egress: [{to: [{ipBlock: 10.0.0.0/8}]}]\n'), /spec\.egress\[0\]\.to\[0\]\.ipBlock: expected a map \{cidr, except\}, found a string/);
    expectOneLineError(ask('  podSelector: {}\n  ingress: [{ports: [{port: 80, endPort: "90"}]}]\n'), /spec\.ingress\[0\]\.ports\[0\]\.endPort: expected a number, found a string \("90"\)$/);
  });

  it('refuses what the API server refuses, in its words: a quoted port, bad port names, label keys and values, policyTypes', () => {
    const pod = 'kind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n---\n';
    const ask = (spec: string) => run(['can-reach', '-f', '-', 'web', 'web', '--port', '80'], { input: `${pod}kind: NetworkPolicy\nmetadata: {name: np}\nspec:\n  podSelector: {}\n${spec}` });
    // "80" in quotes is a port name to the server, not TCP 80
    expectOneLineError(ask('  ingress: [{ports: [{port: "80"}]}]\n'), /NetworkPolicy default\/np: spec\.ingress\[0\]\.ports\[0\]\.port: Invalid value: "80": must contain at least one letter \(a-z\)$/);
    expectOneLineError(ask('  ingress: [{ports: [{port: ab--cd}]}]\n'), /spec\.ingress\[0\]\.ports\[0\]\.port: Invalid value: "ab--cd": must not contain consecutive hyphens$/);
    expectOneLineError(ask('  ingress: [{ports: [{port: web-}]}]\n'), /port: Invalid value: "web-": must not begin or end with a hyphen$/);
    expectOneLineError(ask('  ingress: [{ports: [{port: 80, protocol: tcp}]}]\n'), /spec\.ingress\[0\]\.ports\[0\]\.protocol: Unsupported value: "tcp": supported values: "TCP", "UDP", "SCTP"$/);
    expectOneLineError(ask('  policyTypes: [Ingress, Egress, Ingress]\n'), /spec\.policyTypes: Invalid value: \["Ingress","Egress","Ingress"\]: may not specify more than two policyTypes$/);
    expectOneLineError(ask('  ingress: [{from: [{podSelector: {matchLabels: {"bad key": x}}}]}]\n'), /spec\.ingress\[0\]\.from\[0\]\.podSelector\.matchLabels: Invalid value: "bad key": name part must consist of alphanumeric characters, '-', '_' or '\.', and must start and end with an alphanumeric character \(e\.g\. 'MyName',  or 'my\.name',  or '123-abc', regex used for validation is '\(\[A-Za-z0-9\]\[-A-Za-z0-9_\.\]\*\)\?\[A-Za-z0-9\]'\)$/);
    const long = 'x'.repeat(64);
    expectOneLineError(ask(`  ingress: [{from: [{namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [ok, ${long}]}]}}]}]\n`), new RegExp(`namespaceSelector\\.matchExpressions\\[0\\]\\.values\\[1\\]: Invalid value: "${long}": must be no more than 63 characters$`));
    expectOneLineError(ask('  egress: [{to: [{podSelector: {matchLabels: {app: "-web"}}}]}]\n'), /spec\.egress\[0\]\.to\[0\]\.podSelector\.matchLabels: Invalid value: "-web": a valid label must be an empty string or consist of alphanumeric characters/);
    expectOneLineError(ask('  ingress: [{from: [{podSelector: {matchExpressions: [{key: example.com/a/b, operator: Exists}]}}]}]\n'), /matchExpressions\[0\]\.key: Invalid value: "example\.com\/a\/b": a qualified name must consist of/);
    // labels of any object are checked as the server checks them
    expectOneLineError(run(['can-reach', '-f', '-', 'web', 'web', '--port', '80'], { input: pod.replace('app: web', `app: ${long}`) }), /Pod web: metadata\.labels: Invalid value: "x+": must be no more than 63 characters$/);
    // and what it accepts still works: an unquoted number, a valid name
    expect(ask('  ingress: [{ports: [{port: 80}]}]\n').code).toBe(0);
    expect(ask('  ingress: [{ports: [{port: web-http}]}]\n').code).toBe(1);
  });

  it('-n places manifest objects without a namespace, as kubectl apply -n does', () => {
    const app = 'kind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c, ports: [{containerPort: 80}]}]}}}\n---\nkind: NetworkPolicy\nmetadata: {name: deny-all}\nspec: {podSelector: {}}\n';
    const r = run(['can-reach', '-f', '-', '-n', 'shop', 'deploy/web', 'deploy/web', '--port', '80', '-o', 'json'], { input: app });
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.destination.pods).toEqual(['shop/web']);
    expect(out.ingress.policies.map((p: { namespace: string; name: string }) => `${p.namespace}/${p.name}`)).toEqual(['shop/deny-all']);
    const explained = run(['explain', '-f', '-', '-n', 'shop', 'networkpolicy/deny-all'], { input: app });
    expect(explained.code).toBe(0);
    expect(explained.stdout).toContain('every pod in namespace shop');
    const matrix = run(['matrix', '-f', '-', '-n', 'shop', '-o', 'json'], { input: app });
    expect(JSON.parse(matrix.stdout).verdicts).toEqual([{ from: 'shop/web', to: 'shop/web', port: 80, protocol: 'TCP', allowed: false }]);
  });

  it('-n places them there even when the other endpoint names its own namespace; without -n they are in default', () => {
    const app = 'kind: Deployment\nmetadata: {name: web}\nspec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}\n---\nkind: Deployment\nmetadata: {name: db, namespace: data}\nspec: {selector: {matchLabels: {app: db}}, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}}}\n';
    const withN = run(['can-reach', '-f', '-', '-n', 'shop', 'deploy/web', 'data/deploy/db', '--port', '5432', '-o', 'json'], { input: app });
    expect(withN.code, withN.stderr).toBe(0);
    expect(JSON.parse(withN.stdout).source.pods).toEqual(['shop/web']);
    const qualified = run(['can-reach', '-f', '-', 'data/deploy/db', 'default/deploy/web', '--port', '5432', '-o', 'json'], { input: app.replace('containers: [{name: c}]', 'containers: [{name: c, ports: [{containerPort: 5432}]}]') });
    expect(qualified.code, qualified.stderr).toBe(0);
    expect(JSON.parse(qualified.stdout).destination.pods).toEqual(['default/web']);
  });

  it('colours the verdict on a terminal, and not with NO_COLOR', () => {
    const cmd = 'node bin/run.js can-reach -f examples/shop default/deploy/cart payments/svc/payments';
    const tty = (env: Record<string, string>) => spawnSync('script', ['-qec', cmd, '/dev/null'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: 300_000, killSignal: 'SIGKILL' });
    const coloured = tty({ NO_COLOR: '' });
    expect(coloured.error).toBeUndefined();
    expect(coloured.stdout).toContain('\u001b[32mALLOWED');
    const plain = tty({ NO_COLOR: '1' });
    expect(plain.stdout).toContain('ALLOWED');
    expect(plain.stdout).not.toContain('\u001b[');
  });
});

describe('endpoints that are not what they seem (-f)', () => {
  it('resolves named ports on containers and sidecars only, never on a plain init container', () => {
    const pod = (restartPolicy: string) =>
      `kind: Pod\nmetadata: {name: api, labels: {app: api}}\nspec:\n  containers: [{name: app, ports: [{name: http, containerPort: 8080}]}]\n  initContainers: [{name: proxy, ${restartPolicy}ports: [{name: metrics, containerPort: 9090}]}]\n---\nkind: Pod\nmetadata: {name: client}\nspec: {containers: [{name: c}]}\n`;
    expectOneLineError(run(['can-reach', '-f', '-', 'client', 'api', '--port', 'metrics'], { input: pod('') }), /api declares no port named metrics; its ports: 8080\/TCP \(http\)$/);
    const sidecar = run(['can-reach', '-f', '-', 'client', 'api', '--port', 'metrics', '-o', 'json'], { input: pod('restartPolicy: Always, ') });
    expect(sidecar.code, sidecar.stderr).toBe(0);
    expect(JSON.parse(sidecar.stdout)).toMatchObject({ allowed: true, port: 'metrics', targetPort: 9090 });
  });

  it('counts only pods with an IP that have not finished as Service backends, and refuses a verdict for a finished pod', () => {
    const pod = (name: string, labels: string, status: string) => `kind: Pod\nmetadata: {name: ${name}, labels: {${labels}}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: ${status}\n---\n`;
    const input =
      pod('api-1', 'app: api', '{phase: Running, podIP: 10.1.0.1}') +
      pod('api-2', 'app: api', '{phase: Pending}') +
      pod('client', 'app: client', '{phase: Running, podIP: 10.1.0.9}') +
      pod('migrate', 'app: migrate', '{phase: Succeeded, podIP: 10.1.0.8}') +
      'kind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}, ports: [{port: 80, targetPort: 8080}]}\n';
    const r = run(['can-reach', '-f', '-', 'client', 'svc/api', '-o', 'json'], { input });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.destination.pods).toEqual(['default/api-1']);
    expect(out.notes).toContain('default/api-2 matches service default/api but is not a backend: it has no IP yet (Pending)');
    const finished = run(['can-reach', '-f', '-', 'client', 'migrate', '--port', '8080'], { input });
    expect(finished.code).toBe(3);
    expect(finished.stdout).toBe('');
    expect(finished.stderr.trim()).toMatch(/^error: cannot tell: pod default\/migrate has finished \(Succeeded\), so it sends and receives no traffic/);
  });

  it('an ip: that is a pod IP is that pod, a ClusterIP its Service after DNAT, and says so; matrix --external too', () => {
    const pod = (ns: string, name: string, ip: string) => `kind: Pod\nmetadata: {name: ${name}, namespace: ${ns}, labels: {app: ${name}}}\nspec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}\nstatus: {phase: Running, podIP: ${ip}}\n---\n`;
    const input =
      pod('app', 'client', '10.244.1.5') +
      pod('app', 'db', '10.244.1.6') +
      pod('backend', 'api', '10.244.2.7') +
      'kind: Service\nmetadata: {name: api, namespace: backend}\nspec: {selector: {app: api}, clusterIP: 10.96.0.20, ports: [{port: 80, targetPort: 8080}]}\n---\n' +
      'kind: NetworkPolicy\nmetadata: {name: client-out, namespace: app}\nspec: {podSelector: {matchLabels: {app: client}}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.96.0.0/12}}]}]}\n';
    const fromIp = run(['can-reach', '-f', '-', 'ip:10.244.1.5', 'app/db', '--port', '8080'], { input });
    expect(fromIp.code, fromIp.stdout).toBe(1);
    expect(fromIp.stdout).toContain('note: ip:10.244.1.5 is the IP of pod app/client: judged as that pod, as enforcement sees it');
    const toClusterIp = run(['can-reach', '-f', '-', 'app/client', 'ip:10.96.0.20', '--port', '80', '-o', 'json'], { input });
    expect(toClusterIp.code, toClusterIp.stdout).toBe(1);
    const out = JSON.parse(toClusterIp.stdout);
    expect(out.destination).toMatchObject({ kind: 'Service', namespace: 'backend', name: 'api', ip: '10.96.0.20', pods: ['backend/api'] });
    expect(out.notes).toContain('ip:10.96.0.20 is the ClusterIP of service backend/api: judged at its backend pods after DNAT, as enforcement sees it');
    const matrix = run(['matrix', '-f', '-', '-n', 'app', '--port', '8080', '--external', '10.96.0.20', '-o', 'json'], { input });
    expect(matrix.code, matrix.stderr).toBe(0);
    expect(matrix.stderr).toContain('note: --external 10.96.0.20 is the ClusterIP of service backend/api: judged at its backend pods after DNAT (backend/api)');
    const cells = JSON.parse(matrix.stdout).verdicts.map((v: { from: string; to: string; allowed: boolean }) => `${v.from}>${v.to}:${v.allowed}`);
    expect(cells).toContain('app/client>backend/api:false');
    expect(cells.join(' ')).not.toContain('ip:10.96.0.20');
  });

  it('answers per IP family between dual-stack pods: allowed over IPv6 only is not ALLOWED', () => {
    const pod = (name: string) => `kind: Pod\nmetadata: {name: ${name}, labels: {app: ${name}}}\nspec: {containers: [{name: c, ports: [{containerPort: 5432}]}]}\nstatus: {phase: Running, podIPs: [{ip: 10.1.0.${name.length}}, {ip: "fd00::${name.length}"}]}\n---\n`;
    const input = pod('client') + pod('db') + 'kind: NetworkPolicy\nmetadata: {name: v6-only}\nspec: {podSelector: {matchLabels: {app: db}}, ingress: [{from: [{ipBlock: {cidr: "fd00::/64"}}]}]}\n';
    const text = run(['can-reach', '-f', '-', 'client', 'db', '--port', '5432'], { input });
    expect(text.code, text.stderr).toBe(1);
    expect(text.stdout).toContain("note: dual-stack: allowed over IPv6 only; IPv4 denied");
    const json = JSON.parse(run(['can-reach', '-f', '-', 'client', 'db', '--port', '5432', '-o', 'json'], { input }).stdout);
    expect(json.connections[0].families).toEqual([{ family: 4, allowed: false }, { family: 6, allowed: true }]);
  });

  it('judges a hostNetwork pod as node traffic by default, and says so', () => {
    const input =
      'kind: Pod\nmetadata: {name: node-exporter, labels: {app: node-exporter}}\nspec: {hostNetwork: true, containers: [{name: c, ports: [{containerPort: 9100}]}]}\n---\n' +
      'kind: Pod\nmetadata: {name: prometheus, labels: {app: prometheus}}\nspec: {containers: [{name: c}]}\n---\n' +
      'kind: NetworkPolicy\nmetadata: {name: deny-ingress}\nspec: {podSelector: {}, policyTypes: [Ingress]}\n';
    const r = run(['can-reach', '-f', '-', 'prometheus', 'node-exporter', '--port', '9100'], { input });
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain("ingress: not applicable — default/node-exporter uses the host network: its traffic is the node's, which pod policies do not select");
    expect(r.stdout).toContain('note: default/node-exporter uses the host network: judged as node traffic, as Calico, Cilium, Azure NPM and Antrea do');
  });
});

describe('kubectl np explain -f', () => {
  it('traces every rule of every selecting policy for a connection', () => {
    const r = run(['explain', ...SHOP, 'default/deploy/frontend', 'payments/svc/payments']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ #2 to IPs in 0.0.0.0/0 except 10.0.0.0/8 on TCP 80, TCP 443');
    expect(r.stdout).toContain('✗ #0 from pods with app=cart in namespaces with team=shop on TCP port named https — default/frontend does not have app=cart');
  });

  it('renders a policy in plain English, with the IMDS warning', () => {
    const r = run(['explain', ...SHOP, 'networkpolicy/frontend-egress', '-n', 'default']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('applies to  pods with app=frontend in namespace default');
    expect(r.stdout).toMatch(/warning: egress rule #2 includes 169\.254\.169\.254/);
  });

  it("shows a workload's isolation, and -o json", () => {
    const r = run(['explain', ...SHOP, 'payments/deploy/payments', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.isolation[0]).toMatchObject({ pods: ['payments/payments'], ingress: { isolated: true }, egress: { isolated: true } });
    expect(out.isolation[0].ingress.policies).toEqual(['payments/allow-cart', 'payments/allow-prometheus', 'payments/default-deny']);
  });

  it('reads manifests from stdin for the one-argument forms (stdin is not taken as a missing argument)', () => {
    const text = ['namespaces.yaml', 'shop.yaml', 'policies/shop.yaml'].map((f) => readFileSync(join(ROOT, 'examples/shop', f), 'utf8')).join('\n---\n');
    const r = run(['explain', '-f', '-', 'networkpolicy/frontend-egress'], { input: text });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('default/frontend-egress');
  });

  it('warns that a default-deny-egress policy allowing only its own namespace blocks DNS', () => {
    const policy = 'kind: NetworkPolicy\nmetadata: {name: same-namespace, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to: [{podSelector: {}}]\n';
    const r = run(['explain', '-f', '-', 'shop/networkpolicy/same-namespace'], { input: policy });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('without allowing DNS (UDP 53 to kube-system/kube-dns)');
  });

  it('the DNS warning agrees with can-reach to the DNS Service: an ipBlock over its ClusterIP or a TCP named port does not allow DNS', () => {
    const cluster =
      'kind: Pod\nmetadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec: {containers: [{name: c, ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]}]}\nstatus: {phase: Running, podIP: 10.244.0.5}\n---\n' +
      'kind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {selector: {k8s-app: kube-dns}, clusterIP: 10.96.0.10, ports: [{name: dns, port: 53, protocol: UDP, targetPort: dns}]}\n---\n' +
      'kind: Pod\nmetadata: {name: web, namespace: shop, labels: {app: web}}\nspec: {containers: [{name: c}]}\nstatus: {phase: Running, podIP: 10.244.1.9}\n---\n';
    const policy = (rule: string) => `${cluster}kind: NetworkPolicy\nmetadata: {name: out, namespace: shop}\nspec: {podSelector: {}, policyTypes: [Egress], egress: [${rule}]}\n`;
    for (const rule of ['{to: [{ipBlock: {cidr: 10.96.0.10/32}}]}', '{ports: [{port: dns}]}']) {
      const explained = run(['explain', '-f', '-', 'shop/networkpolicy/out'], { input: policy(rule) });
      expect(explained.stdout, rule).toContain('without allowing DNS (UDP 53 to kube-system/kube-dns)');
      expect(run(['can-reach', '-f', '-', 'shop/web', 'kube-system/svc/kube-dns', '--port', '53', '--protocol', 'UDP'], { input: policy(rule) }).code, rule).toBe(1);
    }
    const allowed = policy('{to: [{ipBlock: {cidr: 10.244.0.0/16}}], ports: [{port: dns, protocol: UDP}]}');
    expect(run(['explain', '-f', '-', 'shop/networkpolicy/out'], { input: allowed }).stdout).not.toContain('DNS');
    expect(run(['can-reach', '-f', '-', 'shop/web', 'kube-system/svc/kube-dns', '--port', '53', '--protocol', 'UDP'], { input: allowed }).code).toBe(0);
  });

  it('warns about the metadata service for an egress rule to every destination on port 80', () => {
    const policy = 'kind: NetworkPolicy\nmetadata: {name: web-out, namespace: shop}\nspec:\n  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports: [{port: 80}, {port: 443}, {port: 53, protocol: UDP}]\n';
    const r = run(['explain', '-f', '-', 'shop/networkpolicy/web-out'], { input: policy });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('egress rule #0 allows every destination, including 169.254.169.254, the cloud instance metadata service (IMDS)');
  });

  it('-A finds a policy by name in whichever namespace holds it, and names the namespaces when several do', () => {
    const r = run(['explain', ...SHOP, 'networkpolicy/allow-cart', '-A']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('payments/allow-cart');
    const twice = 'kind: NetworkPolicy\nmetadata: {name: deny, namespace: a}\nspec: {podSelector: {}}\n---\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: b}\nspec: {podSelector: {}}\n';
    expectOneLineError(run(['explain', '-f', '-', 'netpol/deny', '-A'], { input: twice }), /networkpolicy "deny" exists in namespaces a, b: name one, e\.g\. a\/networkpolicy\/deny$/);
    expectOneLineError(run(['explain', ...SHOP, 'netpol/nosuch', '-A']), /networkpolicy "nosuch" not found in any namespace/);
  });

  it('names a missing policy and where it looked', () => {
    expectOneLineError(run(['explain', ...SHOP, 'networkpolicy/nope', '-n', 'payments']), /^error: networkpolicy "nope" not found in namespace payments \(manifests examples\/shop\)$/);
    expectOneLineError(run(['explain', ...SHOP, 'networkpolicy/allow-cart']), /not found in namespace default \(manifests examples\/shop\); did you mean payments\/networkpolicy\/allow-cart\?/);
  });
});

describe('kubectl np matrix -f', () => {
  it('-o json is exactly {"verdicts":[{from,to,port,protocol,allowed}]} with NS/POD and ip:ADDR endpoints', () => {
    const r = run(['matrix', ...SHOP, '--port', '8443', '--port', 'http', '--external', '169.254.169.254', '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(Object.keys(out)).toEqual(['verdicts']);
    for (const v of out.verdicts) {
      expect(Object.keys(v)).toEqual(['from', 'to', 'port', 'protocol', 'allowed']);
      expect(v.from).toMatch(/^([a-z0-9-]+\/[a-z0-9-]+|ip:169\.254\.169\.254)$/);
    }
    const find = (from: string, to: string, port: number | string) => out.verdicts.find((v: { from: string; to: string; port: unknown }) => v.from === from && v.to === to && v.port === port);
    expect(find('default/cart', 'payments/payments', 8443)).toEqual({ from: 'default/cart', to: 'payments/payments', port: 8443, protocol: 'TCP', allowed: true });
    expect(find('default/frontend', 'payments/payments', 8443).allowed).toBe(false);
    expect(find('ip:169.254.169.254', 'default/frontend', 'http')).toMatchObject({ protocol: 'TCP', allowed: true });
    // payments declares no "http" port: no verdict rather than a made-up one
    expect(find('default/cart', 'payments/payments', 'http')).toBeUndefined();
    // 5 workloads + 1 external, minus external→external, for port 8443
    expect(out.verdicts.filter((v: { port: unknown }) => v.port === 8443)).toHaveLength(6 * 6 - 1);
  });

  it('can-reach -o jsonpath=TEMPLATE prints fields of the -o json document, kubectl style', () => {
    const args = ['can-reach', ...SHOP, 'default/deploy/frontend', 'payments/deploy/payments', '--port', '8443'];
    const json = JSON.parse(run([...args, '-o', 'json']).stdout);
    const r = run([...args, '-o', 'jsonpath={.allowed}{"\\n"}{range .connections[*]}{.port}/{.protocol}={.allowed}{"\\n"}{end}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(`${json.allowed}\n${json.connections.map((c: { port: number; protocol: string; allowed: boolean }) => `${c.port}/${c.protocol}=${c.allowed}\n`).join('')}`);
    expectOneLineError(run([...args, '-o', 'jsonpath={range .connections[*]}']), /--output: bad -o jsonpath template .*\{range\} without \{end\}$/);
  });

  it('-l/--selector keeps the pods and workloads whose labels match, in kubectl\'s syntax', () => {
    const r = run(['matrix', ...SHOP, '-l', 'app in (cart,payments)', '--port', '8443', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const endpoints = new Set(JSON.parse(r.stdout).verdicts.flatMap((v: { from: string; to: string }) => [v.from, v.to]));
    expect([...endpoints].sort()).toEqual(['default/cart', 'payments/payments']);
    expectOneLineError(run(['matrix', ...SHOP, '-l', 'app in (cart']), /-l: unbalanced parentheses in selector "app in \(cart"$/);
    expectOneLineError(run(['matrix', ...SHOP, '-l', 'app=nope']), /no pods or workloads match -l app=nope in any namespace/);
  });

  it('can-reach --from/--to -l narrows the pods it answers about; -l with SOURCE DESTINATION is refused', () => {
    const all = JSON.parse(run(['can-reach', ...SHOP, '--from', 'default/deploy/frontend', '-o', 'json']).stdout);
    expect(all.reachable.map((w: { workload: string }) => w.workload)).toEqual(expect.arrayContaining(['default/deploy/cart', 'kube-system/deploy/coredns']));
    const r = run(['can-reach', ...SHOP, '--from', 'default/deploy/frontend', '-l', 'app=cart', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).reachable.map((w: { workload: string }) => w.workload)).toEqual(['default/deploy/cart']);
    expectOneLineError(run(['can-reach', ...SHOP, 'default/deploy/frontend', 'default/deploy/cart', '-l', 'app=cart']), /-l\/--selector narrows the pods of --to or --from/);
  });

  it('-o yaml carries the same data as -o json, with and without --by-class, and no anchors or aliases', () => {
    for (const extra of [[], ['--by-class']]) {
      const args = ['matrix', ...SHOP, '--port', '8443', '--external', '169.254.169.254', ...extra];
      const json = run([...args, '-o', 'json']);
      const yaml = run([...args, '-o', 'yaml']);
      expect(yaml.code, yaml.stderr).toBe(0);
      expect(yaml.stdout).not.toMatch(/[&*]a\d/);
      const docs = parseAllDocuments(yaml.stdout);
      expect(docs).toHaveLength(1);
      expect((docs as { toJS(): unknown }[])[0].toJS()).toEqual(JSON.parse(json.stdout));
    }
    expectOneLineError(run(['matrix', ...SHOP, '--by-class', '-o', 'csv']), /--by-class works with -o json or yaml, not -o csv$/);
  });

  it('draws workloads as dot and mermaid: one edge per pair, ports listed once, --focus and --denied', () => {
    const dot = run(['matrix', ...SHOP, '--port', '8443', '--port', '8080', '-o', 'dot']);
    expect(dot.code).toBe(0);
    expect(dot.stdout).toMatch(/^\/\/ kubectl np matrix: nodes are workloads/);
    expect(dot.stdout).toContain('subgraph "cluster_payments" {');
    expect(dot.stdout).toContain('"default/deploy/cart" -> "payments/deploy/payments" [xlabel="TCP 8443"];');
    const mermaid = run(['matrix', ...SHOP, '--port', '8443', '-o', 'mermaid']);
    expect(mermaid.stdout).toMatch(/^flowchart LR/);
    expect(mermaid.stdout).toMatch(/n\d+ -->\|"TCP 8443"\| n\d+/);
    const focused = run(['matrix', ...SHOP, '--port', '8443', '--port', '8080', '-o', 'mermaid', '--focus', 'default/deploy/frontend']);
    expect(focused.stdout).not.toContain('payments');
    // frontend ⇄ cart, and coredns and prometheus (whose egress is open) to frontend, on 8080
    expect(focused.stdout.match(/-->/g)).toHaveLength(4);
    const denied = run(['matrix', ...SHOP, '--port', '8443', '-o', 'dot', '--denied', '--focus', 'payments']);
    expect(denied.stdout).toContain('"default/deploy/frontend" -> "payments/deploy/payments" [xlabel="TCP 8443"];');
    expect(denied.stdout).not.toContain('"default/deploy/cart" -> "payments/deploy/payments"');
  });

  it('writes workload pairs as CSV and Markdown', () => {
    const csv = run(['matrix', ...SHOP, '--port', '8443', '-o', 'csv']);
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split('\n');
    expect(rows[0]).toBe('from,from_kind,from_pods,to,to_kind,to_pods,port,protocol,verdict,allowed_pod_pairs,pod_pairs');
    expect(rows).toContain('default/deploy/cart,Deployment,0,payments/deploy/payments,Deployment,0,8443,TCP,allowed,1,1');
    expect(rows).toHaveLength(1 + 5 * 5);
    const md = run(['matrix', ...SHOP, '--port', '8443', '--port', '8080', '-o', 'md', '--focus', 'payments/deploy/payments']);
    expect(md.stdout).toContain('| `default/deploy/cart` | `payments/deploy/payments` | TCP 8443 | TCP 8080 |  |');
  });

  it('refuses --focus on a name that is not in the matrix, and --focus with the pod outputs', () => {
    expectOneLineError(run(['matrix', ...SHOP, '-o', 'dot', '--focus', 'default/deploy/front']), /--focus default\/deploy\/front names no workload in the matrix; did you mean default\/deploy\/frontend\?$/);
    expectOneLineError(run(['matrix', ...SHOP, '--denied']), /--denied works with -o dot, mermaid, csv or md, not -o table$/);
  });

  it('prints a table with one row per endpoint', () => {
    const r = run(['matrix', ...SHOP, '-n', 'default', '--port', '8080']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').filter((l) => /^\d+ /.test(l)).map((l) => l.split(/\s+/)[1])).toEqual(['default/cart', 'default/frontend']);
  });

  it('lines the columns up under their numbers when every name is shorter than the "from \\ to" corner', () => {
    const pods = ['a', 'b'].map((n) => `kind: Pod\nmetadata: {name: ${n}, namespace: x}\nspec: {containers: [{name: c, ports: [{containerPort: 80}]}]}\n`).join('---\n');
    const r = run(['matrix', '-f', '-'], { input: pods });
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    const header = lines.find((l) => l.includes('from \\ to'))!;
    const rows = lines.filter((l) => /^\d+ /.test(l));
    expect(rows).toHaveLength(2);
    // the last character of the header (column "2") sits above the last mark of each row
    for (const row of rows) expect([...row].length).toBe(header.length);
    expect(header.indexOf('1')).toBe([...rows[0]].findIndex((c, i) => i > 10 && /[✓✗·]/.test(c)));
  });

  it('says when a --protocol or a port name matches no declared port, instead of an empty matrix', () => {
    expectOneLineError(run(['matrix', ...SHOP, '-n', 'payments', '--protocol', 'UDP']), /the selected pods declare no UDP container ports: pass --port or another --protocol$/);
    expectOneLineError(run(['matrix', ...SHOP, '--port', 'nosuchname']), /no selected pod declares a port named nosuchname, so no connection has a verdict$/);
    const mixed = run(['matrix', ...SHOP, '-n', 'payments', '--port', 'nosuchname', '--port', 'https']);
    expect(mixed.code).toBe(0);
    expect(mixed.stderr).toBe('note: no selected pod declares a port named nosuchname: its table has no verdicts\n');
  });

  it('rejects a bad --external on one line', () => {
    expectOneLineError(run(['matrix', ...SHOP, '--external', 'metadata.google.internal']), /--external metadata\.google\.internal is not an IP address/);
  });
});

const NO_IMDS = `apiVersion: policy.networking.k8s.io/v1alpha1
kind: AdminNetworkPolicy
metadata:
  name: no-imds
spec:
  priority: 10
  subject:
    namespaces: {}
  egress:
  - name: deny-imds
    action: Deny
    to:
    - networks: ["169.254.169.254/32"]
`;
const ANTREA = `apiVersion: crd.antrea.io/v1beta1
kind: NetworkPolicy
metadata:
  name: restrict
  namespace: payments
spec: {}
`;

describe('policy kinds beyond NetworkPolicy (-f)', () => {
  it('an AdminNetworkPolicy Deny closes the IMDS pitfall the NetworkPolicy leaves open, naming tier, priority, rule and action', () => {
    const open = run(['can-reach', ...SHOP, 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80']);
    expect(open.code).toBe(0);
    const r = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80'], { input: NO_IMDS });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('DENIED  default/deploy/frontend → ip:169.254.169.254  TCP 80');
    expect(r.stdout).toContain('egress from default/frontend: denied by AdminNetworkPolicy no-imds (tier admin, priority 10) rule #0 "deny-imds" Deny: Deny to IPs in 169.254.169.254/32 on any port');
  });

  it('a policy kind it does not evaluate is named, and a verdict it may touch is CANNOT TELL (exit 3)', () => {
    const r = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'payments/svc/payments'], { input: ANTREA });
    expect(r.code).toBe(3);
    expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  default/deploy/cart → payments/svc/payments  TCP 443 (→ 8443 at the pods)');
    expect(r.stdout).toContain('it depends on NetworkPolicy payments/restrict, which may select payments/payments and was not evaluated');
    expect(r.stdout).toContain('not evaluated: NetworkPolicy payments/restrict — kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1)');
    const json = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'payments/svc/payments', '-o', 'json'], { input: ANTREA });
    expect(json.code).toBe(3);
    const out = JSON.parse(json.stdout);
    expect(out.allowed).toBe(null);
    expect(out.cannotTell[0].what).toMatch(/^NetworkPolicy payments\/restrict, which may select payments\/payments/);
    expect(out.notEvaluated).toEqual([{ object: 'NetworkPolicy payments/restrict', reason: 'kubectl-np does not evaluate NetworkPolicy (crd.antrea.io/v1beta1)' }]);
    // a connection that does not involve payments is still answered, and the object still named
    const other = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/frontend', 'default/deploy/cart', '--port', '8080'], { input: ANTREA });
    expect(other.code).toBe(0);
    expect(other.stdout).toContain('not evaluated: NetworkPolicy payments/restrict');
  });

  it('matrix marks the cells an unevaluated policy may touch with "?" and names it (exit 3); -o json gives them "allowed": null', () => {
    const r = run(['matrix', ...SHOP, '-f', '-', '--port', '8443'], { input: ANTREA });
    expect(r.code).toBe(3);
    expect(r.stdout).toContain('? cannot tell');
    expect(r.stdout).toContain('not evaluated: NetworkPolicy payments/restrict');
    const json = JSON.parse(run(['matrix', ...SHOP, '-f', '-', '--port', '8443', '-o', 'json'], { input: ANTREA }).stdout);
    expect(json.verdicts.some((v: { to: string; allowed: boolean | null }) => v.to === 'payments/payments' && v.allowed === null)).toBe(true);
    expect(json.notEvaluated[0].object).toBe('NetworkPolicy payments/restrict');
  });

  it('a CiliumNetworkPolicy ingressDeny beats the NetworkPolicy that allows the cart (exit 1), naming the Cilium rule', () => {
    const deny = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: no-cart
  namespace: payments
spec:
  endpointSelector: {}
  ingressDeny:
  - fromEndpoints:
    - matchLabels:
        k8s:io.kubernetes.pod.namespace: default
        app: cart
`;
    const r = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'payments/svc/payments'], { input: deny });
    expect(r.code).toBe(1);
    expect(r.stdout.split('\n')[0]).toBe('DENIED  default/deploy/cart → payments/svc/payments  TCP 443 (→ 8443 at the pods)');
    expect(r.stdout).toContain('ingress to payments/payments: denied by CiliumNetworkPolicy payments/no-cart (tier cilium) rule #0 Deny: Deny from pods with app=cart in namespace default on any port');
  });

  it('dns:NAME: a Cilium toFQDNs rule admits the name it names (exit 0) and no other (exit 1); an ipBlock cannot tell where a name resolves (exit 3)', () => {
    const fqdn = `apiVersion: cilium.io/v2
kind: CiliumNetworkPolicy
metadata:
  name: cart-to-stripe
  namespace: default
spec:
  endpointSelector:
    matchLabels: {app: cart}
  egress:
  - toFQDNs:
    - matchName: api.stripe.com
    - matchPattern: "*.stripe.network"
    toPorts:
    - ports: [{port: "443", protocol: TCP}]
`;
    const ok = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'dns:api.stripe.com', '--port', '443'], { input: fqdn });
    expect(ok.code).toBe(0);
    expect(ok.stdout.split('\n')[0]).toBe('ALLOWED  default/deploy/cart → dns:api.stripe.com  TCP 443');
    expect(ok.stdout).toContain('allowed by CiliumNetworkPolicy default/cart-to-stripe (tier cilium) rule #0 Allow: Allow to DNS names api.stripe.com, *.stripe.network (toFQDNs) on TCP 443');
    expect(run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'dns:js.stripe.network', '--port', '443'], { input: fqdn }).code).toBe(0);
    const other = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'dns:evil.example.com', '--port', '443'], { input: fqdn });
    expect(other.code).toBe(1);
    expect(other.stdout.split('\n')[0]).toBe('DENIED  default/deploy/cart → dns:evil.example.com  TCP 443');
    const ipBlock = `${fqdn}---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: cart-out, namespace: default}
spec:
  podSelector: {matchLabels: {app: cart}}
  policyTypes: [Egress]
  egress:
  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]
    ports: [{port: 443}]
`;
    const unknown = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'dns:evil.example.com', '--port', '443', '-o', 'json'], { input: ipBlock });
    expect(unknown.code).toBe(3);
    const json = JSON.parse(unknown.stdout);
    expect(json.allowed).toBeNull();
    expect(json.cannotTell[0].what).toMatch(/^where dns:evil\.example\.com resolves: address rules \(ipBlock, CIDR, networks\) decide differently by address/);
    // the toFQDNs rule decides its own name whatever the ipBlock says
    expect(run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'dns:api.stripe.com', '--port', '443'], { input: ipBlock }).code).toBe(0);
    expectOneLineError(run(['can-reach', ...SHOP, 'dns:api.stripe.com', 'default/deploy/cart']), /a DNS name can only be the destination$/);
    expectOneLineError(run(['explain', ...SHOP, 'dns:api.stripe.com']), /understood by can-reach only/);
  });

  it('a Calico GlobalNetworkPolicy Deny at order 10 goes before the order-1000 NetworkPolicy that allows the cart', () => {
    const deny = `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata:
  name: quarantine-cart
spec:
  order: 10
  selector: projectcalico.org/namespace == 'payments'
  ingress:
  - action: Deny
    source:
      selector: app == 'cart'
      namespaceSelector: all()
`;
    const r = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/cart', 'payments/svc/payments'], { input: deny });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("ingress to payments/payments: denied by Calico GlobalNetworkPolicy quarantine-cart (tier default, order 10) rule #0 Deny: Deny from endpoints with app == 'cart' in namespaces with all()");
    expectOneLineError(run(['can-reach', '-f', '-', 'a', 'b', '--port', '80'], { input: deny.replace("== 'payments'", "= 'payments'") }), /GlobalNetworkPolicy quarantine-cart: spec\.selector: selector "projectcalico\.org\/namespace = 'payments'": unexpected "=" at column 29$/);
  });

  it('--engine ignores the kinds that engine does not enforce, and says so', () => {
    const r = run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80', '--engine', 'cilium'], { input: NO_IMDS });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not evaluated: AdminNetworkPolicy no-imds is not enforced: --engine cilium: Cilium does not enforce AdminNetworkPolicy');
    expect(r.stdout).toContain('\nengine: Cilium (--engine cilium)\n');
    expect(run(['can-reach', ...SHOP, '-f', '-', 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80', '--engine', 'calico'], { input: NO_IMDS }).code).toBe(1);
    const bad = run(['can-reach', ...SHOP, 'default/deploy/frontend', 'ip:169.254.169.254', '--port', '80', '--engine', 'weave']);
    expect(bad.code).toBe(2);
  });

  it('--engine cilium: an SCTP rule leaves TCP answers firm and makes SCTP ones cannot tell; endPort is cannot tell only where a reading Cilium may apply changes it', () => {
    const pods = 'kind: Pod\nmetadata: {name: api, labels: {app: api}}\nspec: {containers: [{name: c}]}\n---\nkind: Pod\nmetadata: {name: web, labels: {app: web}}\nspec: {containers: [{name: c}]}\n';
    const sctp = `${pods}---\nkind: NetworkPolicy\nmetadata: {name: api-in}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: 3868, protocol: SCTP}, {port: 443}]}]\n`;
    const ask = (input: string, port: string, protocol = 'TCP') => run(['can-reach', '-f', '-', 'web', 'api', '--port', port, '--protocol', protocol, '--engine', 'cilium'], { input });
    expect(ask(sctp, '443').code).toBe(0);
    const tcp80 = ask(sctp, '80');
    expect(tcp80.code).toBe(1);
    expect(tcp80.stdout).not.toContain('sctp.enabled');
    const sctpAsked = ask(sctp, '3868', 'SCTP');
    expect(sctpAsked.code).toBe(3);
    expect(sctpAsked.stdout).toContain('how the engine applies NetworkPolicy default/api-in to SCTP: it selects default/api and uses SCTP, and Cilium (the engine) enforces SCTP only with its beta SCTP support enabled (sctp.enabled=true)');
    // endPort alone: the range's first port is allowed under every reading, and said so
    const rangePolicy = '---\nkind: NetworkPolicy\nmetadata: {name: api-range}\nspec:\n  podSelector: {matchLabels: {app: api}}\n  ingress: [{ports: [{port: 8000, endPort: 8100}]}]\n';
    const first = ask(`${pods}${rangePolicy}`, '8000');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('every reading (as written, with endPort ignored (its port alone), with the policy refused whole) gives this answer');
    // beside a policy that isolates api anyway: outside the range denied under every reading; inside, cannot tell
    const both = `${sctp}${rangePolicy}`;
    expect(ask(both, '80').code).toBe(1);
    const inside = ask(both, '8050');
    expect(inside.code).toBe(3);
    expect(inside.stdout).toContain('allowed as written, denied with endPort ignored (its port alone), denied with the policy refused whole');
  });

  it('refuses a malformed AdminNetworkPolicy on one line, naming the field', () => {
    expectOneLineError(run(['can-reach', '-f', '-', 'a', 'b', '--port', '80'], { input: NO_IMDS.replace('action: Deny', 'action: Drop') }), /AdminNetworkPolicy no-imds: spec\.egress\[0\]\.action: expected Allow, Deny or Pass, found a string \("Drop"\)$/);
  });
});

describe('kubectl np can-reach against a live cluster (the test API server)', () => {
  // the shop, running: two frontend replicas owned through a ReplicaSet, a payments pod, with IPs
  const shop = shopExampleObjects();
  const pods = [
    runningPod('default', 'frontend-6d9f-a', { app: 'frontend', tier: 'web', 'pod-template-hash': '6d9f' }, { kind: 'ReplicaSet', name: 'frontend-6d9f' }, '10.1.0.11', [{ name: 'http', containerPort: 8080 }]),
    runningPod('default', 'frontend-6d9f-b', { app: 'frontend', tier: 'web', 'pod-template-hash': '6d9f' }, { kind: 'ReplicaSet', name: 'frontend-6d9f' }, '10.1.0.12', [{ name: 'http', containerPort: 8080 }]),
    runningPod('payments', 'payments-77c-a', { app: 'payments', 'pod-template-hash': '77c' }, { kind: 'ReplicaSet', name: 'payments-77c' }, '10.1.1.21', [{ name: 'https', containerPort: 8443 }, { name: 'metrics', containerPort: 9090 }]),
  ];
  const calico = engineAgent('calico-node');
  let server: TestApiServer;
  let kubeconfig: string;
  const home = mkdtempSync(join(tmpdir(), 'np-live-'));

  beforeAll(async () => {
    server = await startTestApiServer({ staticTokens: { 'oncall-token-0123456789': { username: 'oncall@example.com', groups: ['oncall'] } }, authorizer: 'always-allow', objects: [...shop, ...pods], policyCrds: true });
    kubeconfig = join(home, 'config');
    server.writeKubeconfig(kubeconfig, { context: 'prod', namespace: 'default', user: { token: 'oncall-token-0123456789' } });
  });
  afterAll(async () => server?.close());

  const live = (args: string[]) => cliAs(kubeconfig, home)(['can-reach', ...args]);

  it('resolves a Deployment in the context namespace to its running replicas, and warns once that nothing enforces policies', async () => {
    const r = await live(['deploy/frontend', 'payments/svc/payments', '-o', 'json']);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.source).toMatchObject({ kind: 'Deployment', namespace: 'default', pods: ['default/frontend-6d9f-a', 'default/frontend-6d9f-b'], fromTemplate: false });
    expect(out.destination.pods).toEqual(['payments/payments-77c-a']);
    expect(out.connections).toHaveLength(1); // the two replicas share labels: judged once
    expect(out.connections[0].sources).toEqual(['default/frontend-6d9f-a', 'default/frontend-6d9f-b']);
    expect(out.egress.policies[0].rules[2]).toMatchObject({ matched: false, why: 'payments/payments-77c-a (10.1.1.21) is not in 0.0.0.0/0 minus 10.0.0.0/8' });
    const warnings = r.stderr.split('\n').filter((l) => l.includes('no NetworkPolicy enforcement engine'));
    expect(warnings).toEqual([expect.stringMatching(/^warning: no NetworkPolicy enforcement engine .*: verdicts describe what the policies say, not what the network does$/)]);
  });

  it('does not warn when an enforcement engine runs', async () => {
    server.setObjects([...shop, ...pods, calico]);
    const r = await live(['deploy/frontend', 'ip:169.254.169.254', '--port', '80']);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('ALLOWED  deploy/frontend → ip:169.254.169.254  TCP 80');
    expect(r.stderr).not.toContain('enforcement engine');
  });

  it('reads the policy kinds the server serves (discovery first): an AdminNetworkPolicy Deny decides live too', async () => {
    const noImds = { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'no-imds' }, spec: { priority: 10, subject: { namespaces: {} }, egress: [{ name: 'deny-imds', action: 'Deny', to: [{ networks: ['169.254.169.254/32'] }] }] } };
    server.setObjects([...shop, ...pods, calico, noImds]);
    const r = await live(['deploy/frontend', 'ip:169.254.169.254', '--port', '80']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('denied by AdminNetworkPolicy no-imds (tier admin, priority 10) rule #0 "deny-imds" Deny');
    expect(server.requests.some((q) => q.path.startsWith('/apis/policy.networking.k8s.io/v1alpha1/adminnetworkpolicies'))).toBe(true);
  });

  it('a policy list one may not read is named, and verdicts in its scope are CANNOT TELL (exit 3)', async () => {
    const reader = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'netpol-viewer' }, rules: [{ apiGroups: ['', 'networking.k8s.io', 'apps', 'batch', 'policy.networking.k8s.io'], resources: ['*'], verbs: ['list'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dev-netpol-viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-viewer' }, subjects: [{ kind: 'User', name: 'dev@example.com' }] };
    const limited = await startTestApiServer({ staticTokens: { 'dev-token-0123456789': { username: 'dev@example.com' } }, objects: [...shop, ...pods, reader, binding], policyCrds: true });
    try {
      const config = join(home, 'limited-cilium');
      limited.writeKubeconfig(config, { context: 'limited', namespace: 'default', user: { token: 'dev-token-0123456789' } });
      const r = await cliAs(config, home)(['can-reach', 'deploy/frontend', 'ip:169.254.169.254', '--port', '80', '-o', 'json']);
      expect(r.code).toBe(3);
      const out = JSON.parse(r.stdout);
      expect(out.allowed).toBe(null);
      expect(out.notEvaluated).toContainEqual({ object: 'ciliumnetworkpolicies.cilium.io in namespace default', reason: 'you may not list them' });
      expect(r.stderr).toMatch(/warning: not allowed to list ciliumnetworkpolicies\.cilium\.io in namespace default/);
    } finally {
      await limited.close();
    }
  });

  it('a Deployment it may not list is "cannot tell" (exit 3), not "not found"', async () => {
    const reader = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'netpol-viewer' }, rules: [{ apiGroups: ['', 'networking.k8s.io'], resources: ['pods', 'services', 'namespaces', 'networkpolicies'], verbs: ['list'] }] };
    const binding = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'dev-netpol-viewer' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'netpol-viewer' }, subjects: [{ kind: 'User', name: 'dev@example.com' }] };
    const limited = await startTestApiServer({ staticTokens: { 'dev-token-0123456789': { username: 'dev@example.com' } }, objects: [...shop, ...pods, reader, binding] });
    try {
      const config = join(home, 'limited');
      limited.writeKubeconfig(config, { context: 'limited', namespace: 'default', user: { token: 'dev-token-0123456789' } });
      const r = await cliAs(config, home)(['can-reach', 'default/deploy/frontend', 'payments/svc/payments']);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/^error: cannot tell whether deployment "frontend" exists: you may not list deployments in namespace default \(limited\)$/m);
      expect(r.stderr).not.toContain('not found');
      // pods it may list: a pod that is not there is still simply not found
      const missing = await cliAs(config, home)(['can-reach', 'default/nosuch', 'payments/svc/payments']);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toMatch(/^error: pod "nosuch" not found in namespace default/m);
    } finally {
      await limited.close();
    }
  });

  it('with namespace-scoped view (no list on namespaces), a verdict that hangs on namespace labels is "cannot tell" (exit 3) naming the permission; others stand', async () => {
    const policy = (name: string, operator: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'app', name }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator, values: ['lab', 'ext'] }] } }] }] } });
    const cluster = [labelledNamespace('app'), labelledNamespace('np-lab', { team: 'lab' }), postgresPod('np-lab', 'client', '10.1.0.5'), postgresPod('app', 'db', '10.1.0.6'), policyReaderRole('ns-view'), bindScopedReader('app', 'ns-view'), bindScopedReader('np-lab', 'ns-view')];
    const scoped = await startTestApiServer({ staticTokens: { 'dev-token-0123456789': { username: SCOPED_READER }, 'admin-token-0123456789': { username: 'admin', groups: ['system:masters'] } }, objects: [...cluster, policy('lab', 'In')] });
    try {
      const config = join(home, 'scoped');
      scoped.writeKubeconfig(config, { context: 'scoped', namespace: 'app', user: { token: 'dev-token-0123456789' } });
      const ask = (args: string[]) => cliAs(config, home)(['can-reach', ...args]);
      // the truth (team=lab is In (lab,ext)) is ALLOWED; main said DENIED "np-lab does not have team in (lab,ext)"
      const r = await ask(['np-lab/client', 'app/db', '--port', '5432']);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout.split('\n')[0]).toBe('CANNOT TELL  np-lab/client → app/db  TCP 5432');
      expect(r.stdout).toContain('it depends on whether namespace np-lab is one of the namespaces with team in (lab,ext) (a peer of a policy in app), which you may not see: to see it, you need to get namespaces/np-lab (the view ClusterRole, or any role granting get on namespaces, bound by a RoleBinding in namespace np-lab), or to list namespaces');
      expect(r.stdout).not.toContain('does not have');
      expect(r.stderr).toContain('warning: labels of namespace np-lab could not be read: get namespaces/np-lab forbidden');
      const json = JSON.parse((await ask(['np-lab/client', 'app/db', '--port', '5432', '-o', 'json'])).stdout);
      expect(json.allowed).toBeNull();
      expect(json.cannotTell[0].permission).toMatch(/^get namespaces\/np-lab .* or to list namespaces/);
      // NotIn: the truth is DENIED; main said ALLOWED
      scoped.setObjects([...cluster, policy('not-lab', 'NotIn')]);
      expect((await ask(['np-lab/client', 'app/db', '--port', '5432'])).code).toBe(3);
      // a verdict that does not depend on the labels stands: db → client is not selected by any policy
      const other = await ask(['app/db', 'np-lab/client', '--port', '5432']);
      expect(other.code, other.stderr).toBe(0);
      // the matrix says which cells it cannot tell, and exits 3
      const matrix = await cliAs(config, home)(['matrix', '-n', 'app', '-n', 'np-lab', '--port', '5432', '-o', 'json']);
      expect(matrix.code, matrix.stderr).toBe(3);
      const cells = JSON.parse(matrix.stdout).verdicts.map((v: { from: string; to: string; allowed: boolean | null }) => `${v.from}>${v.to}:${v.allowed}`);
      expect(cells).toContain('np-lab/client>app/db:null');
      expect(cells).toContain('app/db>np-lab/client:true');
      expect(matrix.stderr).toMatch(/^cannot tell: some verdicts depend on whether namespace np-lab is one of the namespaces with team notin \(lab,ext\) .*you need to get namespaces\/np-lab .* or to list namespaces/m);
      // with the list, the same question has its answer
      const admin = join(home, 'admin');
      scoped.writeKubeconfig(admin, { context: 'admin', namespace: 'app', user: { token: 'admin-token-0123456789' } });
      expect((await cliAs(admin, home)(['can-reach', 'np-lab/client', 'app/db', '--port', '5432'])).code).toBe(1);
    } finally {
      await scoped.close();
    }
  });

  it('without the namespace list, the labels of each namespace it may GET are known: definite verdicts there, cannot tell only where an unreadable namespace\'s labels matter', async () => {
    const policy = (operator: string) => ({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { namespace: 'app', name: `db-${operator}` }, spec: { podSelector: { matchLabels: { app: 'db' } }, policyTypes: ['Ingress'], ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator, values: ['lab', 'ext'] }] } }] }] } });
    // view-like (get namespaces included) in app and np-lab; in np-ext the pods only, not its namespace
    const cluster = [
      labelledNamespace('app'),
      labelledNamespace('np-lab', { team: 'lab' }),
      labelledNamespace('np-ext', { team: 'ext' }),
      postgresPod('np-lab', 'client', '10.1.0.5'),
      postgresPod('np-ext', 'client', '10.1.0.7'),
      postgresPod('app', 'db', '10.1.0.6'),
      policyReaderRole('ns-view', ['namespaces']),
      policyReaderRole('pods-only'),
      bindScopedReader('app', 'ns-view'),
      bindScopedReader('np-lab', 'ns-view'),
      bindScopedReader('np-ext', 'pods-only'),
    ];
    const scoped = await startTestApiServer({ staticTokens: { 'dev-token-0123456789': { username: SCOPED_READER } }, objects: [...cluster, policy('In')] });
    try {
      const config = join(home, 'scoped-get');
      scoped.writeKubeconfig(config, { context: 'scoped', namespace: 'app', user: { token: 'dev-token-0123456789' } });
      const ask = (args: string[]) => cliAs(config, home)(['can-reach', ...args]);
      // np-lab's labels come from GET namespaces/np-lab: team=lab is In (lab,ext)
      const lab = await ask(['np-lab/client', 'app/db', '--port', '5432']);
      expect(lab.code, lab.stderr).toBe(0);
      expect(lab.stdout.split('\n')[0]).toBe('ALLOWED  np-lab/client → app/db  TCP 5432');
      expect(lab.stderr).toContain('warning: not allowed to list namespaces');
      // np-ext's own object is forbidden: that one verdict cannot be told, and says which namespace
      const ext = await ask(['np-ext/client', 'app/db', '--port', '5432']);
      expect(ext.code, ext.stderr).toBe(3);
      expect(ext.stdout.split('\n')[0]).toBe('CANNOT TELL  np-ext/client → app/db  TCP 5432');
      expect(ext.stdout).toContain('it depends on whether namespace np-ext is one of the namespaces with team in (lab,ext) (a peer of a policy in app), which you may not see: to see it, you need to get namespaces/np-ext');
      expect(ext.stderr).toContain('warning: labels of namespace np-ext could not be read: get namespaces/np-ext forbidden');
      expect(ext.stderr).not.toContain('namespace np-lab could not be read');
      // NotIn: the known namespace is a definite DENIED, the unknown one still cannot tell
      scoped.setObjects([...cluster, policy('NotIn')]);
      const denied = await ask(['np-lab/client', 'app/db', '--port', '5432']);
      expect(denied.code, denied.stderr).toBe(1);
      expect(denied.stdout).toContain('namespace np-lab does not have team notin (lab,ext)');
      expect((await ask(['np-ext/client', 'app/db', '--port', '5432'])).code).toBe(3);
      const matrix = await cliAs(config, home)(['matrix', '-n', 'app', '-n', 'np-lab', '-n', 'np-ext', '--port', '5432', '-o', 'json']);
      expect(matrix.code, matrix.stderr).toBe(3);
      const cells = JSON.parse(matrix.stdout).verdicts.map((v: { from: string; to: string; allowed: boolean | null }) => `${v.from}>${v.to}:${v.allowed}`);
      expect(cells).toContain('np-lab/client>app/db:false');
      expect(cells).toContain('np-ext/client>app/db:null');
      expect(cells).toContain('app/db>np-ext/client:true');
      expect(matrix.stderr).toMatch(/^cannot tell: some verdicts depend on whether namespace np-ext is one of/m);
      expect(matrix.stderr).not.toMatch(/^cannot tell: .*namespace np-lab is one of/m);
      // report: a page over the namespaces whose labels were read is complete; with np-ext it has ? cells
      const report = (namespaces: string[]) => cliAs(config, home)(['report', ...namespaces.flatMap((n) => ['-n', n]), '--port', '5432']);
      const whole = await report(['app', 'np-lab']);
      expect(whole.code, whole.stderr).toBe(0);
      const partial = await report(['app', 'np-lab', 'np-ext']);
      expect(partial.code, partial.stderr).toBe(3);
      expect(partial.stderr).toContain('namespace np-ext');
    } finally {
      await scoped.close();
    }
  });

  it('exits 3 when the cluster cannot be reached', async () => {
    const closed = await startTestApiServer({ staticTokens: {} });
    const dead = join(home, 'dead');
    closed.writeKubeconfig(dead, { context: 'dead', user: { token: 'x-token-0123456789' } });
    await closed.close();
    const r = await cliAs(dead, home)(['can-reach', 'a', 'b', '--port', '80']);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
