// Browser sign-in: authorization code + PKCE (S256) with a loopback redirect (RFC 8252).
//
// msal-node builds the authorization URL (getAuthCodeUrl) and redeems the code (acquireTokenByCode),
// so the token request, its cache and its errors are msal's. The loopback listener is ours: msal-node
// 7.2.1's acquireTokenInteractive takes no custom loopback client (only a preferred port), rejects a
// redirect URI outside the broker, accepts only form_post, drops the `claims` of an error response and
// cannot be cancelled — and --listen-address, --redirect-url and a clean Ctrl-C need all of those.
//
// Where no browser can open (SSH without a display, a container, no opener on PATH) it falls back to
// the device code and says why on stderr.
import { randomBytes } from 'node:crypto';
import { CryptoProvider, type AuthenticationResult } from '@azure/msal-node';
import { browserPlan } from '../browser/launcher.js';
import { startLoopback, type AuthorizationResponse } from '../browser/loopback.js';
import { openInBrowser } from '../browser/open.js';
import { SignInCancelledError, startProgress, untilAborted, waitScope, type Progress } from '../progress.js';
import { deviceCodeSignIn } from './devicecode.js';
import type { SignInFlow } from './sign-in.js';

/** Shaped like msal's ServerError / InteractionRequiredAuthError, so classifySignInError reads it the same way. */
export class AuthorizeResponseError extends Error {
  readonly errorCode: string;
  readonly errorMessage: string;
  readonly subError?: string;
  readonly claims?: string;
  constructor(response: AuthorizationResponse) {
    const code = response.error ?? 'no_code';
    const description = response.error_description ?? (response.error ? '' : 'the sign-in response carried neither a code nor an error');
    super(`${code}: ${description}`);
    this.name = code === 'interaction_required' || code === 'login_required' || code === 'consent_required' ? 'InteractionRequiredAuthError' : 'ServerError';
    this.errorCode = code;
    this.errorMessage = description;
    this.subError = response.suberror;
    this.claims = response.claims;
  }
}

const firstLine = (s: string) => s.split(/\r?\n/)[0];

export const interactiveSignIn: SignInFlow = async (ctx) => {
  const { app, spec, request, prompt, debug, env } = ctx;
  const plan = browserPlan(spec.browser, env);
  if (plan.mode === 'devicecode') {
    prompt(`No browser can be opened here (${plan.reason}): signing in with a device code instead. (--browser-command names a browser; --skip-open-browser prints the sign-in address.)\n`);
    return deviceCodeSignIn(ctx);
  }

  const scope = waitScope('the browser sign-in', request.timeoutMs);
  let progress: Progress | undefined;
  const state = randomBytes(24).toString('base64url');
  const nonce = randomBytes(24).toString('base64url');
  const loopback = await startLoopback({ listenAddress: spec.browser.listenAddress, redirectUrl: spec.browser.redirectUrl, state }).catch((err: unknown) => {
    scope.dispose();
    throw err;
  });
  try {
    const pkce = await new CryptoProvider().generatePkceCodes();
    // --login-hint (or the account picked in `kubectl np login`) first, then the cached account
    const loginHint = spec.loginHint ?? request.loginHint;
    const authorizeUrl = await app.getAuthCodeUrl({
      scopes: request.scopes,
      redirectUri: loopback.redirectUri,
      responseMode: 'form_post',
      codeChallenge: pkce.challenge,
      codeChallengeMethod: 'S256',
      state,
      nonce,
      loginHint,
      claims: request.claims,
      ...(request.selectAccount && !spec.loginHint ? { prompt: 'select_account' } : {}),
    });
    // The browser gets a one-time local address that redirects to the authorization URL, never the URL
    // itself: a launcher's argv (and a browser's) is readable by every local user, the one-time address
    // is spent once the browser has followed it. It is also short enough to type.
    const start = loopback.startUrlFor(authorizeUrl);
    debug?.(`authorization request: ${authorizeUrl}`);
    debug?.(`listening on ${loopback.address} for the redirect to ${loopback.redirectUri}`);
    if (plan.mode === 'open') {
      prompt(`Opening the sign-in page in ${plan.launcher.label}. If no browser opens, visit ${start}\n`);
      void openInBrowser(plan.launcher, start, debug).failure.then((reason) => {
        const text = `Could not open a browser (${reason}). Open ${start} in a browser on this machine.`;
        if (progress) progress.note(text);
        else prompt(`${text}\n`);
      });
    } else {
      prompt(`To sign in, open ${start} in a browser on this machine.\n`);
    }
    progress = startProgress('Waiting for you to sign in in the browser…', scope.deadline, { env });
    const response = await loopback.response(scope.signal);
    progress.stop();
    debug?.(`authorization response received by ${response.via}`);
    if (response.error || !response.code) throw new AuthorizeResponseError(response);

    const result: AuthenticationResult = await untilAborted(
      app.acquireTokenByCode({ code: response.code, codeVerifier: pkce.verifier, redirectUri: loopback.redirectUri, scopes: request.scopes, claims: request.claims, nonce }),
      scope.signal,
    );
    const who = result.account?.username ? ` as ${result.account.username}` : '';
    await loopback.finish({ ok: true, message: `You are signed in${who}. You can close this tab and return to the terminal.` });
    return result;
  } catch (err) {
    const e = err as { errorMessage?: string; message?: string };
    const cancelled = scope.signal.aborted;
    await loopback.finish({
      ok: false,
      message: !cancelled
        ? `Sign-in did not complete: ${firstLine(e.errorMessage || e.message || String(err))}`
        : scope.signal.reason instanceof SignInCancelledError ? 'Sign-in was cancelled in the terminal.' : 'Sign-in took too long and was given up in the terminal.',
    });
    throw err;
  } finally {
    progress?.stop();
    scope.dispose();
    loopback.close();
  }
};
