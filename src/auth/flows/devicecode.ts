// Device code sign-in (RFC 8628): Entra's instructions go to stderr — kubectl shows the plugin's
// stderr to the user and reads only stdout — and msal polls until the user has signed in elsewhere.
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow } from './index.js';

export const deviceCodeSignIn: SignInFlow = async ({ app, request, prompt }) => {
  const result = await app.acquireTokenByDeviceCode({
    scopes: request.scopes,
    claims: request.claims,
    timeout: Math.max(1, Math.ceil(request.timeoutMs / 1000)),
    deviceCodeCallback: (response) => prompt(`${response.message}\n`),
  });
  if (!result) throw new SignInFailedError('device code sign-in was cancelled');
  return result;
};
