import { describe, expect, it } from 'vitest';
import { describeCredential, kubectlNpExecOf } from '../../../src/identity/credential.js';

describe('describeCredential', () => {
  it.each([
    [{ exec: { command: 'kubectl-np', args: ['get-token', '--tenant-id', 't'] } }, { kind: 'exec', command: 'kubectl-np', helper: 'kubectl-np' }],
    [{ exec: { command: '/usr/local/bin/kubectl', args: ['np', 'get-token'] } }, { kind: 'exec', command: '/usr/local/bin/kubectl', helper: 'kubectl-np' }],
    [{ exec: { command: 'kubelogin', args: ['get-token', '--login', 'azurecli'] } }, { kind: 'exec', command: 'kubelogin', helper: 'kubelogin' }],
    [{ exec: { command: 'aws', args: ['eks', 'get-token'] } }, { kind: 'exec', command: 'aws', helper: 'other' }],
    [{ authProvider: { name: 'azure' } }, { kind: 'auth-provider', provider: 'azure' }],
    [{ token: 'x' }, { kind: 'token' }],
    [{ certFile: '/c.pem' }, { kind: 'client-certificate' }],
    [{ username: 'u' }, { kind: 'basic-auth' }],
    [{}, { kind: 'none' }],
  ])('%j', (user, expected) => expect(describeCredential(user)).toEqual(expected));

  it('keeps exec args and env out of the printable description', () => {
    const user = { exec: { command: 'kubectl-np', args: ['get-token', '--tenant-id', 't'], env: [{ name: 'SECRETISH', value: 'v' }] } };
    expect(JSON.stringify(describeCredential(user))).not.toContain('SECRETISH');
    expect(kubectlNpExecOf(user)).toEqual({ args: ['--tenant-id', 't'], env: { SECRETISH: 'v' } });
    expect(kubectlNpExecOf({ exec: { command: 'kubelogin', args: ['get-token'] } })).toBeUndefined();
  });
});
