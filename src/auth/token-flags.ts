// oclif flag definitions for the token options (get-token, login, logout). The names match
// exec-args.ts, which parses the same flags without oclif for the fast path. Only commands import this.
import { Flags } from '@oclif/core';
import { loginModeNames } from './login-modes.js';
import { DEFAULT_TIMEOUT, ENVIRONMENTS, ENVIRONMENT_ALIASES, STORAGE_MODES, TOKEN_TYPES, type RawTokenOptions } from './token-options.js';

export const tokenFlags = {
  login: Flags.string({ char: 'l', description: 'how to sign in (AAD_LOGIN_METHOD, when set, wins, as in Azure/kubelogin)', options: loginModeNames() }),
  'tenant-id': Flags.string({ char: 't', description: 'Entra tenant ID of the cluster (spn/workloadidentity/ropc: AZURE_TENANT_ID wins; msi and azurecli need none)' }),
  'client-id': Flags.string({ description: 'Entra application (client) ID to sign in with (default: the Azure Kubernetes Service client); spn/workloadidentity: the service principal; msi: a user-assigned identity. AZURE_CLIENT_ID wins in those modes' }),
  'server-id': Flags.string({ description: 'Entra application ID of the cluster API server (default: the AKS server application)' }),
  environment: Flags.string({ char: 'e', description: `Azure cloud: ${Object.keys(ENVIRONMENTS).join(', ')} (also ${Object.keys(ENVIRONMENT_ALIASES).join(', ')}; any case; default: AzurePublicCloud)` }),
  'authority-host': Flags.string({ description: 'sign-in host, overriding --environment (e.g. https://login.microsoftonline.com)' }),
  'token-cache-storage': Flags.string({ description: 'where tokens are cached (default: keychain)', options: [...STORAGE_MODES] }),
  'cache-dir': Flags.string({ description: 'token cache directory (default: ~/.kube/cache/kubectl-np)', aliases: ['token-cache-dir'] }),
  timeout: Flags.string({ description: `how long to wait for sign-in and for other kubectl-np processes, e.g. 90s or 5m (default: ${DEFAULT_TIMEOUT})` }),
  'token-type': Flags.string({ description: 'access: an access token for the server application; id: the ID token, for clusters that trust Entra as an OIDC issuer (default: access)', options: [...TOKEN_TYPES] }),
  'listen-address': Flags.string({ description: 'interactive: loopback address for the sign-in redirect, e.g. 127.0.0.1:8400 (default: 127.0.0.1 on a random port)', helpGroup: 'BROWSER' }),
  'redirect-url': Flags.string({ description: 'interactive: redirect URL registered for the client, e.g. http://localhost:8400 (default: derived from --listen-address)', helpGroup: 'BROWSER' }),
  'browser-command': Flags.string({ description: 'interactive: command that opens the sign-in URL (the URL is its last argument)', helpGroup: 'BROWSER' }),
  'skip-open-browser': Flags.boolean({ description: 'interactive: print the sign-in URL on stderr instead of opening a browser', helpGroup: 'BROWSER' }),
  'login-hint': Flags.string({ description: 'account to pre-fill on the sign-in page (user@example.com)', helpGroup: 'BROWSER' }),
  'client-secret': Flags.string({ description: 'spn: client secret (prefer AAD_SERVICE_PRINCIPAL_CLIENT_SECRET or AZURE_CLIENT_SECRET: flags end up in kubeconfigs and process lists)', helpGroup: 'NON-INTERACTIVE' }),
  'client-certificate': Flags.string({ description: 'spn: client certificate file, PEM or PFX (or AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE, AZURE_CLIENT_CERTIFICATE_PATH)', helpGroup: 'NON-INTERACTIVE' }),
  'client-certificate-password': Flags.string({ description: 'spn: password of a PFX client certificate (prefer AAD_SERVICE_PRINCIPAL_CLIENT_CERTIFICATE_PASSWORD)', helpGroup: 'NON-INTERACTIVE' }),
  'identity-resource-id': Flags.string({ description: 'msi: resource ID of a user-assigned managed identity (or --client-id; neither: system-assigned)', helpGroup: 'NON-INTERACTIVE' }),
  'federated-token-file': Flags.string({ description: 'workloadidentity: file holding the federated token (AZURE_FEDERATED_TOKEN_FILE wins; GitHub Actions OIDC when neither)', helpGroup: 'NON-INTERACTIVE' }),
  username: Flags.string({ description: 'ropc (discouraged): user name (or AAD_USER_PRINCIPAL_NAME, AZURE_USERNAME)', helpGroup: 'NON-INTERACTIVE' }),
  password: Flags.string({ description: 'ropc (discouraged): password (prefer AAD_USER_PRINCIPAL_PASSWORD or AZURE_PASSWORD)', helpGroup: 'NON-INTERACTIVE' }),
  'use-azurerm-env-vars': Flags.boolean({ description: 'spn: read Terraform\'s ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_CLIENT_CERTIFICATE_PATH, ARM_CLIENT_CERTIFICATE_PASSWORD, ARM_TENANT_ID', helpGroup: 'NON-INTERACTIVE' }),
  'disable-environment-override': Flags.boolean({ description: 'ignore AAD_LOGIN_METHOD, AZURE_CLIENT_ID and the other environment variables; use only the flags', helpGroup: 'NON-INTERACTIVE' }),
  'disable-instance-discovery': Flags.boolean({ description: 'trust --authority-host as given, without asking Microsoft about it (ADFS, private clouds)' }),
  'pop-enabled': Flags.boolean({ description: 'proof-of-possession tokens (Azure Arc-enabled clusters): interactive, devicecode and spn; needs --pop-claims', helpGroup: 'POP' }),
  'pop-claims': Flags.string({ description: 'claims of the PoP token: u=<ARM ID of the cluster>[,key=value…], as Azure/kubelogin takes them', helpGroup: 'POP' }),
};

/**
 * The token flags that say which cache a sign-in lives in (what its cache key and directory are made
 * of): all `logout` needs. Browser, secret and timeout flags change how one signs in, not where tokens are.
 */
export const cacheSelectionFlags = {
  login: tokenFlags.login,
  'tenant-id': tokenFlags['tenant-id'],
  'client-id': tokenFlags['client-id'],
  'server-id': tokenFlags['server-id'],
  environment: tokenFlags.environment,
  'authority-host': tokenFlags['authority-host'],
  'token-cache-storage': tokenFlags['token-cache-storage'],
  'cache-dir': tokenFlags['cache-dir'],
  // part of the cache key of --login ropc and msi
  username: Flags.string({ description: 'ropc: the user name whose cached tokens to forget' }),
  'identity-resource-id': Flags.string({ description: 'msi: the user-assigned identity whose cached tokens to forget' }),
  // PoP tokens are cached apart from bearer tokens
  'pop-enabled': tokenFlags['pop-enabled'],
  'pop-claims': tokenFlags['pop-claims'],
};

type TokenFlagValues = { [K in keyof typeof tokenFlags]?: string | boolean };

export function rawTokenOptions(flags: TokenFlagValues): RawTokenOptions {
  const raw: RawTokenOptions = {};
  for (const key of Object.keys(tokenFlags) as (keyof typeof tokenFlags)[]) {
    const value = flags[key];
    if (typeof value === 'string') raw[key] = value;
    else if (value === true) raw[key] = 'true';
  }
  return raw;
}
