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
    [{ verb: '*', target: '*' }, { kind: 'resource', verb: '*', group: '*', resource: '*', namespace: '' }],
  ])('%j', (input, expected) => expect(parseAccessRequest(input).request).toEqual(expected));

  it('says when it guessed the API group or dropped the namespace', () => {
    expect(parseAccessRequest({ verb: 'get', target: 'widgets', namespace: 'x' }).notes[0]).toContain('not a built-in resource');
    expect(parseAccessRequest({ verb: 'get', target: 'nodes', namespace: 'x' }).notes[0]).toContain('cluster-scoped');
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
