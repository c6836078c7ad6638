import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { PolicyRule } from '../../../src/model/k8s.js';
import { nonResourceURLMatches, ruleAllows, ruleMismatches } from '../../../src/rbac/rules.js';
import type { AccessRequest } from '../../../src/rbac/types.js';

const res = (verb: string, resource: string, extra: Partial<Extract<AccessRequest, { kind: 'resource' }>> = {}): AccessRequest => ({
  kind: 'resource', verb, group: '', resource, namespace: 'default', ...extra,
});

describe('ruleAllows for resource requests', () => {
  const cases: [string, PolicyRule, AccessRequest, boolean][] = [
    ['exact verb and resource', { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, res('get', 'pods'), true],
    ['other verb', { apiGroups: [''], resources: ['pods'], verbs: ['get'] }, res('list', 'pods'), false],
    ['verb wildcard', { apiGroups: [''], resources: ['pods'], verbs: ['*'] }, res('delete', 'pods'), true],
    ['resource wildcard', { apiGroups: [''], resources: ['*'], verbs: ['get'] }, res('get', 'secrets'), true],
    ['resource wildcard also covers subresources', { apiGroups: [''], resources: ['*'], verbs: ['create'] }, res('create', 'pods', { subresource: 'exec' }), true],
    ['group mismatch', { apiGroups: ['apps'], resources: ['pods'], verbs: ['get'] }, res('get', 'pods'), false],
    ['group wildcard', { apiGroups: ['*'], resources: ['deployments'], verbs: ['get'] }, res('get', 'deployments', { group: 'apps' }), true],
    ['missing apiGroups matches nothing', { resources: ['pods'], verbs: ['get'] }, res('get', 'pods'), false],
    ['resource does not grant its subresource', { apiGroups: [''], resources: ['pods'], verbs: ['create'] }, res('create', 'pods', { subresource: 'portforward' }), false],
    ['subresource does not grant the resource', { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }, res('get', 'pods'), false],
    ['exact subresource', { apiGroups: [''], resources: ['pods/portforward'], verbs: ['create'] }, res('create', 'pods', { subresource: 'portforward' }), true],
    ['*/subresource', { apiGroups: [''], resources: ['*/log'], verbs: ['get'] }, res('get', 'pods', { subresource: 'log' }), true],
    ['*/subresource never grants the resource', { apiGroups: [''], resources: ['*/log'], verbs: ['get'] }, res('get', 'pods'), false],
    ['*/subresource needs the same subresource', { apiGroups: [''], resources: ['*/log'], verbs: ['get'] }, res('get', 'pods', { subresource: 'exec' }), false],
    ['pods/* is not a wildcard', { apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }, res('get', 'pods', { subresource: 'log' }), false],
    ['resourceNames match the named object', { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }, res('get', 'secrets', { name: 'db' }), true],
    ['resourceNames refuse other names', { apiGroups: [''], resources: ['secrets'], verbs: ['get'], resourceNames: ['db'] }, res('get', 'secrets', { name: 'api' }), false],
    ['resourceNames never match unnamed requests', { apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['db'] }, res('list', 'secrets'), false],
    ['nonResourceURLs rule does not grant resources', { nonResourceURLs: ['*'], verbs: ['*'] }, res('get', 'pods'), false],
  ];
  it.each(cases)('%s', (_name, rule, request, expected) => {
    expect(ruleAllows(rule, request)).toBe(expected);
    // the mismatch list is the explanation of the same verdict: empty exactly when allowed
    expect(ruleMismatches(rule, request).length === 0).toBe(expected);
  });
});

describe('non-resource URLs', () => {
  const cases: [string[], string, boolean][] = [
    [['/healthz'], '/healthz', true],
    [['/healthz'], '/healthz/ping', false],
    [['/healthz/*'], '/healthz/ping', true],
    [['/healthz*'], '/healthzzz', true],
    [['/api*'], '/apis/apps', true],
    [['*'], '/metrics', true],
    [['/metrics'], '/metrics/cadvisor', false],
  ];
  it.each(cases)('%j vs %s → %s', (urls, path, expected) => {
    expect(nonResourceURLMatches({ verbs: ['get'], nonResourceURLs: urls }, path)).toBe(expected);
    expect(ruleAllows({ verbs: ['get'], nonResourceURLs: urls }, { kind: 'nonResource', verb: 'get', path })).toBe(expected);
  });

  it('resource rules never grant non-resource URLs', () => {
    const rule = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
    expect(ruleAllows(rule, { kind: 'nonResource', verb: 'get', path: '/healthz' })).toBe(false);
    expect(ruleMismatches(rule, { kind: 'nonResource', verb: 'get', path: '/healthz' })[0].detail).toMatch(/not non-resource URLs/);
  });
});

describe('mismatch explanations', () => {
  it('says which verb is missing', () => {
    const [reason] = ruleMismatches({ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, res('delete', 'pods'));
    expect(reason).toEqual({ dimension: 'verb', detail: 'the rule allows verbs get, list, not "delete"' });
  });

  it('points out the pods/* pitfall', () => {
    const [reason] = ruleMismatches({ apiGroups: [''], resources: ['pods/*'], verbs: ['get'] }, res('get', 'pods', { subresource: 'log' }));
    expect(reason.detail).toContain('does not treat as a wildcard');
    expect(reason.detail).toContain('*/log');
  });

  it('explains resourceNames on a list request', () => {
    const [reason] = ruleMismatches({ apiGroups: [''], resources: ['secrets'], verbs: ['list'], resourceNames: ['db'] }, res('list', 'secrets'));
    expect(reason.dimension).toBe('resourceName');
    expect(reason.detail).toContain('never matches a request without a name');
  });
});

describe('properties', () => {
  const word = fc.constantFrom('get', 'list', 'create', 'pods', 'secrets', 'apps', '', 'log', 'exec', 'a', 'b');
  const ruleArb = fc.record({
    apiGroups: fc.array(fc.oneof(word, fc.constant('*')), { maxLength: 3 }),
    resources: fc.array(fc.oneof(word, fc.constant('*'), fc.constant('*/log'), fc.constant('pods/log')), { maxLength: 3 }),
    verbs: fc.array(fc.oneof(word, fc.constant('*')), { maxLength: 3 }),
    resourceNames: fc.array(word, { maxLength: 2 }),
  });
  const reqArb = fc.record({
    kind: fc.constant('resource' as const),
    verb: word,
    group: word,
    resource: word,
    subresource: fc.option(fc.constantFrom('log', 'exec'), { nil: undefined }),
    name: fc.option(word, { nil: undefined }),
    namespace: fc.constant('ns'),
  });

  it('a rule with every field widened to "*" allows anything another rule allows', () => {
    fc.assert(
      fc.property(ruleArb, reqArb, (rule, request) => {
        const widened = { apiGroups: ['*'], resources: ['*'], verbs: ['*'] };
        return !ruleAllows(rule, request) || ruleAllows(widened, request);
      }),
    );
  });

  it('adding entries to a rule never takes access away', () => {
    fc.assert(
      fc.property(ruleArb, reqArb, word, (rule, request, extra) => {
        const grown = { ...rule, verbs: [...rule.verbs, extra], resources: [...rule.resources, extra], apiGroups: [...rule.apiGroups, extra] };
        return !ruleAllows(rule, request) || ruleAllows(grown, request);
      }),
    );
  });

  it('mismatches are empty exactly when the rule allows', () => {
    fc.assert(fc.property(ruleArb, reqArb, (rule, request) => (ruleMismatches(rule, request).length === 0) === ruleAllows(rule, request)));
  });
});
