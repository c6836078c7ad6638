// The one engine decision (chooseEngine): --engine wins, -f evaluates every kind, a live read evaluates
// the kinds of the engine whose agents run, and says what it assumed when it cannot tell which runs.
import { describe, expect, it } from 'vitest';
import type { ClusterSnapshot, NetworkPolicy, PolicyObject } from '../../../src/model/k8s.js';
import { auditSnapshot } from '../../../src/netpol/audit.js';
import { overlaySnapshot } from '../../../src/netpol/diff.js';
import { chooseEngine } from '../../../src/netpol/engine-choice.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { computeMatrix, matrixVerdicts } from '../../../src/netpol/matrix.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, PodView } from '../../../src/netpol/types.js';
import { emptySnapshot } from '../../../src/model/k8s.js';

type Evidence = Pick<ClusterSnapshot, 'policyEngines' | 'servedPolicyApis' | 'unreadable'>;
const live = (evidence: Evidence, flag?: string) => chooseEngine({ origin: 'live', ...evidence }, flag);

describe('chooseEngine', () => {
  it('live: the kinds of the engine whose agent runs, and the sentence the output gives for the others', () => {
    const npm = live({ policyEngines: ['azure-npm'] });
    expect(npm.report).toEqual({ by: 'detected', engines: ['azure-npm'], text: 'Azure NPM (detected: DaemonSet azure-npm runs)' });
    expect(npm.notEnforced!('CiliumNetworkPolicy')).toBe("this cluster's engine is Azure NPM");
    expect(npm.notEnforced!('AdminNetworkPolicy')).toBe("this cluster's engine is Azure NPM");

    const cilium = live({ policyEngines: ['cilium'] });
    expect(cilium.notEnforced!('CiliumClusterwideNetworkPolicy')).toBeUndefined();
    expect(cilium.notEnforced!('CalicoNetworkPolicy')).toBe("this cluster's engine is Cilium");
    expect(cilium.notEnforced!('AdminNetworkPolicy')).toBe("this cluster's engine is Cilium");

    const calico = live({ policyEngines: ['calico-node'] });
    for (const family of ['CalicoNetworkPolicy', 'CalicoGlobalNetworkPolicy', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy'] as const) expect(calico.notEnforced!(family)).toBeUndefined();
    expect(calico.notEnforced!('CiliumNetworkPolicy')).toBe("this cluster's engine is Calico");

    const antrea = live({ policyEngines: ['antrea-agent'] });
    expect(antrea.notEnforced!('AdminNetworkPolicy')).toBeUndefined();
    expect(antrea.notEnforced!('CalicoNetworkPolicy')).toBe("this cluster's engine is Antrea");
  });

  it('several agents: one engine per id (Linux and Windows NPM are one), kinds enforced by any of them count', () => {
    expect(live({ policyEngines: ['azure-npm', 'azure-npm-win'] }).report!.engines).toEqual(['azure-npm']);
    const both = live({ policyEngines: ['calico-node', 'cilium'] });
    expect(both.report).toMatchObject({ by: 'detected', engines: ['calico', 'cilium'], text: 'Calico and Cilium (detected: DaemonSet calico-node, cilium run)' });
    expect(both.notEnforced!('CiliumNetworkPolicy')).toBeUndefined();
    expect(both.notEnforced!('CalicoGlobalNetworkPolicy')).toBeUndefined();
    expect(both.notEnforced!('ClusterNetworkPolicy')).toBe("this cluster's engines are Calico and Cilium");
  });

  it('engines that implement NetworkPolicy only ignore every other kind; one whose kinds are not known here evaluates every kind, saying so', () => {
    expect(live({ policyEngines: ['kube-router'] }).notEnforced!('AdminNetworkPolicy')).toBe("this cluster's engine is kube-router");
    const ovn = live({ policyEngines: ['kube-ovn-cni'] });
    expect(ovn.notEnforced).toBeUndefined();
    expect(ovn.report).toMatchObject({ by: 'unknown', engines: ['kube-ovn'] });
    expect(ovn.report!.assumption).toMatch(/which policy kinds beyond NetworkPolicy Kube-OVN enforces is not known here, so every policy kind read is evaluated as if enforced/);
  });

  it('a forbidden DaemonSet list: every kind is evaluated, naming the list and the assumption; served APIs hint at the engine', () => {
    const blocked = live({ unreadable: [{ resource: 'daemonsets', namespace: 'calico-system' }, { resource: 'daemonsets', namespace: 'kube-system' }, { resource: 'daemonsets', namespace: 'shop' }], servedPolicyApis: ['cilium.io/v2'] });
    expect(blocked.notEnforced).toBeUndefined();
    expect(blocked.report).toMatchObject({ by: 'unknown', engines: [], text: 'unknown (you may not list daemonsets in kube-system and calico-system)' });
    expect(blocked.report!.assumption).toBe(
      'the enforcing engine could not be detected (you may not list daemonsets in kube-system and calico-system), so every policy kind read is evaluated as if enforced; pass --engine NAME to name it (cilium.io/v2 is served, so Cilium may run elsewhere: if it does, pass --engine cilium)',
    );
    expect(live({ unreadable: [{ resource: 'daemonsets' }] }).report!.text).toBe('unknown (you may not list daemonsets in any namespace)');
  });

  it('no agent runs: every kind is evaluated as written (the "none" engine), with a hint when an engine API is served', () => {
    const none = live({ policyEngines: [] });
    expect(none.notEnforced).toBeUndefined();
    expect(none.report).toEqual({ by: 'none', engines: [], text: 'none found (no Calico, Cilium, Azure NPM, Antrea… agent runs)' });
    expect(live({ policyEngines: [], servedPolicyApis: ['projectcalico.org/v3'] }).report!.assumption).toMatch(/^projectcalico\.org\/v3 is served, so Calico may run elsewhere: if it does, pass --engine calico$/);
  });

  it('--engine overrides detection; --engine auto and manifests evaluate every kind', () => {
    const flagged = live({ policyEngines: ['azure-npm'] }, 'cilium');
    expect(flagged.report).toEqual({ by: 'flag', engines: ['cilium'], text: 'Cilium (--engine cilium)' });
    expect(flagged.notEnforced!('CiliumNetworkPolicy')).toBeUndefined();
    expect(flagged.notEnforced!('AdminNetworkPolicy')).toBe('--engine cilium: Cilium does not enforce AdminNetworkPolicy');
    expect(live({ policyEngines: ['azure-npm'] }, 'auto')).toEqual({ report: { by: 'auto', engines: [], text: 'every kind given (--engine auto)' } });
    expect(chooseEngine({ origin: 'manifests' }, undefined)).toEqual({});
    expect(() => chooseEngine({ origin: 'live' }, 'weave')).toThrow(/--engine weave: not one of auto, azure-npm/);
  });

  it('the snapshot says whether it was read live: a change overlaid on a live base (diff/report --with) keeps the detection, one on manifests evaluates every kind', () => {
    const change = { ...emptySnapshot('manifests change.yaml'), networkPolicies: [{ metadata: { namespace: 'shop', name: 'new' }, spec: { podSelector: {} } }] };
    const cluster = { ...emptySnapshot('prod', 'live'), policyEngines: ['azure-npm'] };
    const onCluster = overlaySnapshot(cluster, change);
    expect(onCluster.origin).toBe('live');
    expect(chooseEngine(onCluster, undefined).report).toEqual(chooseEngine(cluster, undefined).report);
    const onManifests = overlaySnapshot(emptySnapshot('manifests base.yaml'), change);
    expect(onManifests.origin).toBe('manifests');
    expect(chooseEngine(onManifests, undefined)).toEqual({});
  });
});

describe('the choice in verdicts and audit', () => {
  const pod = (ns: string, name: string, labels: Record<string, string>, ip: string): Peer => ({ kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [] }, status: { podIP: ip } }) });
  const web = pod('shop', 'web', { app: 'web' }, '10.1.0.5');
  const api = pod('shop', 'api', { app: 'api' }, '10.1.0.6');
  const denyWeb: PolicyObject = { apiVersion: 'cilium.io/v2', kind: 'CiliumNetworkPolicy', metadata: { namespace: 'shop', name: 'no-web' }, spec: { endpointSelector: { matchLabels: { app: 'api' } }, ingressDeny: [{ fromEndpoints: [{ matchLabels: { app: 'web' } }] }] } };
  const allowAll: NetworkPolicy = { metadata: { namespace: 'shop', name: 'allow-all' }, spec: { podSelector: {}, ingress: [{}] } };
  const snapshot = (engines: string[] | undefined): ClusterSnapshot => ({
    ...emptySnapshot('prod', 'live'),
    namespaces: [{ metadata: { name: 'shop', labels: { 'kubernetes.io/metadata.name': 'shop' } } }],
    networkPolicies: [allowAll],
    policyObjects: [denyWeb],
    policyEngines: engines,
  });

  it('under Azure NPM the Cilium deny is ignored and named, not "cannot tell"; under Cilium it decides', () => {
    const s = snapshot(['azure-npm']);
    const npm = new PolicyEngine(s, chooseEngine(s, undefined));
    const verdict = npm.evaluate(web, api, { port: 80, protocol: 'TCP' });
    expect(verdict.allowed).toBe(true);
    expect(verdict.cannotTell).toBeUndefined();
    expect(npm.notEvaluated).toEqual([]);
    expect(npm.leftOut).toEqual([{ object: 'CiliumNetworkPolicy shop/no-web', reason: "not enforced: this cluster's engine is Azure NPM" }]);
    expect(npm.choice?.by).toBe('detected');

    const c = snapshot(['cilium']);
    expect(new PolicyEngine(c, chooseEngine(c, undefined)).evaluate(web, api, { port: 80, protocol: 'TCP' }).allowed).toBe(false);
  });

  it('under Cilium a NetworkPolicy ipBlock never admits a pod: the verdict follows the engine and says why', () => {
    const fromRange: NetworkPolicy = { metadata: { namespace: 'shop', name: 'from-range' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ from: [{ ipBlock: { cidr: '10.1.0.0/24' } }] }] } };
    const s = (engines: string[]): ClusterSnapshot => ({ ...snapshot(engines), networkPolicies: [fromRange], policyObjects: [] });
    const tcp = { port: 80, protocol: 'TCP' } as const;
    const calico = new PolicyEngine(s(['calico-node']), chooseEngine(s(['calico-node']), undefined)).evaluate(web, api, tcp);
    expect(calico.allowed).toBe(true);
    expect(calico.notes).toContain('an ipBlock matched the pod IP of shop/web: the upstream conformance tests expect this, but Cilium does not apply ipBlock to in-cluster pods');
    const cilium = new PolicyEngine(s(['cilium']), chooseEngine(s(['cilium']), undefined));
    const denied = cilium.evaluate(web, api, tcp);
    expect(denied.allowed).toBe(false);
    expect(denied.ingress.policies[0].summary).toBe('its only ingress rule #0 (from IPs in 10.1.0.0/24 on any port) does not match: shop/web is in the cluster, and Cilium (the engine) matches ipBlock 10.1.0.0/24 only against addresses outside it, never pods or nodes');
    expect(cilium.allows({ kind: 'ip', ip: '10.1.0.9' }, api, tcp)).toBe(true);
    // --engine cilium on manifests too; auto keeps the upstream behaviour
    expect(new PolicyEngine(s([]), chooseEngine(s([]), 'cilium')).allows(web, api, tcp)).toBe(false);
    expect(new PolicyEngine(s(['cilium']), chooseEngine(s(['cilium']), 'auto')).allows(web, api, tcp)).toBe(true);
  });

  describe('port fields whose enforcement depends on the engine', () => {
    const rangePolicy: NetworkPolicy = { metadata: { namespace: 'shop', name: 'range' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ ports: [{ port: 8000, endPort: 8100 }] }] } };
    const sctpPolicy: NetworkPolicy = { metadata: { namespace: 'shop', name: 'sctp' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ ports: [{ protocol: 'SCTP', port: 3868 }] }] } };
    const s = (engines: string[], policy: NetworkPolicy): ClusterSnapshot => ({ ...snapshot(engines), networkPolicies: [policy], policyObjects: [] });
    const judge = (engines: string[], policy: NetworkPolicy, traffic: { port: number; protocol: 'TCP' | 'SCTP' }) => {
      const snap = s(engines, policy);
      const engine = new PolicyEngine(snap, chooseEngine(snap, undefined));
      return { engine, verdict: engine.evaluate(web, api, traffic), cell: engine.cell(web, api, traffic) };
    };

    const only443: NetworkPolicy = { metadata: { namespace: 'shop', name: 'only-443' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{ ports: [{ port: 443 }] }] } };
    const tcp = (port: number) => ({ port, protocol: 'TCP' as const });
    const answer = (v: { allowed: boolean; cannotTell?: unknown[] }) => (v.cannotTell ? null : v.allowed);

    it('endPort under Cilium: cannot tell only where a reading Cilium may apply (endPort ignored, the policy refused whole) changes the answer', () => {
      const { engine, verdict, cell } = judge(['cilium'], rangePolicy, tcp(8050));
      expect(verdict.cannotTell).toEqual([{ what: 'how the engine applies NetworkPolicy shop/range: it selects shop/api and uses endPort, and Cilium (the engine) ignored endPort before its port-range support and some releases refused such a policy whole; which release runs is not read here — allowed as written, denied with endPort ignored (its port alone)' }]);
      expect(cell.value).toBe(3);
      expect(engine.notEvaluated).toEqual([]);
      // the range's first port: allowed under every reading, and said so
      const first = engine.evaluate(web, api, tcp(8000));
      expect(answer(first)).toBe(true);
      expect(engine.cell(web, api, tcp(8000)).value).toBe(1);
      expect(first.notes.join('\n')).toContain('every reading (as written, with endPort ignored (its port alone), with the policy refused whole) gives this answer');
      // outside the range: denied as written, yet a release that refuses the policy leaves shop/api open
      const outside = engine.evaluate(web, api, tcp(80));
      expect(outside.cannotTell?.[0].what).toMatch(/ — denied as written, allowed with the policy refused whole$/);
      // between pods the policy does not select the answer stays certain
      const db = pod('shop', 'db', { app: 'db' }, '10.1.0.7');
      expect(answer(engine.evaluate(web, db, tcp(8050)))).toBe(true);
    });

    it('endPort under Cilium: a pod another policy isolates is denied outside the range whatever the reading', () => {
      const snap: ClusterSnapshot = { ...s(['cilium'], rangePolicy), networkPolicies: [rangePolicy, only443] };
      const engine = new PolicyEngine(snap, chooseEngine(snap, undefined));
      expect(answer(engine.evaluate(web, api, tcp(80)))).toBe(false);
      expect(engine.judge(web, api, tcp(80)).value).toBe(0);
      expect(answer(engine.evaluate(web, api, tcp(443)))).toBe(true);
      expect(answer(engine.evaluate(web, api, tcp(8050)))).toBeNull();
      // the matrix says the same, cell by cell
      const pods = [web, api].map((p) => (p as { pod: PodView }).pod);
      const cells = (port: number) => Object.fromEntries([...matrixVerdicts(computeMatrix(engine, { pods, externals: [], queries: [tcp(port)] }))].map((v) => [`${v.from}>${v.to}`, v.allowed]));
      expect(cells(80)['shop/web>shop/api']).toBe(false);
      expect(cells(443)['shop/web>shop/api']).toBe(true);
      expect(cells(8050)['shop/web>shop/api']).toBeNull();
    });

    it('endPort under Azure NPM: cannot tell inside the range only (NPM has been seen to program the port alone); under Calico and Antrea the range is enforced as upstream', () => {
      expect(judge(['azure-npm'], rangePolicy, tcp(8050)).verdict.cannotTell?.[0].what).toContain('uses endPort, and Azure NPM (the engine) is not documented to enforce endPort and has been seen to program the port alone — allowed as written, denied with endPort ignored (its port alone)');
      expect(answer(judge(['azure-npm'], rangePolicy, tcp(8000)).verdict)).toBe(true);
      expect(answer(judge(['azure-npm'], rangePolicy, tcp(80)).verdict)).toBe(false);
      expect(judge(['azure-npm'], rangePolicy, tcp(80)).cell.value).toBe(0);
      for (const agent of ['calico-node', 'antrea-agent']) {
        expect(judge([agent], rangePolicy, tcp(8050)).verdict).toMatchObject({ allowed: true });
        expect(judge([agent], rangePolicy, tcp(8101)).verdict).toMatchObject({ allowed: false });
        expect(judge([agent], rangePolicy, tcp(8101)).verdict.cannotTell).toBeUndefined();
      }
    });

    it('SCTP under Cilium: cannot tell for SCTP traffic of the pods the policy selects, naming sctp.enabled; TCP gets a firm answer; under Azure NPM and Calico the SCTP port is enforced as upstream', () => {
      const { engine, verdict, cell } = judge(['cilium'], sctpPolicy, { port: 3868, protocol: 'SCTP' });
      expect(verdict.cannotTell).toEqual([{ what: 'how the engine applies NetworkPolicy shop/sctp to SCTP: it selects shop/api and uses SCTP, and Cilium (the engine) enforces SCTP only with its beta SCTP support enabled (sctp.enabled=true), a setting not read here' }]);
      expect(cell.value).toBe(3);
      for (const port of [80, 3868]) {
        expect(engine.evaluate(web, api, tcp(port))).toMatchObject({ allowed: false });
        expect(engine.evaluate(web, api, tcp(port)).cannotTell).toBeUndefined();
        expect(engine.cell(web, api, tcp(port)).value).toBe(0);
      }
      // SCTP between pods the policy does not select: as upstream
      expect(answer(engine.evaluate(api, web, { port: 3868, protocol: 'SCTP' }))).toBe(true);
      for (const agent of ['azure-npm', 'calico-node']) {
        expect(judge([agent], sctpPolicy, { port: 3868, protocol: 'SCTP' }).verdict).toMatchObject({ allowed: true });
        expect(judge([agent], sctpPolicy, { port: 3868, protocol: 'TCP' }).verdict).toMatchObject({ allowed: false });
      }
    });

    it('SCTP under Cilium: a certain denial on the side no SCTP-using policy isolates decides, whatever the engine does with SCTP on the other', () => {
      const webOnly443Out: NetworkPolicy = { metadata: { namespace: 'shop', name: 'web-out' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ port: 443 }] }] } };
      const webSctpOut: NetworkPolicy = { metadata: { namespace: 'shop', name: 'web-out' }, spec: { podSelector: { matchLabels: { app: 'web' } }, policyTypes: ['Egress'], egress: [{ ports: [{ protocol: 'SCTP', port: 3868 }] }] } };
      const sctp = { port: 3868, protocol: 'SCTP' as const };
      const engineWith = (egressPolicy: NetworkPolicy) => {
        const snap: ClusterSnapshot = { ...s(['cilium'], sctpPolicy), networkPolicies: [sctpPolicy, egressPolicy] };
        return new PolicyEngine(snap, chooseEngine(snap, undefined));
      };
      // web may send only TCP 443: SCTP to api never leaves it, however Cilium treats api's SCTP policy
      const denied = engineWith(webOnly443Out);
      expect(denied.evaluate(web, api, sctp)).toMatchObject({ allowed: false });
      expect(denied.evaluate(web, api, sctp).cannotTell).toBeUndefined();
      expect(denied.cell(web, api, sctp).value).toBe(0);
      const pods = [web, api].map((p) => (p as { pod: PodView }).pod);
      const cells = Object.fromEntries([...matrixVerdicts(computeMatrix(denied, { pods, externals: [], queries: [sctp] }))].map((v) => [`${v.from}>${v.to}`, v.allowed]));
      expect(cells['shop/web>shop/api']).toBe(false);
      // web's own egress policy uses SCTP too: both sides hang on it, so cannot tell names both
      const both = engineWith(webSctpOut).evaluate(web, api, sctp);
      expect(both.cannotTell?.map((u) => u.what.split(':')[0])).toEqual(['how the engine applies NetworkPolicy shop/web-out to SCTP', 'how the engine applies NetworkPolicy shop/sctp to SCTP']);
    });

    it('--engine auto and manifests without --engine keep the upstream reading of endPort and SCTP', () => {
      const snap = s(['cilium'], rangePolicy);
      const auto = new PolicyEngine(snap, chooseEngine(snap, 'auto'));
      expect(auto.evaluate(web, api, { port: 8050, protocol: 'TCP' })).toMatchObject({ allowed: true });
      expect(auto.notEvaluated).toEqual([]);
      const flagged = new PolicyEngine(s([], sctpPolicy), chooseEngine(s([], sctpPolicy), 'cilium'));
      expect(flagged.evaluate(web, api, { port: 3868, protocol: 'SCTP' }).cannotTell).toHaveLength(1);
      expect(flagged.evaluate(web, api, tcp(3868)).cannotTell).toBeUndefined();
    });
  });

  it('the policies the engine ignores that would select a pod (whoami --as-pod names only those, and counts the rest)', () => {
    const dbOnly: PolicyObject = { ...denyWeb, metadata: { namespace: 'shop', name: 'db-only' }, spec: { endpointSelector: { matchLabels: { app: 'db' } }, ingressDeny: [{ fromEntities: ['world'] }] } };
    const broken: PolicyObject = { ...denyWeb, metadata: { namespace: 'shop', name: 'broken' }, spec: { endpointSelector: 'app=api' } };
    const elsewhere: PolicyObject = { ...denyWeb, metadata: { namespace: 'ops', name: 'elsewhere' }, spec: { endpointSelector: {} } };
    const s = { ...snapshot(['azure-npm']), policyObjects: [denyWeb, dbOnly, broken, elsewhere] };
    const npm = new PolicyEngine(s, chooseEngine(s, undefined));
    const ignored = (p: Peer) => npm.ignoredFor((p as { pod: PodView }).pod);
    // a policy that cannot be read may select anything in its namespace
    expect(ignored(api)).toEqual({ selecting: [{ object: 'CiliumNetworkPolicy shop/no-web', reason: "not enforced: this cluster's engine is Azure NPM" }, { object: 'CiliumNetworkPolicy shop/broken', reason: "not enforced: this cluster's engine is Azure NPM" }], others: 2 });
    expect(ignored(web).selecting.map((n) => n.object)).toEqual(['CiliumNetworkPolicy shop/broken']);
    expect(npm.ignored).toHaveLength(4);
  });

  it('an unreadable list of a kind the engine ignores is named but does not make verdicts "cannot tell"', () => {
    const s = { ...snapshot(['azure-npm']), policyObjects: [], unreadable: [{ resource: 'ciliumnetworkpolicies.cilium.io', namespace: 'shop' }] };
    const npm = new PolicyEngine(s, chooseEngine(s, undefined));
    expect(npm.evaluate(web, api, { port: 80, protocol: 'TCP' }).cannotTell).toBeUndefined();
    expect(npm.leftOut).toEqual([{ object: 'ciliumnetworkpolicies.cilium.io in namespace shop', reason: "not read (you may not list them), and not enforced: this cluster's engine is Azure NPM" }]);
    const auto = new PolicyEngine(s, chooseEngine(s, 'auto'));
    expect(auto.evaluate(web, api, { port: 80, protocol: 'TCP' }).cannotTell).toBeDefined();
  });

  it('audit: policy-kind-not-enforced from the detected engine, no-enforcing-engine from the same detection', () => {
    const brief = (s: ClusterSnapshot, flag?: string) => auditSnapshot(s, { engine: chooseEngine(s, flag), skip: ['no-default-deny-ingress', 'no-default-deny-egress', 'allow-all', 'selects-nothing'] });
    const npm = brief(snapshot(['azure-npm']));
    expect(npm.findings.map((f) => `${f.rule} ${f.namespace}/${f.object}`)).toEqual(['policy-kind-not-enforced shop/ciliumnetworkpolicy/no-web']);
    expect(npm.findings[0].message).toMatch(/^CiliumNetworkPolicy shop\/no-web is not enforced: this cluster's engine is Azure NPM; its rules have no effect/);
    expect(npm.engine?.text).toBe('Azure NPM (detected: DaemonSet azure-npm runs)');
    expect(brief(snapshot(['cilium'])).findings).toEqual([]);
    // nothing runs: one finding counting both kinds, and policy-kind-not-enforced is not checked (said why)
    const none = brief(snapshot([]));
    expect(none.findings.map((f) => f.rule)).toEqual(['no-enforcing-engine']);
    expect(none.findings[0].message).toMatch(/^1 NetworkPolicy and 1 other policy exist in prod, but no enforcement engine/);
    expect(none.checked).not.toContain('policy-kind-not-enforced');
    expect(none.notes).toContain('policy-kind-not-enforced was not checked: no engine runs (see no-enforcing-engine)');
    // unknown: neither engine rule is checked, and the assumption is a note
    const unknown = brief({ ...snapshot(undefined), unreadable: [{ resource: 'daemonsets', namespace: 'kube-system' }] });
    expect(unknown.checked).not.toContain('no-enforcing-engine');
    expect(unknown.checked).not.toContain('policy-kind-not-enforced');
    expect(unknown.notes[0]).toMatch(/^the enforcing engine could not be detected \(you may not list daemonsets in kube-system\)/);
    // --engine on a cluster with nothing found: the user named the engine
    expect(brief(snapshot([]), 'azure-npm').findings.map((f) => f.rule)).toEqual(['policy-kind-not-enforced']);
  });
});
