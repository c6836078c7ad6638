// --login msi: the managed identity of where we run (VM or VM scale set through IMDS, App Service and
// Functions, Azure Arc, Cloud Shell, Service Fabric), through msal-node's ManagedIdentityApplication,
// which picks the source from the environment. System-assigned unless --client-id or
// --identity-resource-id names a user-assigned identity.
import { createManagedIdentityClient } from '../msal/client.js';
import { SignInFailedError } from '../sign-in-errors.js';
import type { SignInFlow } from './sign-in.js';

export const managedIdentitySignIn: SignInFlow = async ({ spec, debug }) => {
  const app = createManagedIdentityClient(spec, { debug });
  const which = spec.app.identityResourceId
    ? `user-assigned identity ${spec.app.identityResourceId}`
    : spec.app.identityClientId
      ? `user-assigned identity with client ID ${spec.app.identityClientId}`
      : 'system-assigned identity';
  debug?.(`msi: ${which}, source ${app.getManagedIdentitySource()}`);
  try {
    const result = await app.acquireToken({ resource: spec.serverId });
    if (!result?.accessToken) throw new SignInFailedError(`the managed identity endpoint returned no token for the ${which}`);
    return result;
  } catch (err) {
    if (err instanceof SignInFailedError) throw err;
    const e = err as { errorCode?: string; errorMessage?: string; message?: string };
    const detail = (e.errorMessage || e.message || e.errorCode || 'unknown error').split(/\r?\n/)[0];
    throw new SignInFailedError(`managed identity sign-in failed for the ${which}: ${detail}`, { cause: err });
  }
};
