// --login azd: the token of the signed-in Azure Developer CLI (`azd auth token`), as Azure/kubelogin's
// azd mode. Cached like every token, so azd is started only when the token is due for renewal.
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow, SignInResult } from './sign-in.js';
import { runDeveloperCli, type DeveloperCli } from './developer-cli.js';

const AZURE_DEVELOPER_CLI: DeveloperCli = { command: 'azd', title: 'Azure Developer CLI', mode: 'azd', installUrl: 'https://aka.ms/azd' };

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
  const { stdout, stderr, failed } = await runDeveloperCli(AZURE_DEVELOPER_CLI, args, spec.timeoutMs, env);
  if (failed) {
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
