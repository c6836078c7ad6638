// oclif flag definitions for the token options (get-token, login, logout). The names match
// exec-args.ts, which parses the same flags without oclif for the fast path. Only commands import this.
import { Flags } from '@oclif/core';
import { loginModeNames } from './login-modes.js';
import { DEFAULT_TIMEOUT, ENVIRONMENTS, STORAGE_MODES, TOKEN_TYPES, type RawTokenOptions } from './token-options.js';

export const tokenFlags = {
  login: Flags.string({ char: 'l', description: 'how to sign in', options: loginModeNames() }),
  'tenant-id': Flags.string({ char: 't', description: 'Entra tenant ID of the cluster' }),
  'client-id': Flags.string({ description: 'Entra application (client) ID to sign in with (default: the Azure Kubernetes Service client)' }),
  'server-id': Flags.string({ description: 'Entra application ID of the cluster API server (default: the AKS server application)' }),
  environment: Flags.string({ char: 'e', description: `Azure cloud: ${Object.keys(ENVIRONMENTS).join(', ')} (default: AzurePublicCloud)` }),
  'authority-host': Flags.string({ description: 'sign-in host, overriding --environment (e.g. https://login.microsoftonline.com)' }),
  'token-cache-storage': Flags.string({ description: 'where tokens are cached (default: keychain)', options: [...STORAGE_MODES] }),
  'cache-dir': Flags.string({ description: 'token cache directory (default: ~/.kube/cache/kubectl-np)', aliases: ['token-cache-dir'] }),
  timeout: Flags.string({ description: `how long to wait for sign-in and for other kubectl-np processes, e.g. 90s or 5m (default: ${DEFAULT_TIMEOUT})` }),
  'token-type': Flags.string({ description: 'access: an access token for the server application; id: the ID token, for clusters that trust Entra as an OIDC issuer (default: access)', options: [...TOKEN_TYPES] }),
};

type TokenFlagValues = { [K in keyof typeof tokenFlags]?: string };

export function rawTokenOptions(flags: TokenFlagValues): RawTokenOptions {
  const raw: RawTokenOptions = {};
  for (const key of Object.keys(tokenFlags) as (keyof typeof tokenFlags)[]) {
    const value = flags[key];
    if (value !== undefined) raw[key] = value;
  }
  return raw;
}
