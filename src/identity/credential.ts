// What kind of credential the kubeconfig user sends, so whoami can say where the claims came from
// (and whether a Graph token can be had from the same account). Reads the user entry only; pure.
import { basename } from 'node:path';

export type CredentialKind = 'exec' | 'token' | 'client-certificate' | 'basic-auth' | 'auth-provider' | 'none';

export interface CredentialSource {
  kind: CredentialKind;
  /** exec: the command as written in the kubeconfig */
  command?: string;
  /** exec: which known helper it is */
  helper?: 'kubectl-np' | 'kubelogin' | 'other';
  /** auth-provider: its name (the legacy `azure` and `oidc` providers) */
  provider?: string;
}

/** The subset of a kubeconfig user entry (client-node's User) this reads. */
export interface KubeconfigUser {
  exec?: { command?: string; args?: string[] | null; env?: { name: string; value: string }[] | null };
  token?: string;
  certData?: string;
  certFile?: string;
  username?: string;
  authProvider?: { name?: string };
}

export function describeCredential(user: KubeconfigUser | null | undefined): CredentialSource {
  if (!user) return { kind: 'none' };
  if (user.exec?.command) {
    const command = user.exec.command;
    const args = user.exec.args ?? [];
    const bin = basename(command).replace(/\.(exe|cmd)$/i, '');
    if (kubectlNpExecOf(user)) return { kind: 'exec', command, helper: 'kubectl-np' };
    if (bin === 'kubelogin' && args[0] === 'get-token') return { kind: 'exec', command, helper: 'kubelogin' };
    return { kind: 'exec', command, helper: 'other' };
  }
  if (user.authProvider?.name) return { kind: 'auth-provider', provider: user.authProvider.name };
  if (user.token) return { kind: 'token' };
  if (user.certData || user.certFile) return { kind: 'client-certificate' };
  if (user.username) return { kind: 'basic-auth' };
  return { kind: 'none' };
}

/**
 * The get-token arguments and environment of a kubectl-np exec entry, to reach the account it caches
 * tokens for. Kept out of CredentialSource (which is printed): exec env may hold anything.
 */
export function kubectlNpExecOf(user: KubeconfigUser | null | undefined): { args: string[]; env: Record<string, string> } | undefined {
  const command = user?.exec?.command;
  if (!command) return undefined;
  const args = user.exec?.args ?? [];
  const bin = basename(command).replace(/\.(exe|cmd)$/i, '');
  const env = Object.fromEntries((user.exec?.env ?? []).map((e) => [e.name, e.value]));
  if (bin === 'kubectl-np' && args[0] === 'get-token') return { args: args.slice(1), env };
  if (bin === 'kubectl' && args[0] === 'np' && args[1] === 'get-token') return { args: args.slice(2), env };
  return undefined;
}
