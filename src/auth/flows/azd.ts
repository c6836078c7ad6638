// --login azd: the token of the signed-in Azure Developer CLI (`azd auth token`), as Azure/kubelogin's
// azd mode. Cached like every token, so azd is started only when the token is due for renewal.
import { execFile } from 'node:child_process';
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow, SignInResult } from './index.js';

export function azdArgs(scope: string, tenantId: string): string[] {
  const args = ['auth', 'token', '--output', 'json', '--no-prompt', '--scope', scope];
  if (tenantId) args.push('--tenant-id', tenantId);
  return args;
}

/** azd's error, one line: its JSON error output or the first line it printed */
function azdError(stdout: string, stderr: string): string {
  for (const text of [stderr, stdout]) {
    try {
      const parsed = JSON.parse(text) as { data?: { message?: unknown } };
      if (typeof parsed?.data?.message === 'string') return parsed.data.message.trim().split(/\r?\n/)[0].replace(/^ERROR:\s*/, '');
    } catch {
      // not JSON
    }
  }
  const line = `${stderr}\n${stdout}`.split(/\r?\n/).map((l) => l.trim()).find(Boolean) ?? 'no error output';
  return line.replace(/^ERROR:\s*/, '');
}

export const azureDeveloperCliSignIn: SignInFlow = async ({ spec, debug, env }) => {
  const args = azdArgs(spec.scopes[0], spec.tenantId);
  debug?.(`azd: azd ${args.join(' ')}`);
  const { stdout, stderr, error } = await new Promise<{ stdout: string; stderr: string; error: NodeJS.ErrnoException | null }>((resolve) => {
    execFile(
      'azd',
      args,
      { env: env ?? process.env, timeout: spec.timeoutMs, maxBuffer: 1 << 20, windowsHide: true, shell: process.platform === 'win32' },
      (err, out, errOut) => resolve({ stdout: String(out), stderr: String(errOut), error: err as NodeJS.ErrnoException | null }),
    );
  });
  if (error) {
    if (error.code === 'ENOENT') {
      throw new SignInFailedError('--login azd needs the Azure Developer CLI, but `azd` is not on PATH; install it (https://aka.ms/azd) or choose another --login mode');
    }
    if ((error as { killed?: boolean }).killed) throw new SignInFailedError(`azd auth token did not answer within ${Math.round(spec.timeoutMs / 1000)}s`);
    const reason = azdError(stdout, stderr);
    if (/azd auth login|not logged in/i.test(`${stdout}\n${stderr}`)) {
      throw new SignInFailedError(`the Azure Developer CLI is not signed in (${reason.replace(/\.$/, '')}); run \`azd auth login\` and try again`);
    }
    throw new SignInFailedError(`azd auth token failed: ${reason}`);
  }
  let token: { token?: unknown; expiresOn?: unknown };
  try {
    token = JSON.parse(stdout) as typeof token;
  } catch {
    throw new SignInFailedError('azd auth token printed something that is not JSON');
  }
  const expiresOn = typeof token.expiresOn === 'string' ? new Date(token.expiresOn) : undefined;
  if (typeof token.token !== 'string' || !token.token || !expiresOn || Number.isNaN(expiresOn.getTime())) {
    throw new SignInFailedError('azd auth token answered without a token or expiry');
  }
  const result: SignInResult = { accessToken: token.token, expiresOn, idToken: '', idTokenClaims: {}, account: null };
  return result;
};
