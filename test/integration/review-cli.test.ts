// The policy-review commands (audit, diff, test) and the honest edges of -f, as users run them:
// `node bin/run.js` against manifests, checking exit codes, output shapes and one-line errors.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CART_FROM_PROMETHEUS } from '../support/shop-changes.js';
import { requireFreshBuild, expectOneLineError, runCliOffline } from '../support/cli-process.js';

const ROOT = join(import.meta.dirname, '..', '..');

beforeAll(requireFreshBuild);

const run = (args: string[], opts: { input?: string } = {}) => runCliOffline(args, { ...opts, env: { NO_COLOR: '1' } });

describe('-f honest edges', () => {
  it('refuses an empty stdin instead of answering for a cluster without policies', () => {
    expectOneLineError(run(['can-reach', '-f', '-', 'web', 'db', '--port', '5432'], { input: '' }), /stdin holds no Kubernetes objects/);
  });

  it('refuses a file or directory that holds no Kubernetes objects', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-empty-'));
    writeFileSync(join(dir, 'notes.yaml'), '# only a comment\n---\n');
    expectOneLineError(run(['matrix', '-f', join(dir, 'notes.yaml')]), /notes\.yaml: no Kubernetes objects found/);
    const empty = mkdtempSync(join(tmpdir(), 'np-emptydir-'));
    expectOneLineError(run(['matrix', '-f', empty]), /no Kubernetes objects found \(no \.yaml, \.yml or \.json files\)/);
  });

  it('accepts an empty List (kubectl get -o yaml with nothing found) next to other manifests', () => {
    const r = run(['can-reach', '-f', 'examples/shop', '-f', '-', 'default/deploy/frontend', 'default/deploy/cart', '--port', '8080'], { input: 'apiVersion: v1\nkind: List\nitems: []\n' });
    expect(r.code).toBe(0);
  });

  it('says that --context is not used when -f gives the manifests', () => {
    const r = run(['can-reach', '-f', 'examples/shop', '--context', 'prod', 'default/deploy/frontend', 'default/deploy/cart', '--port', '8080']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: -f is given, so the answer comes from the manifests alone: --context prod is not used');
  });
});

describe('audit', () => {
  it('reports the planted problems as a table and exits 1; --fail-on error still fails on the DNS errors', () => {
    const r = run(['audit', '-f', 'examples/audit']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^SEVERITY\s+RULE\s+NAMESPACE\s+OBJECT\s+MESSAGE$/m);
    expect(r.stdout).toMatch(/^error\s+dns-egress-blocked\s+legacy\s+deployment\/orders\s+egress is isolated/m);
    expect(r.stdout).toContain('4 findings (2 errors, 2 warnings); 8 rules checked; 4 at or above --fail-on warning');
    expect(run(['audit', '-f', 'examples/audit', '--fail-on', 'error']).code).toBe(1);
    expect(run(['audit', '-f', 'examples/audit', '-n', 'clean']).code).toBe(0);
  });

  it('-o json has exactly the documented shape', () => {
    const r = run(['audit', '-f', 'examples/audit', '-o', 'json', '--skip', 'dns-egress-blocked']);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(['findings']);
    expect(json.findings).toHaveLength(2);
    for (const f of json.findings) expect(Object.keys(f)).toEqual(['rule', 'severity', 'namespace', 'object', 'message']);
    expect(json.findings[1]).toMatchObject({ rule: 'selects-nothing', severity: 'warning', namespace: 'legacy', object: 'networkpolicy/allow-worker-to-orders' });
  });

  it('-o sarif and -o junit carry the same findings; warnings pass under --fail-on error', () => {
    const sarif = JSON.parse(run(['audit', '-f', 'examples/audit', '-o', 'sarif']).stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].tool.driver.rules.map((r: { id: string }) => r.id)).toContain('dns-egress-blocked');
    expect(sarif.runs[0].results.map((r: { ruleId: string; level: string }) => `${r.ruleId}:${r.level}`)).toEqual([
      'dns-egress-blocked:error',
      'dns-egress-blocked:error',
      'no-default-deny-ingress:warning',
      'selects-nothing:warning',
    ]);
    const junit = run(['audit', '-f', 'examples/audit', '-o', 'junit', '--fail-on', 'error']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>/);
    expect(junit.stdout).toContain('<testsuite name="kubectl np audit" tests="9" failures="2"');
    expect(junit.stdout).toContain('<testcase classname="audit.allow-all" name="allow-all"/>');
    expect(junit.stdout).toMatch(/<testcase classname="audit.selects-nothing" name="selects-nothing legacy\/networkpolicy\/allow-worker-to-orders">\s*<system-out>warning: /);
  });

  it('-o jsonpath=TEMPLATE reads the -o json document, with the same exit code', () => {
    const json = JSON.parse(run(['audit', '-f', 'examples/audit', '-o', 'json']).stdout);
    const r = run(['audit', '-f', 'examples/audit', '-o', 'jsonpath={range .findings[*]}{.rule} {.namespace}/{.object}{"\\n"}{end}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(json.findings.map((f: { rule: string; namespace: string; object: string }) => `${f.rule} ${f.namespace}/${f.object}\n`).join(''));
    expect(r.stdout).toMatch(/^dns-egress-blocked legacy\/deployment\/orders$/m);
    expectOneLineError(run(['audit', '-f', 'examples/audit', '-o', 'jsonpath={.findings']), /--output: bad -o jsonpath template/);
  });

  it('refuses an unknown rule in --skip with one line naming the rules', () => {
    expectOneLineError(run(['audit', '-f', 'examples/audit', '--skip', 'dns']), /--skip dns: no such rule \(rules: no-default-deny-ingress, /);
  });

  it('judges every kind the engine enforces: a Calico default deny isolates, a Calico typo is found, a Cilium policy under Calico is only not enforced', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-audit-kinds-'));
    const deploy = (ns: string, name: string, labels: string, ports: string) =>
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: ${name}, namespace: ${ns}}\nspec:\n  selector: {matchLabels: ${labels}}\n  template:\n    metadata: {labels: ${labels}}\n    spec: {containers: [{name: c, ports: ${ports}}]}\n---\n`;
    writeFileSync(
      join(dir, 'workloads.yaml'),
      deploy('kube-system', 'coredns', '{k8s-app: kube-dns}', '[{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]') +
        deploy('shop', 'web', '{app: web}', '[{name: http, containerPort: 8080}]') +
        deploy('shop', 'db', '{app: db}', '[{name: pg, containerPort: 5432}]'),
    );
    writeFileSync(
      join(dir, 'calico.yaml'),
      `apiVersion: projectcalico.org/v3
kind: GlobalNetworkPolicy
metadata: {name: default-deny}
spec:
  selector: projectcalico.org/namespace != 'kube-system'
  types: [Ingress, Egress]
  egress:
    - {action: Allow, protocol: UDP, destination: {namespaceSelector: projectcalico.org/name == 'kube-system', selector: k8s-app == 'kube-dns', ports: [53]}}
    - {action: Allow, protocol: TCP, destination: {namespaceSelector: projectcalico.org/name == 'kube-system', selector: k8s-app == 'kube-dns', ports: [53]}}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: db-in, namespace: shop}
spec:
  order: 100
  selector: app == 'db'
  ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'wbe'}, destination: {ports: [postgres]}}]
`,
    );
    writeFileSync(
      join(dir, 'cilium.yaml'),
      'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web-in, namespace: shop}\nspec: {endpointSelector: {matchLabels: {app: wbe}}, ingress: [{}]}\n',
    );
    const found = (args: string[]) => {
      const r = run(['audit', '-f', dir, '-o', 'json', ...args]);
      expect(r.code).toBe(1);
      return JSON.parse(r.stdout).findings.map((f: { rule: string; namespace: string; object: string }) => `${f.rule} ${f.namespace}/${f.object}`);
    };
    expect(found(['--engine', 'calico'])).toEqual([
      'policy-kind-not-enforced shop/ciliumnetworkpolicy/web-in',
      'peer-selects-nothing shop/networkpolicy.projectcalico.org/db-in',
      'undeclared-named-port shop/networkpolicy.projectcalico.org/db-in',
    ]);
    // without --engine every kind given counts: the Cilium policy's selector is judged as well
    expect(found([])).toEqual(['selects-nothing shop/ciliumnetworkpolicy/web-in', 'peer-selects-nothing shop/networkpolicy.projectcalico.org/db-in', 'undeclared-named-port shop/networkpolicy.projectcalico.org/db-in']);
    const table = run(['audit', '-f', dir, '--engine', 'calico']).stdout;
    expect(table).toMatch(/^warning\s+peer-selects-nothing\s+shop\s+networkpolicy\.projectcalico\.org\/db-in\s+ingress rule #0, peer endpoints with app == 'wbe' in namespace shop: it matches no pod or workload in namespace shop/m);
    expect(table).toMatch(/^warning\s+undeclared-named-port\s+shop\s+networkpolicy\.projectcalico\.org\/db-in\s+ingress rule #0 names port "postgres" \(TCP\)/m);
    const sarif = JSON.parse(run(['audit', '-f', dir, '--engine', 'calico', '-o', 'sarif']).stdout);
    expect(sarif.runs[0].results.map((r: { ruleId: string; locations: { logicalLocations: { fullyQualifiedName: string }[] }[] }) => `${r.ruleId} ${r.locations[0].logicalLocations[0].fullyQualifiedName}`)).toEqual([
      'policy-kind-not-enforced shop/ciliumnetworkpolicy/web-in',
      'peer-selects-nothing shop/networkpolicy.projectcalico.org/db-in',
      'undeclared-named-port shop/networkpolicy.projectcalico.org/db-in',
    ]);
  });

  it('its help names every rule and links the rules document', () => {
    const r = run(['audit', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('docs/audit-rules.md');
    expect(r.stdout).toMatch(/metadata-service-reachable\s+error/);
  });
});

describe('test', () => {
  const expectations = (body: string) => {
    const file = join(mkdtempSync(join(tmpdir(), 'np-expect-')), 'connectivity.yaml');
    writeFileSync(file, `apiVersion: kubectl-np/v1\nkind: ConnectivityExpectations\nexpect:\n${body}`);
    return file;
  };

  it('passes on the shop example expectations (the file sits inside the manifests directory)', () => {
    const r = run(['test', '-f', 'examples/shop', 'examples/shop/expectations.yaml']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^PASS {2}only the cart pays: default\/deploy\/frontend → payments\/svc\/payments TCP 443: expected denied, is denied$/m);
    expect(r.stdout).toMatch(/^9 expectations: 9 passed, 0 failed$/m);
  });

  it('fails as declared, naming the expectation and the deciding policy; a missing workload is a failure, not a pass', () => {
    const file = expectations(
      '  - {from: default/deploy/cart, to: payments/svc/payments, port: 443, allowed: false}\n' +
        '  - {from: default/deploy/frontend, to: default/svc/cart, port: 80, allowed: true}\n' +
        '  - {from: default/deploy/nope, to: payments/svc/payments, port: 443, allowed: false}\n',
    );
    const r = run(['test', '-f', 'examples/shop', file]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL  default/deploy/cart → payments/svc/payments TCP 443: expected denied, found allowed');
    expect(r.stdout).toContain(`${file} expect[0]: egress from default/cart is not isolated; ingress to payments/payments allowed by payments/allow-cart rule #0`);
    expect(r.stdout).toContain('FAIL  default/deploy/nope → payments/svc/payments TCP 443: expected denied, found no verdict');
    expect(r.stdout).toMatch(/^3 expectations: 1 passed, 2 failed$/m);

    const junit = run(['test', '-f', 'examples/shop', file, '-o', 'junit']);
    expect(junit.code).toBe(1);
    expect(junit.stdout).toContain('<testsuites name="kubectl np test" tests="3" failures="2">');
    expect(junit.stdout).toContain('<failure message="expected denied, found allowed">expect[0]: egress from default/cart');

    const json = JSON.parse(run(['test', '-f', 'examples/shop', file, '-o', 'json']).stdout);
    expect(json).toMatchObject({ passed: 1, failed: 2 });
    expect(json.results[2]).toMatchObject({ from: 'default/deploy/nope', expected: false, actual: null, passed: false });

    const jsonpath = run(['test', '-f', 'examples/shop', file, '-o', 'jsonpath={.passed}/{.failed}{range .results[?(@.passed==false)]} {.from}{end}']);
    expect(jsonpath.code).toBe(1);
    expect(jsonpath.stdout).toBe('1/2 default/deploy/cart default/deploy/nope');
  });

  it('refuses a malformed file with one line naming the entry', () => {
    expectOneLineError(run(['test', '-f', 'examples/shop', expectations('  - {from: default/deploy/cart, to: payments/svc/payments, port: 443}\n')]), /connectivity\.yaml: expect\[0\]: "allowed" must be true or false/);
    expectOneLineError(run(['test', '-f', 'examples/shop', expectations('  - {from: default/deploy/cart, to: x, allowed: true, prot: UDP}\n')]), /expect\[0\]: unknown field "prot"/);
    expectOneLineError(run(['test', '-f', 'examples/shop', '-'], { input: '' }), /stdin: holds no ConnectivityExpectations document/);
  });
});

describe('diff', () => {
  const change = CART_FROM_PROMETHEUS;

  it('reads the change from a pipe (--with -) and lists the one connection it opens; exit 1', () => {
    const r = run(['diff', '-f', 'examples/shop', '--with', '-'], { input: change });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      'monitoring/sts/prometheus\n' +
        '  → default/deploy/cart  TCP 8080  denied → allowed\n' +
        '      egress from monitoring/prometheus is not isolated; ingress to default/cart allowed by default/cart-from-prometheus rule #0\n\n' +
        '1 connection changes: 1 opened, 0 closed\n',
    );
    const json = JSON.parse(run(['diff', '-f', 'examples/shop', '--with', '-', '-o', 'json'], { input: change }).stdout);
    expect(json.changes).toEqual([expect.objectContaining({ from: 'monitoring/sts/prometheus', to: 'default/deploy/cart', port: 8080, protocol: 'TCP', before: false, after: true })]);
    const jsonpath = run(['diff', '-f', 'examples/shop', '--with', '-', '-o', 'jsonpath={range .changes[*]}{.from} → {.to} {.port}: {.before} → {.after}{"\\n"}{end}'], { input: change });
    expect(jsonpath.code).toBe(1);
    expect(jsonpath.stdout).toBe('monitoring/sts/prometheus → default/deploy/cart 8080: false → true\n');
  });

  it('exit 0 when the change flips nothing (the same policies again)', () => {
    const r = run(['diff', '-f', 'examples/shop', '--with', 'examples/shop/policies/shop.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('no connection changes its verdict\n');
  });

  it('refuses stdin for both the base and the change, and an empty change on stdin', () => {
    expectOneLineError(run(['diff', '-f', '-', '--with', '-'], { input: change }), /stdin can hold the base \(-f -\) or the change \(--with -\), not both/);
    expectOneLineError(run(['diff', '-f', 'examples/shop', '--with', '-'], { input: '' }), /stdin holds no Kubernetes objects/);
    expectOneLineError(run(['diff', '-f', 'examples/shop']), /nothing to compare/);
  });
});

describe('can-reach --to / --from', () => {
  it('lists who can reach a Service on a port; exit 0', () => {
    const r = run(['can-reach', '-f', 'examples/shop', '--to', 'payments/svc/payments', '--port', '443']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Workloads that can reach payments\/svc\/payments:\n {2}default\/deploy\/cart {2}TCP 443\n {6}egress from default\/cart is not isolated; ingress to payments\/payments allowed by payments\/allow-cart rule #0\n/);
    expect(r.stdout).toContain('1 of 4 workloads can reach payments/svc/payments');
  });

  it('refuses both forms at once, with one line', () => {
    expectOneLineError(run(['can-reach', '-f', 'examples/shop', 'default/deploy/cart', '--to', 'payments/svc/payments']), /drop the SOURCE and DESTINATION arguments/);
    expectOneLineError(run(['can-reach', '-f', 'examples/shop']), /pass SOURCE and DESTINATION, or --to ENDPOINT \/ --from ENDPOINT/);
  });
});

describe('can-reach --suggest', () => {
  it('writes only YAML on stdout, and diff --with of it opens exactly that connection', () => {
    const suggested = run(['can-reach', '-f', 'examples/shop', 'default/deploy/frontend', 'payments/svc/payments', '--port', '443', '--suggest']);
    expect(suggested.code).toBe(1);
    expect(suggested.stdout).toMatch(/^apiVersion: networking\.k8s\.io\/v1\nkind: NetworkPolicy\n/);
    expect(suggested.stderr).toMatch(/^DENIED: these policies allow exactly this connection/);
    const diff = run(['diff', '-f', 'examples/shop', '--with', '-', '-o', 'json'], { input: suggested.stdout });
    expect(diff.code).toBe(1);
    expect(JSON.parse(diff.stdout).changes.map((c: { from: string; to: string; port: number }) => `${c.from} → ${c.to} ${c.port}`)).toEqual(['default/deploy/frontend → payments/deploy/payments 8443']);
  });

  it('an allowed connection has nothing to suggest: empty stdout, exit 0', () => {
    const r = run(['can-reach', '-f', 'examples/shop', 'default/deploy/cart', 'payments/svc/payments', '--port', '443', '--suggest']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('ALLOWED: nothing to suggest\n');
  });
});

describe('docs/ci.md', () => {
  it('shows the audit output the command really prints', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'ci.md'), 'utf8');
    const block = doc.split('```console\n$ kubectl-np audit -f examples/shop --fail-on error\n')[1].split('$ echo $?')[0];
    const r = run(['audit', '-f', 'examples/shop', '--fail-on', 'error']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(block);
  });
});

describe('explain namespace/NAME', () => {
  it('summarises the posture instead of reading the name as a pod', () => {
    const r = run(['explain', '-f', 'examples/shop', 'namespace/payments']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Namespace payments: 1 workload \(deployment\/payments\)\n/);
    expect(r.stdout).toContain('deployment/payments: 203.0.113.0/24 TCP 443');
    expectOneLineError(run(['explain', '-f', 'examples/shop', 'ns/nope']), /namespace "nope" not found \(manifests examples\/shop\)/);
  });

  it('counts a Calico policy as isolating under --engine calico, as audit does, and not under --engine cilium', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-posture-kinds-'));
    writeFileSync(
      join(dir, 'a.yaml'),
      `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: a}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: c, ports: [{containerPort: 8080}]}]}
---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: web-in, namespace: a}
spec: {selector: all(), types: [Ingress], ingress: [{action: Allow, protocol: TCP, source: {selector: app == 'web'}}]}
`,
    );
    const posture = run(['explain', '-f', dir, '--engine', 'calico', 'namespace/a']);
    expect(posture.code).toBe(0);
    expect(posture.stdout).toMatch(/^Ingress: isolated for 1 of 1$/m);
    expect(posture.stdout).toContain('Calico NetworkPolicy a/web-in #0 Allow');
    expect(posture.stdout).toMatch(/^Egress: isolated for 0 of 1 — open: deployment\/web$/m);
    const audited = (engine: string) => JSON.parse(run(['audit', '-f', dir, '--engine', engine, '-o', 'json']).stdout).findings.map((f: { rule: string }) => f.rule);
    expect(audited('calico')).toEqual(['no-default-deny-egress']);
    expect(run(['explain', '-f', dir, '--engine', 'cilium', 'namespace/a']).stdout).toMatch(/^Ingress: isolated for 0 of 1 — open: deployment\/web$/m);
    expect(audited('cilium')).toEqual(expect.arrayContaining(['no-default-deny-ingress', 'no-default-deny-egress']));
  });
});
