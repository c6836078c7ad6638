// --login azurecli: the token of the signed-in Azure CLI (`az account get-access-token`). The answer
// is cached like any other token, so kubectl does not start az (a Python program, slow to start) on
// every call; az renews its own tokens when we ask again after expiry.
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow, SignInResult } from './sign-in.js';
import { runDeveloperCli, type DeveloperCli } from './developer-cli.js';

const AZURE_CLI: DeveloperCli = { command: 'az', title: 'Azure CLI', mode: 'azurecli', installUrl: 'https://aka.ms/azure-cli' };

interface AzToken {
  accessToken?: unknown;
  /** epoch seconds (az ≥ 2.54) */
  expires_on?: unknown;
  /** local time "2026-12-01 19:50:00.000000" (older az) */
  expiresOn?: unknown;
}

function expiryOf(token: AzToken): Date | undefined {
  if (typeof token.expires_on === 'number' || (typeof token.expires_on === 'string' && /^\d+$/.test(token.expires_on))) {
    return new Date(Number(token.expires_on) * 1000);
  }
  if (typeof token.expiresOn === 'string') {
    const local = new Date(token.expiresOn.trim().replace(' ', 'T').replace(/(\.\d{3})\d*$/, '$1'));
    if (!Number.isNaN(local.getTime())) return local;
  }
  return undefined;
}

/** The one line worth showing from az's stderr ("ERROR: …"), without az's advice boilerplate. */
function azError(stderr: string): string {
  const lines = stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  const line = lines.find((l) => l.startsWith('ERROR:')) ?? lines[0] ?? 'no error output';
  return line.replace(/^ERROR:\s*/, '');
}

export function azureCliArgs(resource: string, tenantId: string): string[] {
  const args = ['account', 'get-access-token', '--resource', resource, '--output', 'json'];
  if (tenantId) args.push('--tenant', tenantId);
  return args;
}

export const azureCliSignIn: SignInFlow = async ({ spec, debug, env }) => {
  const args = azureCliArgs(spec.serverId, spec.tenantId);
  debug?.(`azurecli: az ${args.join(' ')}`);
  const { stdout, stderr, failed } = await runDeveloperCli(AZURE_CLI, args, spec.timeoutMs, env);
  if (failed) {
    const reason = azError(stderr);
    if (/az login|not logged in|no subscription found|refresh token.*expired|AADSTS(50173|70043|700082)/i.test(stderr)) {
      throw new SignInFailedError(`the Azure CLI is not signed in (${reason.replace(/\.$/, '')}); run \`az login\` and try again`);
    }
    throw new SignInFailedError(`az account get-access-token failed: ${reason}`);
  }
  let token: AzToken;
  try {
    token = JSON.parse(stdout) as AzToken;
  } catch {
    throw new SignInFailedError('az account get-access-token printed something that is not JSON');
  }
  const expiresOn = expiryOf(token);
  if (typeof token.accessToken !== 'string' || !token.accessToken || !expiresOn) {
    throw new SignInFailedError('az account get-access-token answered without an access token or expiry');
  }
  const result: SignInResult = { accessToken: token.accessToken, expiresOn, idToken: '', idTokenClaims: {}, account: null };
  return result;
};
