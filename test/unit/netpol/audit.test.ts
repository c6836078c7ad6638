// audit: each rule on the smallest manifests that plant it, and the planted example (examples/audit),
// where exactly the planted problems must come out and nothing for the clean namespace.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import type { ClusterSnapshot } from '../../../src/model/k8s.js';
import { AUDIT_RULES, SKIP_ANNOTATION, auditSnapshot, failingFindings, type Finding } from '../../../src/netpol/audit.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { chooseEngine } from '../../../src/netpol/engine-choice.js';
import { describePolicy, dnsTarget } from '../../../src/netpol/explain.js';

async function manifests(yaml: string): Promise<ClusterSnapshot> {
  const file = join(mkdtempSync(join(tmpdir(), 'np-audit-')), 'm.yaml');
  writeFileSync(file, yaml);
  return readManifestSnapshot([file]);
}

const brief = (f: Finding) => `${f.rule} ${f.namespace}/${f.object}`;

function deploy(ns: string, name: string, labels: Record<string, string>, ports = '[{name: http, containerPort: 8080}]', annotations = '') {
  return `apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${ns}${annotations ? `, annotations: ${annotations}` : ''}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec: {containers: [{name: c, ports: ${ports}}]}
---
`;
}

function policy(ns: string, name: string, spec: string, annotations = '') {
  return `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: ${name}, namespace: ${ns}${annotations ? `, annotations: ${annotations}` : ''}}
spec: ${spec}
---
`;
}

const DNS = deploy('kube-system', 'coredns', { 'k8s-app': 'kube-dns' }, '[{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]');
const DEFAULT_DENY = (ns: string) => policy(ns, 'default-deny', '{podSelector: {}, policyTypes: [Ingress, Egress]}');
const ALLOW_DNS = (ns: string) =>
  policy(ns, 'allow-dns', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}`);

describe('audit on the planted example', () => {
  it('finds exactly the planted problems in legacy and nothing in clean', async () => {
    const report = auditSnapshot(await readManifestSnapshot(['examples/audit']));
    expect(report.findings.map(brief)).toEqual([
      'dns-egress-blocked legacy/deployment/orders',
      'dns-egress-blocked legacy/deployment/worker',
      'no-default-deny-ingress legacy/namespace/legacy',
      'selects-nothing legacy/networkpolicy/allow-worker-to-orders',
    ]);
    expect(report.findings.every((f) => f.message.length > 0 && !f.message.includes('\n'))).toBe(true);
    // no-enforcing-engine needs a live cluster: manifests say nothing about the network
    expect(report.checked).not.toContain('no-enforcing-engine');
    expect(failingFindings(report, 'error')).toHaveLength(2);
    expect(failingFindings(report, 'warning')).toHaveLength(4);
  });

  it('names the policy and rule that opens the metadata service in the shop example', async () => {
    const report = auditSnapshot(await readManifestSnapshot(['examples/shop']));
    const imds = report.findings.filter((f) => f.rule === 'metadata-service-reachable');
    expect(imds.map(brief)).toEqual(['metadata-service-reachable default/deployment/frontend']);
    expect(imds[0].message).toMatch(/169\.254\.169\.254 .* on TCP 80 through frontend-egress egress rule #2/);
    // payments allows DNS and only the card processor's range: no finding there
    expect(report.findings.filter((f) => f.namespace === 'payments')).toEqual([]);
  });

  it('audits only the namespaces asked for', async () => {
    const report = auditSnapshot(await readManifestSnapshot(['examples/audit']), { namespaces: ['clean'] });
    expect(report.findings).toEqual([]);
  });
});

describe('audit rules one by one', () => {
  it('no-default-deny-*: names the workloads left open, and leaves system namespaces alone', async () => {
    const s = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + deploy('a', 'db', { app: 'db' }) + policy('a', 'db-in', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]}'));
    const found = auditSnapshot(s).findings;
    expect(found.map(brief)).toEqual(['no-default-deny-ingress a/namespace/a', 'no-default-deny-egress a/namespace/a']);
    expect(found[0].message).toMatch(/^1 of 2 workloads are not isolated for ingress \(deployment\/web\)/);
    expect(found[1].message).toMatch(/^2 of 2 workloads/);
  });

  it('dns-egress-blocked: TCP 53 alone blocked is still a finding, naming the protocol', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') +
        policy('a', 'udp-dns', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}, podSelector: {matchLabels: {k8s-app: kube-dns}}}], ports: [{port: 53, protocol: UDP}]}]}`),
    );
    const found = auditSnapshot(s).findings.filter((f) => f.rule === 'dns-egress-blocked');
    expect(found.map(brief)).toEqual(['dns-egress-blocked a/deployment/web']);
    expect(found[0].message).toMatch(/nothing allows TCP 53 to cluster DNS/);
  });

  it('dns-egress-blocked: an egress ipBlock over private space may carry DNS when its IPs are unknown, so no finding', async () => {
    const s = await manifests(deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + policy('a', 'out', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: 53, protocol: UDP}, {port: 53}]}]}`));
    expect(auditSnapshot(s).findings.filter((f) => f.rule === 'dns-egress-blocked')).toEqual([]);
  });

  it('dns-egress-blocked agrees with the explain warning: after DNAT at the DNS pods, named ports by name and protocol', async () => {
    const cluster =
      'apiVersion: v1\nkind: Pod\nmetadata: {name: coredns-1, namespace: kube-system, labels: {k8s-app: kube-dns}}\nspec: {containers: [{name: c, ports: [{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53}]}]}\nstatus: {phase: Running, podIP: 10.244.0.5}\n---\n' +
      'apiVersion: v1\nkind: Service\nmetadata: {name: kube-dns, namespace: kube-system}\nspec: {selector: {k8s-app: kube-dns}, clusterIP: 10.96.0.10, ports: [{name: dns, port: 53, protocol: UDP, targetPort: dns}, {name: dns-tcp, port: 53, protocol: TCP, targetPort: dns-tcp}]}\n---\n' +
      deploy('a', 'web', { app: 'web' });
    const judged = async (rule: string) => {
      const s = await manifests(cluster + policy('a', 'out', `{podSelector: {}, policyTypes: [Egress], egress: [${rule}]}`));
      const engine = new PolicyEngine(s);
      const warned = describePolicy(engine, engine.policies[0], [], dnsTarget(s)).warnings.some((w) => w.includes('without allowing DNS'));
      const finding = auditSnapshot(s).findings.find((f) => f.rule === 'dns-egress-blocked');
      return { warned, blocked: finding?.message.match(/nothing allows (.*?) to cluster DNS/)?.[1] };
    };
    // the ClusterIP is never what policies see
    expect(await judged('{to: [{ipBlock: {cidr: 10.96.0.10/32}}]}')).toEqual({ warned: true, blocked: 'UDP 53 and TCP 53' });
    // a named port without a protocol is TCP: it lets TCP lookups out, never UDP ones
    expect(await judged('{to: [{ipBlock: {cidr: 10.244.0.0/16}}], ports: [{port: dns-tcp}]}')).toEqual({ warned: true, blocked: 'UDP 53' });
    expect(await judged('{to: [{ipBlock: {cidr: 10.244.0.0/16}}], ports: [{port: dns, protocol: UDP}, {port: dns-tcp}]}')).toEqual({ warned: false, blocked: undefined });
    // DNS pods listening on 5353 behind the Service's port 53: the target port is what egress must allow
    const remapped = async (port: number) => {
      const s = await manifests(
        cluster.replace(/containerPort: 53/g, 'containerPort: 5353') + policy('a', 'out', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.244.0.0/16}}], ports: [{port: ${port}, protocol: UDP}, {port: ${port}}]}]}`),
      );
      return auditSnapshot(s).findings.filter((f) => f.rule === 'dns-egress-blocked').length;
    };
    expect(await remapped(5353)).toBe(0);
    expect(await remapped(53)).toBe(1);
    // DNS pods unknown: an ipBlock over private space on a named port CoreDNS does not declare is no path to DNS
    const unknown = await manifests(deploy('a', 'web', { app: 'web' }) + policy('a', 'out', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}], ports: [{port: http}]}]}'));
    expect(auditSnapshot(unknown).findings.filter((f) => f.rule === 'dns-egress-blocked').map(brief)).toEqual(['dns-egress-blocked a/deployment/web']);
  });

  it('metadata-service-reachable: an internet rule without the except, not the one with it', async () => {
    const open = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a') + policy('a', 'internet', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8]}}]}]}`));
    const found = auditSnapshot(open).findings.filter((f) => f.rule === 'metadata-service-reachable');
    expect(found.map(brief)).toEqual(['metadata-service-reachable a/deployment/web']);
    expect(found[0].message).toMatch(/169\.254\.169\.254 .* through internet egress rule #0; 168\.63\.129\.16 /);
    const closed = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a') + policy('a', 'internet', `{podSelector: {}, policyTypes: [Egress], egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32, 168.63.129.16/32]}}]}]}`));
    expect(auditSnapshot(closed).findings).toEqual([]);
  });

  it('allow-all: an empty rule, not one with peers or ports', async () => {
    const s = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a') + policy('a', 'wide', '{podSelector: {}, ingress: [{}, {ports: [{port: 8080}]}]}'));
    const found = auditSnapshot(s).findings;
    expect(found.map(brief)).toEqual(['allow-all a/networkpolicy/wide']);
    expect(found[0].message).toMatch(/^ingress rule #0 allows every source on every port/);
  });

  it('peer-selects-nothing: a pod label typo and a namespace label typo; a namespace named but absent from the manifests is not judged', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + deploy('a', 'db', { app: 'db' }, '[{name: pg, containerPort: 5432}]') + DEFAULT_DENY('a') + ALLOW_DNS('a') +
        policy('a', 'db-in', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: wbe}}}, {namespaceSelector: {matchLabels: {team: shpo}}}, {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}, podSelector: {matchLabels: {app: prometheus}}}]}]}'),
    );
    const found = auditSnapshot(s).findings;
    expect(found.map((f) => `${brief(f)}: ${f.message.split(':')[0]}`)).toEqual([
      'peer-selects-nothing a/networkpolicy/db-in: ingress rule #0, peer #0',
      'peer-selects-nothing a/networkpolicy/db-in: ingress rule #0, peer #1',
    ]);
    expect(found[0].message).toMatch(/podSelector app=wbe matches no pod or workload in namespace a/);
    expect(found[1].message).toMatch(/namespaceSelector team=shpo matches no namespace in these manifests/);
  });

  it('peer-selects-nothing live: a namespace named but absent from the listed namespaces is judged, also when the DaemonSets (the engine) could not be read', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a') +
        policy('a', 'web-in', '{podSelector: {matchLabels: {app: web}}, ingress: [{from: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: monitoring}}}]}]}'),
    );
    // the live reader leaves policyEngines unset when it may not list the DaemonSets: that says nothing about where the snapshot came from
    const live: ClusterSnapshot = { ...s, origin: 'live', unreadable: [{ resource: 'daemonsets', namespace: 'kube-system' }] };
    const found = auditSnapshot(live, { engine: chooseEngine(live, undefined) }).findings.filter((f) => f.rule === 'peer-selects-nothing');
    expect(found.map((f) => f.message)).toEqual(['ingress rule #0, peer #0: namespaceSelector kubernetes.io/metadata.name=monitoring matches no namespace, so the peer allows nothing: check the namespace labels for a typo']);
  });

  it('peer-selects-nothing makes no claim about a namespaceSelector when the namespace list could not be read', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + deploy('a', 'db', { app: 'db' }, '[{name: pg, containerPort: 5432}]') + DEFAULT_DENY('a') + ALLOW_DNS('a') +
        policy('a', 'db-in', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: wbe}}}, {namespaceSelector: {matchLabels: {team: shop}}}, {namespaceSelector: {matchLabels: {team: shop}}, podSelector: {matchLabels: {app: prometheus}}}]}]}'),
    );
    // as a user without list namespaces reads it: namespace a known by name only; team=shop may be another namespace's
    const found = auditSnapshot({ ...s, unreadable: [{ resource: 'namespaces', readByName: [] }] }).findings;
    expect(found.map((f) => `${brief(f)}: ${f.message.split(':')[0]}`)).toEqual(['peer-selects-nothing a/networkpolicy/db-in: ingress rule #0, peer #0']);
  });

  it('dns-egress-blocked through a namespaceSelector over kube-system\'s labels: a finding when they were read, undecided (and noted) when they were not', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') +
        policy('a', 'dns-by-team', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchExpressions: [{key: team, operator: In, values: [platform]}]}}], ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]}'),
    );
    // kube-system has no team label: DNS is blocked, and audit says so
    const read = auditSnapshot(s);
    expect(read.findings.map(brief)).toContain('dns-egress-blocked a/deployment/web');
    expect(read.dnsUndecided).toEqual([]);
    // as a user who read a's labels but not kube-system's: team=platform may be kube-system's, so no claim either way
    const unread = auditSnapshot({ ...s, unreadable: [{ resource: 'namespaces', readByName: ['a'] }] });
    expect(unread.findings.map(brief)).not.toContain('dns-egress-blocked a/deployment/web');
    expect(unread.dnsUndecided).toEqual(['a/deployment/web']);
    expect(unread.notes).toContain("dns-egress-blocked could not be decided for a/deployment/web: whether DNS is allowed hangs on what could not be read (namespace labels, or the DNS pods' addresses)");
  });

  it('without the namespace list, a note says which namespace labels were not seen and that namespaceSelector peers went unchecked', async () => {
    const s = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + deploy('b', 'api', { app: 'api' }) + DEFAULT_DENY('a') + ALLOW_DNS('a'));
    // a's labels were read one by one (view bound there); b's were not
    const notes = auditSnapshot({ ...s, unreadable: [{ resource: 'namespaces', readByName: ['a', 'kube-system'] }] }).notes;
    expect(notes).toContain(
      'namespaces could not be listed, and the labels of namespace b could not be read (get namespaces/NAME): peer-selects-nothing did not check namespaceSelector peers, and no finding was drawn from namespace labels not seen; list namespaces would let audit see them',
    );
    expect(auditSnapshot(s).notes.join('\n')).not.toContain('namespaces could not be listed');
  });

  it('undeclared-named-port: on the selected pods for ingress, on the peers for egress', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + deploy('a', 'db', { app: 'db' }, '[{name: pg, containerPort: 5432}]') + DEFAULT_DENY('a') + ALLOW_DNS('a') +
        policy('a', 'db-in', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: web}}}], ports: [{port: postgres}]}]}') +
        policy('a', 'web-out', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: db}}}], ports: [{port: pg}, {port: pg, protocol: UDP}]}]}'),
    );
    const found = auditSnapshot(s).findings;
    expect(found.map(brief)).toEqual(['undeclared-named-port a/networkpolicy/db-in', 'undeclared-named-port a/networkpolicy/web-out']);
    expect(found[0].message).toMatch(/ingress rule #0 names port "postgres" \(TCP\), which none of the 1 pods it selects declares/);
    expect(found[1].message).toMatch(/egress rule #0 names port "pg" \(UDP\)/);
  });

  it('no-enforcing-engine: a live snapshot with policies and no engine', async () => {
    const s = await manifests(DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a'));
    const live = (policyEngines: string[]) => ({ ...s, origin: 'live' as const, policyEngines });
    expect(auditSnapshot(live([]), { engine: chooseEngine(live([]), undefined) }).findings.map(brief)).toEqual(['no-enforcing-engine /cluster']);
    expect(auditSnapshot(live(['calico-node']), { engine: chooseEngine(live(['calico-node']), undefined) }).findings).toEqual([]);
  });

  it('policy-kind-not-enforced: a kind the detected engine ignores, only when the engine is known', async () => {
    const s = await manifests(
      DNS + deploy('a', 'web', { app: 'web' }) + DEFAULT_DENY('a') + ALLOW_DNS('a') +
        'apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web-in, namespace: a}\nspec: {endpointSelector: {matchLabels: {app: web}}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]}\n',
    );
    expect(auditSnapshot(s).checked).not.toContain('policy-kind-not-enforced');
    const found = auditSnapshot(s, { engine: { notEnforced: (family) => (family.startsWith('Cilium') ? 'the cluster runs Azure NPM, which implements NetworkPolicy only' : undefined) } }).findings;
    expect(found.map(brief)).toEqual(['policy-kind-not-enforced a/ciliumnetworkpolicy/web-in']);
    expect(found[0].message).toMatch(/is not enforced: the cluster runs Azure NPM, which implements NetworkPolicy only; its rules have no effect/);
  });

  it('--skip drops a rule; the annotation silences it on a policy, a workload or a whole namespace', async () => {
    const base = DNS + DEFAULT_DENY('a') + ALLOW_DNS('a');
    const wide = (ann = '') => policy('a', 'wide', '{podSelector: {}, ingress: [{}]}', ann);
    const s = await manifests(base + deploy('a', 'web', { app: 'web' }) + wide());
    expect(auditSnapshot(s).findings).toHaveLength(1);
    const skipped = auditSnapshot(s, { skip: ['allow-all'] });
    expect(skipped.findings).toEqual([]);
    expect(skipped.checked).not.toContain('allow-all');

    const onPolicy = await manifests(base + deploy('a', 'web', { app: 'web' }) + wide(`{${SKIP_ANNOTATION}: "selects-nothing, allow-all"}`));
    expect(auditSnapshot(onPolicy)).toMatchObject({ findings: [], silenced: 1 });

    const onNamespace = await manifests(`apiVersion: v1\nkind: Namespace\nmetadata: {name: a, annotations: {${SKIP_ANNOTATION}: "*"}}\n---\n` + base + deploy('a', 'web', { app: 'web' }) + wide());
    expect(auditSnapshot(onNamespace)).toMatchObject({ findings: [], silenced: 1 });

    const open = DNS + deploy('b', 'web', { app: 'web' }, undefined, `{${SKIP_ANNOTATION}: no-default-deny-egress}`);
    const onWorkload = auditSnapshot(await manifests(open)).findings.map(brief);
    expect(onWorkload).toEqual(['no-default-deny-ingress b/namespace/b']);
  });

  it('every rule is documented in docs/audit-rules.md with an example and a fix', async () => {
    const { readFileSync } = await import('node:fs');
    const doc = readFileSync('docs/audit-rules.md', 'utf8');
    for (const rule of AUDIT_RULES) {
      const section = doc.split(/^## /m).find((s) => s.startsWith(`\`${rule.id}\``));
      expect(section, rule.id).toBeDefined();
      expect(section).toMatch(/```(yaml|console)\n/);
      expect(section).toMatch(/\*\*Fix/);
    }
  });
});

// every kind the chosen engine enforces counts: isolation, selectors and named ports of AdminNetworkPolicy,
// BaselineAdminNetworkPolicy, ClusterNetworkPolicy, Cilium and Calico policies
function object(apiVersion: string, kind: string, name: string, spec: string, ns?: string) {
  return `apiVersion: ${apiVersion}
kind: ${kind}
metadata: {name: ${name}${ns ? `, namespace: ${ns}` : ''}}
spec: ${spec}
---
`;
}
const ANP_V1 = 'policy.networking.k8s.io/v1alpha1';
const CNP_V2 = 'policy.networking.k8s.io/v1alpha2';
const CILIUM = 'cilium.io/v2';
const CALICO = 'projectcalico.org/v3';
const engineNamed = (name: string) => chooseEngine({ origin: 'manifests' }, name);
const isolation = (findings: Finding[]) => findings.filter((f) => f.rule.startsWith('no-default-deny')).map(brief);
// two workloads in namespace a, DNS in kube-system
const TWO = DNS + deploy('a', 'web', { app: 'web' }) + deploy('a', 'db', { app: 'db' }, '[{name: pg, containerPort: 5432}]');

describe('isolation under every enforced kind', () => {
  it('a BaselineAdminNetworkPolicy deny-all isolates; one denying a single namespace does not', async () => {
    const denyAll = await manifests(TWO + object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}'));
    expect(isolation(auditSnapshot(denyAll).findings)).toEqual(['no-default-deny-egress a/namespace/a']);
    const denyOps = await manifests(TWO + object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {matchLabels: {team: ops}}}]}]}'));
    expect(isolation(auditSnapshot(denyOps).findings)).toEqual(['no-default-deny-ingress a/namespace/a', 'no-default-deny-egress a/namespace/a']);
  });

  it('a ClusterNetworkPolicy (v1alpha2) baseline deny-all isolates egress; an AdminNetworkPolicy Deny of one port does not', async () => {
    const cnp = await manifests(TWO + object(CNP_V2, 'ClusterNetworkPolicy', 'egress-baseline', '{tier: Baseline, priority: 10, subject: {namespaces: {}}, egress: [{action: Deny, to: [{namespaces: {}}, {networks: [0.0.0.0/0]}]}]}'));
    expect(isolation(auditSnapshot(cnp).findings)).toEqual(['no-default-deny-ingress a/namespace/a']);
    const anp = await manifests(TWO + object(ANP_V1, 'AdminNetworkPolicy', 'no-telnet', '{priority: 5, subject: {namespaces: {}}, ingress: [{action: Deny, from: [{namespaces: {}}], ports: [{portNumber: {port: 23, protocol: TCP}}]}]}'));
    expect(isolation(auditSnapshot(anp).findings)).toEqual(['no-default-deny-ingress a/namespace/a', 'no-default-deny-egress a/namespace/a']);
  });

  it('a Cilium policy selecting every pod with an ingress section isolates; enableDefaultDeny: false does not', async () => {
    const cilium = (spec: string) => manifests(TWO + object(CILIUM, 'CiliumNetworkPolicy', 'lockdown', spec, 'a'));
    expect(isolation(auditSnapshot(await cilium('{endpointSelector: {}, ingress: [{}]}')).findings)).toEqual(['no-default-deny-egress a/namespace/a']);
    expect(isolation(auditSnapshot(await cilium('{endpointSelector: {}, enableDefaultDeny: {ingress: false}, ingress: [{fromEndpoints: [{matchLabels: {app: web}}]}]}')).findings)).toEqual([
      'no-default-deny-ingress a/namespace/a',
      'no-default-deny-egress a/namespace/a',
    ]);
    // cluster-wide: a CiliumClusterwideNetworkPolicy selecting every pod, egress only
    const ccnp = await manifests(TWO + object(CILIUM, 'CiliumClusterwideNetworkPolicy', 'egress-lockdown', '{endpointSelector: {}, egress: [{toEndpoints: [{matchLabels: {k8s-app: kube-dns}}]}]}'));
    expect(isolation(auditSnapshot(ccnp).findings)).toEqual(['no-default-deny-ingress a/namespace/a']);
  });

  it('Calico: a GlobalNetworkPolicy with a final Deny, or a policy selecting the pods (the end-of-tier deny), isolates; one selecting some pods leaves the rest open', async () => {
    const gnp = await manifests(TWO + object(CALICO, 'GlobalNetworkPolicy', 'deny-egress', "{order: 2000, selector: all(), types: [Egress], egress: [{action: Allow, protocol: UDP, destination: {ports: [53]}}, {action: Deny}]}"));
    expect(isolation(auditSnapshot(gnp).findings)).toEqual(['no-default-deny-ingress a/namespace/a']);
    const all = await manifests(TWO + object(CALICO, 'NetworkPolicy', 'ingress', "{selector: all(), types: [Ingress], ingress: [{action: Allow, source: {selector: app == 'web'}}]}", 'a'));
    expect(isolation(auditSnapshot(all).findings)).toEqual(['no-default-deny-egress a/namespace/a']);
    const some = await manifests(TWO + object(CALICO, 'NetworkPolicy', 'db-in', "{selector: app == 'db', types: [Ingress], ingress: [{action: Allow, source: {selector: app == 'web'}}]}", 'a'));
    const found = auditSnapshot(some).findings.filter((f) => f.rule === 'no-default-deny-ingress');
    expect(found[0].message).toMatch(/^1 of 2 workloads are not isolated for ingress \(deployment\/web\)/);
  });

  it('only kinds the chosen engine enforces count: a Cilium deny-all under --engine calico isolates nothing', async () => {
    const s = await manifests(TWO + object(CILIUM, 'CiliumNetworkPolicy', 'lockdown', '{endpointSelector: {}, ingress: [{}], egress: [{}]}', 'a'));
    expect(isolation(auditSnapshot(s, { engine: engineNamed('cilium') }).findings)).toEqual([]);
    const calico = auditSnapshot(s, { engine: engineNamed('calico') }).findings;
    expect(isolation(calico)).toEqual(['no-default-deny-ingress a/namespace/a', 'no-default-deny-egress a/namespace/a']);
    expect(calico.map(brief)).toContain('policy-kind-not-enforced a/ciliumnetworkpolicy/lockdown');
  });
});

describe('selector and named-port rules under every enforced kind', () => {
  const only = async (rule: string, yaml: string, engine?: string) =>
    auditSnapshot(await manifests(TWO + yaml), engine ? { engine: engineNamed(engine) } : {}).findings.filter((f) => f.rule === rule);
  const cases: { kind: string; object: string; typo: string; right: string }[] = [
    {
      kind: 'AdminNetworkPolicy',
      object: '/adminnetworkpolicy/x',
      typo: object(ANP_V1, 'AdminNetworkPolicy', 'x', '{priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: wbe}}}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}'),
      right: object(ANP_V1, 'AdminNetworkPolicy', 'x', '{priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}, ingress: [{action: Allow, from: [{namespaces: {}}]}]}'),
    },
    {
      kind: 'BaselineAdminNetworkPolicy',
      object: '/baselineadminnetworkpolicy/default',
      typo: object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {matchLabels: {team: shpo}}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}'),
      right: object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}, ingress: [{action: Deny, from: [{namespaces: {}}]}]}'),
    },
    {
      kind: 'ClusterNetworkPolicy',
      object: '/clusternetworkpolicy/x',
      typo: object(CNP_V2, 'ClusterNetworkPolicy', 'x', '{tier: Admin, priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: wbe}}}}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}'),
      right: object(CNP_V2, 'ClusterNetworkPolicy', 'x', '{tier: Admin, priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}, ingress: [{action: Accept, from: [{namespaces: {}}]}]}'),
    },
    {
      kind: 'CiliumNetworkPolicy',
      object: 'a/ciliumnetworkpolicy/x',
      typo: object(CILIUM, 'CiliumNetworkPolicy', 'x', '{endpointSelector: {matchLabels: {app: wbe}}, ingress: [{}]}', 'a'),
      right: object(CILIUM, 'CiliumNetworkPolicy', 'x', '{endpointSelector: {matchLabels: {app: web}}, ingress: [{}]}', 'a'),
    },
    {
      kind: 'CiliumClusterwideNetworkPolicy',
      object: '/ciliumclusterwidenetworkpolicy/x',
      typo: object(CILIUM, 'CiliumClusterwideNetworkPolicy', 'x', '{endpointSelector: {matchLabels: {app: wbe}}, ingress: [{}]}'),
      right: object(CILIUM, 'CiliumClusterwideNetworkPolicy', 'x', '{endpointSelector: {matchLabels: {app: web}}, ingress: [{}]}'),
    },
    {
      kind: 'Calico NetworkPolicy',
      object: 'a/networkpolicy.projectcalico.org/x',
      typo: object(CALICO, 'NetworkPolicy', 'x', "{selector: app == 'wbe', ingress: [{action: Allow}]}", 'a'),
      right: object(CALICO, 'NetworkPolicy', 'x', "{selector: app == 'web', ingress: [{action: Allow}]}", 'a'),
    },
    {
      kind: 'Calico GlobalNetworkPolicy',
      object: '/globalnetworkpolicy/x',
      typo: object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: app == 'web', namespaceSelector: team == 'shpo', ingress: [{action: Allow}]}"),
      right: object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: app == 'web', namespaceSelector: projectcalico.org/name == 'a', ingress: [{action: Allow}]}"),
    },
  ];

  for (const c of cases) {
    it(`selects-nothing: a ${c.kind} whose subject matches no pod, and not one that matches`, async () => {
      const found = await only('selects-nothing', c.typo);
      expect(found.map(brief)).toEqual([`selects-nothing ${c.object}`]);
      expect(found[0].message).toMatch(/matches no pod or workload (in namespace a|in these manifests), so the policy applies to nothing/);
      expect(await only('selects-nothing', c.right)).toEqual([]);
    });
  }

  it('selects-nothing names the subject as written', async () => {
    expect((await only('selects-nothing', cases[0].typo))[0].message).toMatch(/^subject pods app=wbe in namespaces \{\} matches no pod or workload in these manifests/);
    expect((await only('selects-nothing', cases[3].typo))[0].message).toMatch(/^endpointSelector app=wbe matches no pod or workload in namespace a/);
    expect((await only('selects-nothing', cases[6].typo))[0].message).toMatch(/^selector app == 'web' with namespaceSelector team == 'shpo' matches/);
  });

  const peers: { kind: string; object: string; typo: string; right: string; says: RegExp }[] = [
    {
      kind: 'AdminNetworkPolicy (pod label)',
      object: '/adminnetworkpolicy/x',
      typo: object(ANP_V1, 'AdminNetworkPolicy', 'x', '{priority: 1, subject: {namespaces: {}}, ingress: [{name: from-web, action: Allow, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: wbe}}}}]}]}'),
      right: object(ANP_V1, 'AdminNetworkPolicy', 'x', '{priority: 1, subject: {namespaces: {}}, ingress: [{name: from-web, action: Allow, from: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: web}}}}]}]}'),
      says: /^ingress rule #0 \(from-web\), peer pods with app=wbe in any namespace: it matches no pod or workload in namespaces /,
    },
    {
      kind: 'BaselineAdminNetworkPolicy (namespace label)',
      object: '/baselineadminnetworkpolicy/default',
      typo: object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {}}, egress: [{action: Deny, to: [{namespaces: {matchLabels: {team: shpo}}}]}]}'),
      right: object(ANP_V1, 'BaselineAdminNetworkPolicy', 'default', '{subject: {namespaces: {}}, egress: [{action: Deny, to: [{namespaces: {matchLabels: {kubernetes.io/metadata.name: a}}}]}]}'),
      says: /^egress rule #0, peer every pod in namespaces with team=shpo: its namespace selector matches no namespace in these manifests/,
    },
    {
      kind: 'CiliumNetworkPolicy (deny rule)',
      object: 'a/ciliumnetworkpolicy/x',
      typo: object(CILIUM, 'CiliumNetworkPolicy', 'x', '{endpointSelector: {}, ingressDeny: [{fromEndpoints: [{matchLabels: {app: wbe}}]}]}', 'a'),
      right: object(CILIUM, 'CiliumNetworkPolicy', 'x', '{endpointSelector: {}, ingressDeny: [{fromEndpoints: [{matchLabels: {app: web}}]}]}', 'a'),
      says: /^ingressDeny rule #0, peer pods with app=wbe in namespace a: it matches no pod or workload in namespace a/,
    },
    {
      kind: 'Calico NetworkPolicy',
      object: 'a/networkpolicy.projectcalico.org/x',
      typo: object(CALICO, 'NetworkPolicy', 'x', "{selector: all(), ingress: [{action: Allow, source: {selector: app == 'wbe'}}]}", 'a'),
      right: object(CALICO, 'NetworkPolicy', 'x', "{selector: all(), ingress: [{action: Allow, source: {selector: app == 'web'}}]}", 'a'),
      says: /^ingress rule #0, peer endpoints with app == 'wbe' in namespace a: it matches no pod or workload in namespace a/,
    },
    {
      kind: 'Calico GlobalNetworkPolicy (namespace selector)',
      object: '/globalnetworkpolicy/x',
      typo: object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: all(), egress: [{action: Allow, destination: {namespaceSelector: team == 'shpo'}}]}"),
      right: object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: all(), egress: [{action: Allow, destination: {namespaceSelector: all()}}]}"),
      says: /^egress rule #0, peer in namespaces with team == 'shpo': its namespace selector matches no namespace in these manifests/,
    },
  ];

  for (const c of peers) {
    it(`peer-selects-nothing: a ${c.kind} peer that matches nothing, and the corrected one`, async () => {
      const found = await only('peer-selects-nothing', c.typo);
      expect(found.map(brief)).toEqual([`peer-selects-nothing ${c.object}`]);
      expect(found[0].message).toMatch(c.says);
      expect(found[0].message).toMatch(/so the rule matches nothing through it: check the labels for a typo$/);
      expect(await only('peer-selects-nothing', c.right)).toEqual([]);
    });
  }

  it('peer-selects-nothing: a namespace named by name and absent from the manifests is not judged', async () => {
    const byName = object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: all(), egress: [{action: Allow, destination: {namespaceSelector: projectcalico.org/name == 'monitoring', selector: app == 'prometheus'}}]}");
    expect(await only('peer-selects-nothing', byName)).toEqual([]);
  });

  const ports: { kind: string; object: string; yaml: (name: string) => string; says: RegExp }[] = [
    {
      kind: 'AdminNetworkPolicy (ingress, on the selected pods)',
      object: '/adminnetworkpolicy/x',
      yaml: (name) => object(ANP_V1, 'AdminNetworkPolicy', 'x', `{priority: 1, subject: {pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}, ingress: [{action: Allow, from: [{namespaces: {}}], ports: [{namedPort: ${name}}]}]}`),
      says: /^ingress rule #0 names port "postgres" \(any protocol\), which none of the 1 pods it selects declares/,
    },
    {
      kind: 'ClusterNetworkPolicy (egress, on the peers)',
      object: '/clusternetworkpolicy/x',
      yaml: (name) => object(CNP_V2, 'ClusterNetworkPolicy', 'x', `{tier: Baseline, priority: 1, subject: {namespaces: {}}, egress: [{action: Accept, to: [{pods: {namespaceSelector: {}, podSelector: {matchLabels: {app: db}}}}], protocols: [{destinationNamedPort: ${name}}]}]}`),
      says: /^egress rule #0 names port "postgres" \(any protocol\), which none of the 1 pods it can reach declares/,
    },
    {
      kind: 'CiliumNetworkPolicy',
      object: 'a/ciliumnetworkpolicy/x',
      yaml: (name) => object(CILIUM, 'CiliumNetworkPolicy', 'x', `{endpointSelector: {matchLabels: {app: db}}, ingress: [{fromEndpoints: [{}], toPorts: [{ports: [{port: ${name}, protocol: TCP}]}]}]}`, 'a'),
      says: /^ingress rule #0 names port "postgres" \(TCP\)/,
    },
    {
      kind: 'Calico GlobalNetworkPolicy',
      object: '/globalnetworkpolicy/x',
      yaml: (name) => object(CALICO, 'GlobalNetworkPolicy', 'x', `{selector: app == 'web', types: [Egress], egress: [{action: Allow, protocol: TCP, destination: {selector: app == 'db', ports: [${name}]}}]}`),
      says: /^egress rule #0 names port "postgres" \(TCP\), which none of the 1 pods it can reach declares/,
    },
  ];

  for (const c of ports) {
    it(`undeclared-named-port: a ${c.kind} naming a port no destination declares, and the declared name`, async () => {
      const found = await only('undeclared-named-port', c.yaml('postgres'));
      expect(found.map(brief)).toEqual([`undeclared-named-port ${c.object}`]);
      expect(found[0].message).toMatch(c.says);
      expect(await only('undeclared-named-port', c.yaml('pg'))).toEqual([]);
    });
  }

  it('only kinds the chosen engine enforces are judged: a Calico typo under --engine cilium is policy-kind-not-enforced alone', async () => {
    const calico = cases[5].typo + peers[3].typo.replace(/name: x/, 'name: y') + ports[3].yaml('postgres');
    expect((await only('selects-nothing', calico, 'calico')).map(brief)).toEqual(['selects-nothing a/networkpolicy.projectcalico.org/x']);
    const underCilium = auditSnapshot(await manifests(TWO + calico), { engine: engineNamed('cilium') }).findings;
    expect(underCilium.filter((f) => ['selects-nothing', 'peer-selects-nothing', 'undeclared-named-port'].includes(f.rule))).toEqual([]);
    expect(underCilium.filter((f) => f.rule === 'policy-kind-not-enforced').map(brief)).toEqual([
      'policy-kind-not-enforced /globalnetworkpolicy/x',
      'policy-kind-not-enforced a/networkpolicy.projectcalico.org/x',
      'policy-kind-not-enforced a/networkpolicy.projectcalico.org/y',
    ]);
  });

  it('allow-all: a Calico Allow with no match and a Cilium rule from entity all, not one limited by a peer, port or protocol', async () => {
    const allowAll = (yaml: string, engine?: string) => only('allow-all', yaml, engine).then((f) => f.map((x) => `${brief(x)}: ${x.message.split(' allows')[0]}`));
    const calico = object(CALICO, 'NetworkPolicy', 'wide', "{selector: all(), ingress: [{action: Deny, source: {nets: [10.9.0.0/16]}}, {action: Allow}], egress: [{action: Allow, protocol: TCP}, {action: Allow, destination: {selector: app == 'db'}}, {action: Allow, destination: {nets: [0.0.0.0/0]}}]}", 'a');
    expect(await allowAll(calico)).toEqual(['allow-all a/networkpolicy.projectcalico.org/wide: ingress rule #1']);
    const gnp = object(CALICO, 'GlobalNetworkPolicy', 'wide', '{selector: all(), egress: [{action: Allow, source: {}, destination: {}}, {action: Pass}]}');
    expect(await allowAll(gnp)).toEqual(['allow-all /globalnetworkpolicy/wide: egress rule #0']);
    const cilium = object(CILIUM, 'CiliumNetworkPolicy', 'wide', '{endpointSelector: {}, ingress: [{fromEntities: [all]}, {fromEntities: [cluster]}, {fromEntities: [all], toPorts: [{ports: [{port: "80"}]}]}], egress: [{toEntities: [world, cluster]}], ingressDeny: [{fromEntities: [all]}]}', 'a');
    expect(await allowAll(cilium)).toEqual(['allow-all a/ciliumnetworkpolicy/wide: egress rule #0', 'allow-all a/ciliumnetworkpolicy/wide: ingress rule #0']);
    // a kind the engine does not enforce allows nothing
    expect(await allowAll(cilium, 'calico')).toEqual([]);
    // AdminNetworkPolicy and ClusterNetworkPolicy: egress to 0.0.0.0/0 and ::/0 (networks match pod IPs too) on every port;
    // ingress peers never name addresses outside the cluster, and one family or one port is not everything
    const anp = object(ANP_V1, 'AdminNetworkPolicy', 'x', "{priority: 5, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{namespaces: {}}]}], egress: [{action: Allow, to: [{networks: [0.0.0.0/0]}, {networks: ['::/0']}]}, {action: Allow, to: [{networks: [0.0.0.0/0]}]}, {action: Allow, to: [{networks: [0.0.0.0/0, '::/0']}], ports: [{portNumber: {port: 443, protocol: TCP}}]}, {action: Deny, to: [{networks: [0.0.0.0/0, '::/0']}]}]}");
    expect(await allowAll(anp)).toEqual(['allow-all /adminnetworkpolicy/x: egress rule #0']);
    const cnp = object(CNP_V2, 'ClusterNetworkPolicy', 'y', "{tier: Baseline, priority: 10, subject: {namespaces: {}}, egress: [{action: Accept, to: [{networks: [0.0.0.0/0, '::/0']}]}]}");
    expect(await allowAll(cnp)).toEqual(['allow-all /clusternetworkpolicy/y: egress rule #0']);
    expect((await only('allow-all', cnp))[0].message).toMatch(/^egress rule #0 allows every destination on every port from the pods it selects: /);
  });

  it('a Cilium policy of several rule sets (specs): each is judged and named by its place', async () => {
    const multi = `apiVersion: ${CILIUM}
kind: CiliumNetworkPolicy
metadata: {name: x, namespace: a}
specs: [{endpointSelector: {matchLabels: {app: web}}, ingress: [{fromEndpoints: [{matchLabels: {app: wbe}}]}]}, {endpointSelector: {matchLabels: {app: wbe}}, ingress: [{}]}]
---
`;
    const judged = async (yaml: string) =>
      auditSnapshot(await manifests(TWO + yaml)).findings.filter((f) => f.rule === 'selects-nothing' || f.rule === 'peer-selects-nothing').map((f) => `${brief(f)}: ${f.message.split(' matches')[0]}`);
    expect(await judged(multi)).toEqual([
      'selects-nothing a/ciliumnetworkpolicy/x: specs[1]: endpointSelector app=wbe',
      'peer-selects-nothing a/ciliumnetworkpolicy/x: specs[0] ingress rule #0, peer pods with app=wbe in namespace a: it',
    ]);
    // the rule set in spec beside specs is judged as well, and named spec
    const both = multi.replace('specs: [', 'spec: {endpointSelector: {matchLabels: {app: wbe}}, egress: [{}]}\nspecs: [');
    expect(await judged(both)).toEqual(['selects-nothing a/ciliumnetworkpolicy/x: spec: endpointSelector app=wbe', ...(await judged(multi))]);
    // a lone specs entry is no named rule set, and its subject is quoted from where it is written
    const lone = multi.replace(/specs: \[.*\]/, 'specs: [{endpointSelector: {matchLabels: {app: wbe}}, ingress: [{}]}]');
    expect(await judged(lone)).toEqual(['selects-nothing a/ciliumnetworkpolicy/x: endpointSelector app=wbe']);
  });

  it('the annotation silences a finding on a policy of another kind', async () => {
    const annotated = cases[3].typo.replace('namespace: a}', `namespace: a, annotations: {${SKIP_ANNOTATION}: selects-nothing}}`);
    expect(auditSnapshot(await manifests(TWO + annotated))).toMatchObject({ silenced: 1 });
    expect(await only('selects-nothing', annotated)).toEqual([]);
  });

  it('a Calico NetworkPolicy and a NetworkPolicy of the same name are two objects: named apart, each silenced by its own annotation', async () => {
    const calicoTypo = object(CALICO, 'NetworkPolicy', 'x', "{selector: app == 'wbe', ingress: [{action: Allow}]}", 'a');
    const k8sTypo = policy('a', 'x', '{podSelector: {matchLabels: {app: wbe}}, policyTypes: [Ingress]}');
    expect((await only('selects-nothing', calicoTypo + k8sTypo)).map(brief)).toEqual(['selects-nothing a/networkpolicy.projectcalico.org/x', 'selects-nothing a/networkpolicy/x']);
    // the stored form (crd.projectcalico.org/v1) is named by its own group, as kubectl names it
    expect((await only('selects-nothing', calicoTypo.replace(CALICO, 'crd.projectcalico.org/v1'))).map(brief)).toEqual(['selects-nothing a/networkpolicy.crd.projectcalico.org/x']);
    const silence = (yaml: string) => yaml.replace('namespace: a}', `namespace: a, annotations: {${SKIP_ANNOTATION}: selects-nothing}}`);
    expect((await only('selects-nothing', silence(calicoTypo) + k8sTypo)).map(brief)).toEqual(['selects-nothing a/networkpolicy/x']);
    expect((await only('selects-nothing', calicoTypo + silence(k8sTypo))).map(brief)).toEqual(['selects-nothing a/networkpolicy.projectcalico.org/x']);
    // kinds no built-in kind shares a name with keep their short names
    expect((await only('selects-nothing', object(CALICO, 'GlobalNetworkPolicy', 'g', "{selector: app == 'wbe', ingress: [{action: Allow}]}"))).map(brief)).toEqual(['selects-nothing /globalnetworkpolicy/g']);
  });
});

describe('the other kinds\' selector rules claim nothing the snapshot cannot show', () => {
  const typoGnp = object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: app == 'wbe', ingress: [{action: Allow, source: {namespaceSelector: team == 'shpo'}}]}");
  const rules = (findings: Finding[]) => findings.filter((f) => f.rule === 'selects-nothing' || f.rule === 'peer-selects-nothing').map(brief);

  it('live: a cluster-scoped policy is judged against every pod, and not at all when some namespace\'s pods could not be listed', async () => {
    const s = { ...(await manifests(TWO + typoGnp)), origin: 'live' as const };
    const found = auditSnapshot(s).findings.filter((f) => f.rule === 'selects-nothing');
    expect(found.map(brief)).toEqual(['selects-nothing /globalnetworkpolicy/x']);
    expect(found[0].message).toMatch(/matches no pod or workload in the cluster/);
    expect(rules(auditSnapshot({ ...s, unreadable: [{ resource: 'pods', namespace: 'b' }] }).findings)).not.toContain('selects-nothing /globalnetworkpolicy/x');
  });

  it('a namespace whose pods could not be listed: no selector rule is judged there, of any kind, and the note says so', async () => {
    const typos =
      policy('a', 'typo', '{podSelector: {matchLabels: {app: wbe}}, policyTypes: [Ingress]}') +
      policy('a', 'peer', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{podSelector: {matchLabels: {app: wbe}}}]}]}') +
      policy('a', 'port', '{podSelector: {matchLabels: {app: web}}, ingress: [{ports: [{port: metrics}]}]}') +
      object(ANP_V1, 'AdminNetworkPolicy', 'x', '{priority: 5, subject: {namespaces: {}}, ingress: [{action: Allow, from: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: a}}, podSelector: {matchLabels: {app: wbe}}}}]}]}');
    // live: manifests hold only the namespaces they mention, so a peer naming one outright is not judged there
    const s = { ...(await manifests(TWO + typos)), origin: 'live' as const };
    const selectorRules = (r: ReturnType<typeof auditSnapshot>) => r.findings.filter((f) => ['selects-nothing', 'peer-selects-nothing', 'undeclared-named-port'].includes(f.rule)).map(brief);
    expect(selectorRules(auditSnapshot(s))).toEqual([
      'peer-selects-nothing /adminnetworkpolicy/x',
      'selects-nothing a/networkpolicy/typo',
      'peer-selects-nothing a/networkpolicy/peer',
      'undeclared-named-port a/networkpolicy/port',
    ]);
    const refused = auditSnapshot({ ...s, unreadable: [{ resource: 'pods', namespace: 'a' }] });
    expect(selectorRules(refused)).toEqual([]);
    expect(refused.notes).toContain('pods in namespace a could not be listed: selects-nothing, peer-selects-nothing and undeclared-named-port were not checked there');
  });

  it('an egress named port is not judged over a namespace whose pods could not be listed: they may declare it', async () => {
    const exporter = deploy('b', 'exporter', { app: 'exp' }, '[{name: metrics, containerPort: 9100}]');
    const np = policy('a', 'out', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {}}], ports: [{port: metrics}]}]}');
    const cnp = object(CILIUM, 'CiliumNetworkPolicy', 'out', '{endpointSelector: {}, egress: [{toEndpoints: [{matchLabels: {app: exp}}, {matchLabels: {app: web, io.kubernetes.pod.namespace: a}}], toPorts: [{ports: [{port: metrics}]}]}]}', 'b');
    const s = { ...(await manifests(TWO + exporter + np + cnp)), origin: 'live' as const };
    const named = (snapshot: ClusterSnapshot) => auditSnapshot(snapshot).findings.filter((f) => f.rule === 'undeclared-named-port').map(brief);
    expect(named(s)).toEqual([]);
    // as a live read whose list of b's pods was refused: nothing of b was read
    const refused: ClusterSnapshot = { ...s, pods: s.pods.filter((p) => p.metadata.namespace !== 'b'), workloads: s.workloads.filter((w) => w.metadata.namespace !== 'b'), unreadable: [{ resource: 'pods', namespace: 'b' }] };
    expect(named(refused)).toEqual([]);
    // with b's pods read and none declaring the port, both are findings
    const undeclared = { ...s, ...(await manifests(TWO + exporter.replace('metrics', 'prom') + np + cnp)), origin: 'live' as const };
    expect(named(undeclared)).toEqual(['undeclared-named-port a/networkpolicy/out', 'undeclared-named-port b/ciliumnetworkpolicy/out']);
  });

  it('an egress named port to pods of the policy\'s own namespace is not judged when that namespace\'s pods could not be listed, even with its workloads read', async () => {
    // the Deployment template stands in for its pods, but a bare pod there may declare the port
    const exporter = deploy('a', 'exporter', { app: 'exp' }, '[{name: prom, containerPort: 9100}]');
    const np = policy('a', 'out', '{podSelector: {}, policyTypes: [Egress], egress: [{to: [{podSelector: {matchLabels: {app: exp}}}], ports: [{port: metrics}]}]}');
    const s = { ...(await manifests(TWO + exporter + np)), origin: 'live' as const };
    const named = (snapshot: ClusterSnapshot) => auditSnapshot(snapshot).findings.filter((f) => f.rule === 'undeclared-named-port').map(brief);
    expect(named(s)).toEqual(['undeclared-named-port a/networkpolicy/out']);
    const refused: ClusterSnapshot = { ...s, pods: s.pods.filter((p) => p.metadata.namespace !== 'a'), unreadable: [{ resource: 'pods', namespace: 'a' }] };
    expect(named(refused)).toEqual([]);
    expect(auditSnapshot(refused).notes).toContain('pods in namespace a could not be listed: selects-nothing, peer-selects-nothing and undeclared-named-port were not checked there');
  });

  it('live, scoped to some namespaces (-n): cluster-wide subjects and peers are not judged against the pods of namespaces never read', async () => {
    const monitoring = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring}\n---\n';
    const gnp = object(CALICO, 'GlobalNetworkPolicy', 'x', "{selector: app == 'prometheus', egress: [{action: Allow, destination: {selector: app == 'grafana'}}]}");
    const s = { ...(await manifests(TWO + monitoring + gnp)), origin: 'live' as const };
    const scoped = auditSnapshot(s, { namespaces: ['a'] });
    expect(rules(scoped.findings)).toEqual([]);
    expect(scoped.notes.join('\n')).toMatch(/cluster-wide policies and peers of other kinds were judged only where pods were read \(namespace a\); -A judges them/);
    // -A read every namespace's pods: monitoring has none, so neither selector matches anything
    expect(rules(auditSnapshot(s).findings)).toEqual(['selects-nothing /globalnetworkpolicy/x', 'peer-selects-nothing /globalnetworkpolicy/x']);
  });

  it('live, scoped: a NetworkPolicy peer over namespaces whose pods were not read is not judged either', async () => {
    const monitoring = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: monitoring, labels: {team: ops}}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a, labels: {team: ops}}\n---\n';
    const np = policy('a', 'db-in', '{podSelector: {matchLabels: {app: db}}, ingress: [{from: [{namespaceSelector: {matchLabels: {team: ops}}, podSelector: {matchLabels: {app: prometheus}}}]}]}') +
      policy('a', 'web-out', '{podSelector: {matchLabels: {app: web}}, policyTypes: [Egress], egress: [{to: [{namespaceSelector: {matchLabels: {team: ops}}}], ports: [{port: metrics}]}]}');
    const s = { ...(await manifests(TWO + monitoring + np)), origin: 'live' as const };
    const judged = (namespaces?: string[]) => auditSnapshot(s, { namespaces }).findings.filter((f) => f.rule === 'peer-selects-nothing' || f.rule === 'undeclared-named-port').map(brief);
    expect(judged(['a'])).toEqual([]);
    expect(judged()).toEqual(['peer-selects-nothing a/networkpolicy/db-in', 'undeclared-named-port a/networkpolicy/web-out']);
  });

  it('a namespace selector is not judged when the namespace list could not be read', async () => {
    const s = await manifests(TWO + typoGnp);
    expect(rules(auditSnapshot(s).findings)).toContain('peer-selects-nothing /globalnetworkpolicy/x');
    expect(rules(auditSnapshot({ ...s, unreadable: [{ resource: 'namespaces', readByName: [] }] }).findings)).not.toContain('peer-selects-nothing /globalnetworkpolicy/x');
  });
});

describe('DNS and the metadata service under every enforced kind', () => {
  const dnsFindings = (findings: Finding[]) => findings.filter((f) => f.rule === 'dns-egress-blocked').map(brief);

  it('a Calico GlobalNetworkPolicy default deny of egress without DNS blocks lookups; one allowing UDP and TCP 53 to kube-dns does not', async () => {
    const deny = (rules: string) => object(CALICO, 'GlobalNetworkPolicy', 'default-deny', `{selector: projectcalico.org/namespace != 'kube-system', types: [Egress], egress: [${rules}]}`);
    const blocked = auditSnapshot(await manifests(TWO + deny(''))).findings.filter((f) => f.rule === 'dns-egress-blocked');
    expect(blocked.map(brief)).toEqual(['dns-egress-blocked a/deployment/db', 'dns-egress-blocked a/deployment/web']);
    expect(blocked[0].message).toMatch(/^egress is isolated \(Calico GlobalNetworkPolicy default-deny\) and nothing allows UDP 53 and TCP 53 to cluster DNS/);
    const toDns = (protocol: string) => `{action: Allow, protocol: ${protocol}, destination: {namespaceSelector: projectcalico.org/name == 'kube-system', selector: k8s-app == 'kube-dns', ports: [53]}}`;
    expect(dnsFindings(auditSnapshot(await manifests(TWO + deny(`${toDns('UDP')}, ${toDns('TCP')}`))).findings)).toEqual([]);
    const udpOnly = auditSnapshot(await manifests(TWO + deny(toDns('UDP')))).findings.filter((f) => f.rule === 'dns-egress-blocked');
    expect(udpOnly[0].message).toMatch(/nothing allows TCP 53 to cluster DNS/);
  });

  it('an AdminNetworkPolicy allowing DNS everywhere lets NetworkPolicy-isolated pods look names up', async () => {
    const lockdown = DEFAULT_DENY('a');
    expect(dnsFindings(auditSnapshot(await manifests(TWO + lockdown)).findings)).toEqual(['dns-egress-blocked a/deployment/db', 'dns-egress-blocked a/deployment/web']);
    const anp = object(ANP_V1, 'AdminNetworkPolicy', 'allow-dns', "{priority: 1, subject: {namespaces: {}}, egress: [{action: Allow, to: [{pods: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: kube-system}}, podSelector: {matchLabels: {k8s-app: kube-dns}}}}], ports: [{portNumber: {port: 53, protocol: UDP}}, {portNumber: {port: 53, protocol: TCP}}]}]}");
    expect(dnsFindings(auditSnapshot(await manifests(TWO + lockdown + anp)).findings)).toEqual([]);
    // under an engine that does not enforce AdminNetworkPolicy, the lockdown blocks DNS again
    expect(dnsFindings(auditSnapshot(await manifests(TWO + lockdown + anp), { engine: engineNamed('cilium') }).findings)).toHaveLength(2);
  });

  it('metadata-service-reachable: a Cilium policy allowing the world names itself; a deny of 169.254.169.254 closes it', async () => {
    const dnsRule = '{toEndpoints: [{matchLabels: {k8s-app: kube-dns, io.kubernetes.pod.namespace: kube-system}}], toPorts: [{ports: [{port: "53", protocol: ANY}]}]}';
    const open = object(CILIUM, 'CiliumNetworkPolicy', 'out', `{endpointSelector: {}, egress: [${dnsRule}, {toEntities: [world]}]}`, 'a');
    const found = auditSnapshot(await manifests(TWO + open)).findings.filter((f) => f.rule === 'metadata-service-reachable');
    expect(found.map(brief)).toEqual(['metadata-service-reachable a/deployment/db', 'metadata-service-reachable a/deployment/web']);
    expect(found[0].message).toMatch(/can reach 169\.254\.169\.254 \(IMDS, node credentials\) on TCP 80 through out egress rule #1/);
    expect(dnsFindings(auditSnapshot(await manifests(TWO + open)).findings)).toEqual([]);
    const closed = object(CILIUM, 'CiliumNetworkPolicy', 'out', `{endpointSelector: {}, egress: [${dnsRule}, {toEntities: [world]}], egressDeny: [{toCIDR: [169.254.169.254/32, 168.63.129.16/32]}]}`, 'a');
    expect(auditSnapshot(await manifests(TWO + closed)).findings.filter((f) => f.rule === 'metadata-service-reachable')).toEqual([]);
  });
});

describe('peer-selects-nothing says how a kind scopes its peers', () => {
  it('a namespaced Cilium selector over namespace labels stays in its namespace: the message says to name io.kubernetes.pod.namespace', async () => {
    const ns = 'apiVersion: v1\nkind: Namespace\nmetadata: {name: staging, labels: {env: staging}}\n---\n' + deploy('staging', 'probe', { app: 'probe' });
    const peer = (selector: string) => object(CILIUM, 'CiliumNetworkPolicy', 'x', `{endpointSelector: {}, ingressDeny: [{fromEndpoints: [${selector}]}]}`, 'a');
    const found = auditSnapshot(await manifests(TWO + ns + peer('{matchLabels: {io.cilium.k8s.namespace.labels.env: staging}}'))).findings.filter((f) => f.rule === 'peer-selects-nothing');
    expect(found.map(brief)).toEqual(['peer-selects-nothing a/ciliumnetworkpolicy/x']);
    expect(found[0].message).toMatch(/matches no pod or workload in namespace a \(a selector over io\.cilium\.k8s\.namespace\.labels\.\* in a namespaced policy still selects only pods of namespace a unless it also names io\.kubernetes\.pod\.namespace/);
    const fixed = peer('{matchLabels: {io.cilium.k8s.namespace.labels.env: staging}, matchExpressions: [{key: io.kubernetes.pod.namespace, operator: Exists}]}');
    expect(auditSnapshot(await manifests(TWO + ns + fixed)).findings.filter((f) => f.rule === 'peer-selects-nothing')).toEqual([]);
  });
});
