// --login azurecli: the token of the signed-in Azure CLI (`az account get-access-token`). The answer
// is cached like any other token, so kubectl does not start az (a Python program, slow to start) on
// every call; az renews its own tokens when we ask again after expiry.
import { execFile } from 'node:child_process';
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow, SignInResult } from './index.js';

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
  const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: NodeJS.ErrnoException | null }>((resolve) => {
    execFile(
      'az',
      args,
      { env: env ?? process.env, timeout: spec.timeoutMs, maxBuffer: 1 << 20, windowsHide: true, shell: process.platform === 'win32' },
      (err, out, errOut) => resolve({ stdout: String(out), stderr: String(errOut), error: err as NodeJS.ErrnoException | null }),
    );
  });
  if (error) {
    if (error.code === 'ENOENT') {
      throw new SignInFailedError('--login azurecli needs the Azure CLI, but `az` is not on PATH; install it (https://aka.ms/azure-cli) or choose another --login mode');
    }
    if ((error as { killed?: boolean }).killed) throw new SignInFailedError(`az account get-access-token did not answer within ${Math.round(spec.timeoutMs / 1000)}s`);
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
