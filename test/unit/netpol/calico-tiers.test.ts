// Calico's Tier objects (projectcalico.org/v3 and the stored crd.projectcalico.org/v1 form): tiers apply by
// ascending order, no order last, ties by name; the default tier sits at order 1,000,000 (Calico's
// DefaultTierOrder) with the Kubernetes NetworkPolicies inside it at order 1000; defaultAction Pass hands a
// selected endpoint no rule decided to the next tier. A tier whose Tier object was not read has no known
// place: said in a note when every place gives one answer, "cannot tell" when places disagree.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifestSnapshot } from '../../../src/cluster/manifests.js';
import type { NetworkPolicy, PolicyObject } from '../../../src/model/k8s.js';
import { PolicyEngine } from '../../../src/netpol/engine.js';
import { policyObjectProblem } from '../../../src/netpol/kinds/compile.js';
import { podView } from '../../../src/netpol/views.js';
import type { Peer, Traffic, Verdict } from '../../../src/netpol/types.js';

const pod = (ns: string, name: string, labels: Record<string, string>, ip: string): Peer => ({ kind: 'pod', pod: podView({ metadata: { namespace: ns, name, labels }, spec: { containers: [] }, status: { podIP: ip } }) });
const web = pod('shop', 'web', { app: 'web' }, '10.1.0.5');
const api = pod('shop', 'api', { app: 'api' }, '10.1.0.6');
const tcp: Traffic = { port: 80, protocol: 'TCP' };
const namespaces = [{ metadata: { name: 'shop', labels: {} } }];

const tier = (name: string, spec: Record<string, unknown>, apiVersion = 'projectcalico.org/v3'): PolicyObject => ({ apiVersion, kind: 'Tier', metadata: { name }, spec });
/** a GlobalNetworkPolicy in `tierName` selecting api, with one ingress rule of `action` */
const inTier = (tierName: string, action: string, order = 10): PolicyObject => ({
  apiVersion: 'projectcalico.org/v3',
  kind: 'GlobalNetworkPolicy',
  metadata: { name: `${tierName}.${action.toLowerCase()}-api` },
  spec: { tier: tierName, order, selector: "app == 'api'", ingress: [{ action }] },
});
const engine = (objects: PolicyObject[], networkPolicies: NetworkPolicy[] = []) => new PolicyEngine({ namespaces, networkPolicies, policyObjects: objects });
const answer = (v: Verdict) => (v.cannotTell ? 'cannot tell' : v.allowed ? 'allowed' : 'denied');

describe('Calico Tier objects', () => {
  it('tiers apply by ascending order whatever their names: the lower order decides', () => {
    const policies = [inTier('security', 'Allow'), inTier('platform', 'Deny')];
    const securityFirst = engine([tier('security', { order: 100 }), tier('platform', { order: 500 }), ...policies]).evaluate(web, api, tcp);
    expect(answer(securityFirst)).toBe('allowed');
    expect(securityFirst.ingress.decidedBy).toMatchObject({ tier: 'security', action: 'Allow' });
    const platformFirst = engine([tier('security', { order: 900 }), tier('platform', { order: 500 }), ...policies]).evaluate(web, api, tcp);
    expect(answer(platformFirst)).toBe('denied');
    expect(platformFirst.ingress.decidedBy).toMatchObject({ tier: 'platform', action: 'Deny' });
    // same order: by name
    expect(engine([tier('security', { order: 5 }), tier('platform', { order: 5 }), ...policies]).evaluate(web, api, tcp).ingress.decidedBy).toMatchObject({ tier: 'platform' });
    // no order: last
    expect(engine([tier('security', {}), tier('platform', { order: 5 }), ...policies]).evaluate(web, api, tcp).ingress.decidedBy).toMatchObject({ tier: 'platform' });
  });

  it('the default tier sits at order 1,000,000: a tier ordered after it comes after the Kubernetes NetworkPolicies', () => {
    const allowApi: NetworkPolicy = { metadata: { namespace: 'shop', name: 'api-from-all' }, spec: { podSelector: { matchLabels: { app: 'api' } }, ingress: [{}] } };
    const before = engine([tier('guard', { order: 999_999 }), inTier('guard', 'Deny')], [allowApi]).evaluate(web, api, tcp);
    expect(answer(before)).toBe('denied');
    const after = engine([tier('guard', { order: 1_000_001 }), inTier('guard', 'Deny')], [allowApi]).evaluate(web, api, tcp);
    expect(answer(after)).toBe('allowed');
    expect(after.ingress.decidedBy).toMatchObject({ tier: 'default', policy: 'NetworkPolicy shop/api-from-all' });
    // the default Tier object read from the cluster moves it
    expect(answer(engine([tier('default', { order: 2_000_000 }), tier('guard', { order: 1_500_000 }), inTier('guard', 'Deny')], [allowApi]).evaluate(web, api, tcp))).toBe('denied');
  });

  it('defaultAction Pass: a selected endpoint no rule decided goes on to the next tier instead of the implicit deny', () => {
    const silent: PolicyObject = { apiVersion: 'projectcalico.org/v3', kind: 'GlobalNetworkPolicy', metadata: { name: 'audit.watch' }, spec: { tier: 'audit', order: 1, selector: "app == 'api'", ingress: [{ action: 'Log' }] } };
    expect(answer(engine([tier('audit', { order: 10 }), silent]).evaluate(web, api, tcp))).toBe('denied');
    const passing = engine([tier('audit', { order: 10, defaultAction: 'Pass' }), silent]).evaluate(web, api, tcp);
    expect(answer(passing)).toBe('allowed');
    expect(passing.ingress.passed?.[0]).toMatchObject({ tier: 'audit', action: 'end of tier' });
  });

  it('a tier whose Tier object was not read: named in a note when every place agrees, CANNOT TELL when places disagree', () => {
    const agree = engine([tier('platform', { order: 500 }), inTier('security', 'Deny'), inTier('platform', 'Deny')]).evaluate(web, api, tcp);
    expect(answer(agree)).toBe('denied');
    expect(agree.notes).toContain('Calico tier security: no Tier object was read, so its place in the tier order is not known; every place gives this answer');
    const disagree = engine([tier('platform', { order: 500 }), inTier('security', 'Allow'), inTier('platform', 'Deny')]).evaluate(web, api, tcp);
    expect(answer(disagree)).toBe('cannot tell');
    expect(disagree.cannotTell?.map((u) => u.what)).toEqual(['the order of Calico tier security: no Tier object of that name was read, and tier platform denies it, tier security allows it']);
    // the matrix's cells say the same
    expect(engine([tier('platform', { order: 500 }), inTier('security', 'Allow'), inTier('platform', 'Deny')]).cell(web, api, tcp).value).toBe(3);
    expect(engine([tier('platform', { order: 500 }), inTier('security', 'Deny'), inTier('platform', 'Deny')]).cell(web, api, tcp).value).toBe(0);
    expect(engine([tier('audit', { order: 10, defaultAction: 'Pass' }), inTier('audit', 'Log')]).cell(web, api, tcp).value).toBe(1);
    // a tier of unknown place that does not select the endpoint changes nothing and is not mentioned
    const elsewhere = engine([inTier('security', 'Deny'), { ...inTier('other', 'Allow'), spec: { tier: 'other', selector: "app == 'none'", ingress: [{ action: 'Allow' }] } }]).evaluate(web, api, tcp);
    expect(elsewhere.notes.join(' ')).not.toContain('tier other');
  });

  it('reads Tier objects from manifests in either Calico group, and refuses a malformed one with its field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-tiers-'));
    const write = (text: string) => {
      writeFileSync(join(dir, 'tiers.yaml'), text);
      return readManifestSnapshot([dir]);
    };
    const snapshot = await write('apiVersion: crd.projectcalico.org/v1\nkind: Tier\nmetadata: {name: security}\nspec: {order: 100}\n');
    expect(snapshot.policyObjects).toEqual([{ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'security' }, spec: { order: 100 } }]);
    await expect(write('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {order: first}\n')).rejects.toThrow(/Tier security: spec\.order: expected a number, found a string \("first"\)$/);
    await expect(write('apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata: {name: security}\nspec: {defaultAction: Allow}\n')).rejects.toThrow(/spec\.defaultAction: expected Deny or Pass/);
  });
});

// Which tier a policy sits in, as libcalico-go's lib/names/policy.go decides: Felix files a policy under the
// tier its stored name starts with (TIER.NAME), and Calico's API checks a projectcalico.org/v3 name against spec.tier.
describe('a Calico policy named TIER.NAME', () => {
  const stored = (name: string, spec: Record<string, unknown>): PolicyObject => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name }, spec: { order: 10, selector: "app == 'api'", ...spec } });
  const v3 = (name: string, spec: Record<string, unknown>): PolicyObject => ({ ...stored(name, spec), apiVersion: 'projectcalico.org/v3' });
  const tierOf = (objects: PolicyObject[]) => engine([tier('security', { order: 100 }), ...objects]).evaluate(web, api, tcp).ingress.decidedBy?.tier;

  it('a stored policy without spec.tier sits in the tier its name starts with (and so overrides the default tier)', () => {
    const deny = stored('security.deny-api', { ingress: [{ action: 'Deny' }] });
    const allow = stored('default.allow-api', { order: 1, ingress: [{ action: 'Allow' }] });
    const v = engine([tier('security', { order: 100 }), deny, allow]).evaluate(web, api, tcp);
    expect(answer(v)).toBe('denied');
    expect(v.ingress.decidedBy).toMatchObject({ tier: 'security', action: 'Deny' });
    // the same policies with spec.tier say the same
    expect(tierOf([{ ...deny, spec: { ...(deny.spec as Record<string, unknown>), tier: 'security' } }])).toBe('security');
  });

  it("names Calico derives keep their own tier: knp.default.* and ossg.* in default, kcnp.kube-admin.* in kube-admin", () => {
    expect(tierOf([stored('knp.default.deny-api', { ingress: [{ action: 'Deny' }] })])).toBe('default');
    expect(tierOf([stored('ossg.default.5f1c', { ingress: [{ action: 'Deny' }] })])).toBe('default');
    expect(tierOf([tier('kube-admin', { order: 1000 }), stored('kcnp.kube-admin.deny-api', { ingress: [{ action: 'Deny' }] })])).toBe('kube-admin');
  });

  it('projectcalico.org/v3: TIER.NAME with spec.tier matching, or a plain name in default; any other name is refused as Calico refuses it', () => {
    expect(tierOf([v3('security.deny-api', { tier: 'security', ingress: [{ action: 'Deny' }] })])).toBe('security');
    expect(tierOf([v3('deny-api', { ingress: [{ action: 'Deny' }] })])).toBe('default');
    expect(tierOf([v3('default.deny-api', { tier: 'default', ingress: [{ action: 'Deny' }] })])).toBe('default');
    expect(policyObjectProblem(v3('security.deny-api', { ingress: [{ action: 'Deny' }] }))).toBe('metadata.name: incorrectly formatted policy name security.deny-api: a policy in tier default is named default.NAME or NAME (set spec.tier: security to put it in tier security)');
    expect(policyObjectProblem(v3('deny-api', { tier: 'security' }))).toBe('metadata.name: incorrectly formatted policy name deny-api: a policy in tier security is named security.NAME');
    expect(policyObjectProblem(v3('platform.deny-api', { tier: 'security' }))).toMatch(/^metadata\.name: incorrectly formatted policy name platform\.deny-api: a policy in tier security is named security\.NAME$/);
    // refused in a live read too: named as not evaluated, and a verdict it may decide is cannot tell
    const e = engine([v3('security.deny-api', { ingress: [{ action: 'Deny' }] })]);
    expect(e.notEvaluated[0].reason).toMatch(/^cannot read it: metadata\.name: incorrectly formatted policy name/);
    expect(answer(e.evaluate(web, api, tcp))).toBe('cannot tell');
  });
});
