// --login ropc (DISCOURAGED): resource owner password credentials. The password goes to Entra as is:
// no MFA, no Conditional Access, no federated (ADFS) or passwordless accounts, and Microsoft
// recommends against it. It exists for parity with Azure/kubelogin; use spn or workloadidentity for
// automation. msal-node still offers it (deprecated); the refresh token it returns renews silently.
import { UsageError } from '../../errors.js';
import { SignInFailedError } from '../sign-in-errors.js';
import { ENV } from '../token-options.js';
import type { SignInFlow } from './sign-in.js';

export const usernamePasswordSignIn: SignInFlow = async ({ app, spec, request, debug }) => {
  const username = spec.app.username;
  const password = spec.secrets.password();
  if (!username || !password) throw new UsageError(`--login ropc needs a user name (--username, ${ENV.username.join(' or ')}) and a password (${ENV.password.join(' or ')})`);
  debug?.(`ropc (discouraged): signing in as ${username} with a password`);
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- kept for kubelogin parity, documented as discouraged
  const result = await app.acquireTokenByUsernamePassword({ scopes: request.scopes, username, password, claims: request.claims });
  if (!result) throw new SignInFailedError('Entra returned no token for the user name and password');
  return result;
};
