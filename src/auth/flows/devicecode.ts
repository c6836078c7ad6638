// Device code sign-in (RFC 8628): Entra's instructions go to stderr — kubectl shows the plugin's
// stderr to the user and reads only stdout — and msal polls until the user has signed in elsewhere.
// While it polls, a status line (terminals only) shows the time left; Ctrl-C ends the wait cleanly.
import type { DeviceCodeRequest } from '@azure/msal-node';
import { startProgress, untilAborted, waitScope, type Progress } from '../progress.js';
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow } from './sign-in.js';

export const deviceCodeSignIn: SignInFlow = async ({ app, request, prompt, env }) => {
  const scope = waitScope('the device code sign-in', request.timeoutMs);
  let progress: Progress | undefined;
  const deviceCodeRequest: DeviceCodeRequest = {
    scopes: request.scopes,
    claims: request.claims,
    timeout: Math.max(1, Math.ceil(request.timeoutMs / 1000)),
    deviceCodeCallback: (response) => {
      prompt(`${response.message}\n`);
      const expires = Date.now() + response.expiresIn * 1000;
      progress = startProgress('Waiting for you to sign in with the code…', Math.min(scope.deadline, expires), { env });
    },
  };
  try {
    const result = await untilAborted(app.acquireTokenByDeviceCode(deviceCodeRequest), scope.signal);
    if (!result) throw new SignInFailedError('device code sign-in was cancelled');
    return result;
  } catch (err) {
    // msal stops polling at its next interval
    deviceCodeRequest.cancel = true;
    throw err;
  } finally {
    progress?.stop();
    scope.dispose();
  }
};
