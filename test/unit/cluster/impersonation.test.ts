import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeExtraKey, impersonationHeaders, mergeImpersonation, readKubeconfigImpersonation } from '../../../src/cluster/impersonation.js';
import { UsageError } from '../../../src/errors.js';

describe('impersonation as kubectl sends it', () => {
  it('reads as, as-uid, as-groups and as-user-extra from the first kubeconfig file that defines the user', () => {
    const dir = mkdtempSync(join(tmpdir(), 'np-imp-'));
    const first = join(dir, 'a.yaml');
    const second = join(dir, 'b.yaml');
    writeFileSync(first, 'users:\n- name: other\n  user: {token: x}\n- name: me\n  user:\n    token: t\n    as: jane\n    as-uid: "42"\n    as-groups: [ops, dev]\n    as-user-extra:\n      scopes: [a, b]\n');
    writeFileSync(second, 'users:\n- name: me\n  user: {as: someone-else}\n');
    expect(readKubeconfigImpersonation([first, second], 'me')).toEqual({ user: 'jane', uid: '42', groups: ['ops', 'dev'], extra: { scopes: ['a', 'b'] } });
    expect(readKubeconfigImpersonation([first, second], 'other')).toBeUndefined();
  });

  it('lets each flag replace only its own kubeconfig field', () => {
    const fromFile = { user: 'jane', groups: ['ops'], uid: '42' };
    expect(mergeImpersonation(fromFile, { as: 'bob' })).toEqual({ user: 'bob', groups: ['ops'], uid: '42', source: 'flags and kubeconfig' });
    expect(mergeImpersonation(fromFile, { asGroups: ['dev', 'qa'] })).toMatchObject({ user: 'jane', groups: ['dev', 'qa'] });
    expect(mergeImpersonation(undefined, { as: 'bob' })).toEqual({ user: 'bob', source: 'flags' });
    expect(mergeImpersonation(fromFile)).toMatchObject({ source: 'kubeconfig' });
    expect(mergeImpersonation(undefined, {})).toBeUndefined();
  });

  it('refuses groups or a uid without a user to impersonate, as kubectl does', () => {
    expect(() => mergeImpersonation(undefined, { asGroups: ['ops'] })).toThrow(UsageError);
    expect(() => mergeImpersonation(undefined, { asGroups: ['ops'] })).toThrow('impersonating groups ops needs a user to impersonate: add --as USER');
  });

  it('sends one Impersonate-Group line per group and escapes extra keys like client-go', () => {
    expect(impersonationHeaders({ user: 'jane', uid: '42', groups: ['ops', 'dev'], extra: { 'example.com/scopes': ['a', 'b'] } })).toEqual({
      'Impersonate-User': 'jane',
      'Impersonate-Uid': '42',
      'Impersonate-Group': ['ops', 'dev'],
      'Impersonate-Extra-example.com%2Fscopes': ['a', 'b'],
    });
    expect(escapeExtraKey('a%b:c')).toBe('a%25b%3Ac');
    expect(impersonationHeaders(undefined)).toEqual({});
  });
});
