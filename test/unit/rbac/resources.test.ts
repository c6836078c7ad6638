import { describe, expect, it } from 'vitest';
import { describeRequest, parseAccessRequest } from '../../../src/rbac/resources.js';
import { UsageError } from '../../../src/errors.js';

describe('parseAccessRequest', () => {
  it.each([
    [{ verb: 'get', target: 'pods', namespace: 'x' }, { kind: 'resource', verb: 'get', group: '', resource: 'pods', namespace: 'x' }],
    [{ verb: 'get', target: 'po/web', namespace: 'x' }, { kind: 'resource', verb: 'get', group: '', resource: 'pods', namespace: 'x', name: 'web' }],
    [{ verb: 'delete', target: 'deploy', namespace: 'x' }, { kind: 'resource', verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'x' }],
    [{ verb: 'get', target: 'deployments.apps/web', namespace: 'x' }, { kind: 'resource', verb: 'get', group: 'apps', resource: 'deployments', namespace: 'x', name: 'web' }],
    [{ verb: 'get', target: 'deployments.v1.apps', namespace: 'x' }, { kind: 'resource', verb: 'get', group: 'apps', resource: 'deployments', namespace: 'x' }],
    [{ verb: 'list', target: 'widgets.example.com', namespace: 'x' }, { kind: 'resource', verb: 'list', group: 'example.com', resource: 'widgets', namespace: 'x' }],
    [{ verb: 'create', target: 'pods/web', namespace: 'x', subresource: 'portforward' }, { kind: 'resource', verb: 'create', group: '', resource: 'pods', namespace: 'x', name: 'web', subresource: 'portforward' }],
    [{ verb: 'list', target: 'nodes', namespace: 'x' }, { kind: 'resource', verb: 'list', group: '', resource: 'nodes', namespace: '' }],
    [{ verb: 'get', target: '/healthz' }, { kind: 'nonResource', verb: 'get', path: '/healthz' }],
    // what `kubectl auth can-i '*' '*'` asks: resource * of the core group
    [{ verb: '*', target: '*' }, { kind: 'resource', verb: '*', group: '', resource: '*', namespace: '' }],
    [{ verb: 'get', target: '*', namespace: 'x' }, { kind: 'resource', verb: 'get', group: '', resource: '*', namespace: 'x' }],
    [{ verb: 'get', target: 'runtimeclasses', namespace: 'x' }, { kind: 'resource', verb: 'get', group: 'node.k8s.io', resource: 'runtimeclasses', namespace: '' }],
    [{ verb: 'list', target: 'events', namespace: 'x' }, { kind: 'resource', verb: 'list', group: '', resource: 'events', namespace: 'x' }],
    [{ verb: 'list', target: 'events.events.k8s.io', namespace: 'x' }, { kind: 'resource', verb: 'list', group: 'events.k8s.io', resource: 'events', namespace: 'x' }],
    [{ verb: 'delete', target: 'apiservices', namespace: 'x' }, { kind: 'resource', verb: 'delete', group: 'apiregistration.k8s.io', resource: 'apiservices', namespace: '' }],
  ])('%j', (input, expected) => expect(parseAccessRequest(input).request).toEqual(expected));

  it('says when it guessed the API group or dropped the namespace', () => {
    expect(parseAccessRequest({ verb: 'get', target: 'widgets', namespace: 'x' }).notes[0]).toContain('has no resource type "widgets"; assuming the core API group');
    expect(parseAccessRequest({ verb: 'get', target: 'widgets', namespace: 'x' }, [], 'discovery').notes[0]).toContain('the server does not have a resource type "widgets"');
    expect(parseAccessRequest({ verb: 'get', target: 'nodes', namespace: 'x' }).notes[0]).toContain('cluster-scoped');
  });

  describe('over the server\'s resource types (discovery)', () => {
    const discovered = [
      { resource: 'pods', group: '', namespaced: true, aliases: ['pod', 'po'] },
      { resource: 'widgets', group: 'example.com', namespaced: false, aliases: ['widget', 'wd'] },
      { resource: 'gadgets', group: 'example.com', namespaced: true, aliases: ['gadget'] },
      { resource: 'gadgets', group: 'other.example', namespaced: true, aliases: ['gadget'] },
    ];
    it.each([
      // a CRD by plural, singular or short name, in its group; cluster-scoped drops the namespace
      [{ verb: 'delete', target: 'widgets', namespace: 'x' }, { group: 'example.com', resource: 'widgets', namespace: '' }],
      [{ verb: 'delete', target: 'wd/w1', namespace: 'x' }, { group: 'example.com', resource: 'widgets', namespace: '', name: 'w1' }],
      // two groups serve the name: the first in discovery order, unless the group is written
      [{ verb: 'get', target: 'gadget', namespace: 'x' }, { group: 'example.com', resource: 'gadgets', namespace: 'x' }],
      [{ verb: 'get', target: 'gadgets.other.example', namespace: 'x' }, { group: 'other.example', resource: 'gadgets', namespace: 'x' }],
      [{ verb: 'get', target: 'gadgets.v1.other.example', namespace: 'x' }, { group: 'other.example', resource: 'gadgets', namespace: 'x' }],
    ])('%j', (input, expected) => expect(parseAccessRequest(input, discovered, 'discovery').request).toMatchObject(expected));

    it('knows only what the server serves: deployments are unknown to a server without apps', () => {
      const parsed = parseAccessRequest({ verb: 'get', target: 'deploy', namespace: 'x' }, discovered, 'discovery');
      expect(parsed.request).toMatchObject({ group: '', resource: 'deploy' });
      expect(parsed.notes[0]).toContain('the server does not have a resource type "deploy"');
    });
  });

  it.each([
    { verb: 'get', target: '' },
    { verb: 'get', target: 'pods/a/log' },
    { verb: 'get', target: 'pods/' },
    { verb: 'get now', target: 'pods' },
    { verb: 'get', target: '/healthz', subresource: 'x' },
  ])('rejects %j as bad input', (input) => {
    expect(() => parseAccessRequest(input)).toThrow(UsageError);
  });

  it('describes a request the way a person would say it', () => {
    expect(describeRequest(parseAccessRequest({ verb: 'create', target: 'pods/web', namespace: 'shop', subresource: 'portforward' }).request)).toBe(
      'create pods/portforward "web" in namespace shop',
    );
    expect(describeRequest(parseAccessRequest({ verb: 'get', target: 'deploy', namespace: 'shop' }).request)).toBe('get deployments.apps in namespace shop');
  });
});

describe('unknown verbs and resources', () => {
  it('warns about a typo verb with the nearest known one, for resources and URLs alike', () => {
    expect(parseAccessRequest({ verb: 'lsit', target: 'pods' }).warnings).toEqual(['unknown verb "lsit" (did you mean list?): only a rule with verbs ["*"] allows it']);
    expect(parseAccessRequest({ verb: 'gett', target: '/healthz' }).warnings).toEqual(['unknown verb "gett" (did you mean get?): only a rule with verbs ["*"] allows it']);
    expect(parseAccessRequest({ verb: 'frobnicate', target: 'pods' }).warnings).toEqual(['unknown verb "frobnicate": only a rule with verbs ["*"] allows it']);
    expect(parseAccessRequest({ verb: 'impersonate', target: 'users' }).warnings).toEqual([]);
    expect(parseAccessRequest({ verb: '*', target: 'pods' }).warnings).toEqual([]);
  });

  it('suggests the built-in resource a typo was meant to be', () => {
    expect(parseAccessRequest({ verb: 'get', target: 'podz' }).warnings).toEqual(['unknown resource "podz" (did you mean pods?)']);
    expect(parseAccessRequest({ verb: 'get', target: 'deploymnts' }).warnings).toEqual(['unknown resource "deploymnts" (did you mean deployments.apps?)']);
    expect(parseAccessRequest({ verb: 'get', target: 'widgets.example.com' }).warnings).toEqual([]);
  });
});
