// Sign-in code per `--login` mode (metadata in ../login-modes.ts). Loaded only when a sign-in is
// actually needed, so msal-node's flows stay out of the cached path.
import type { SignInFlow } from './sign-in.js';

export type { SignInContext, SignInFlow, SignInRequest, SignInResult } from './sign-in.js';

const FLOWS: Record<string, () => Promise<SignInFlow>> = {
  devicecode: async () => (await import('./devicecode.js')).deviceCodeSignIn,
  interactive: async () => (await import('./interactive.js')).interactiveSignIn,
  spn: async () => (await import('./spn.js')).servicePrincipalSignIn,
  workloadidentity: async () => (await import('./workloadidentity.js')).workloadIdentitySignIn,
  msi: async () => (await import('./msi.js')).managedIdentitySignIn,
  azurecli: async () => (await import('./azurecli.js')).azureCliSignIn,
  azd: async () => (await import('./azd.js')).azureDeveloperCliSignIn,
  ropc: async () => (await import('./ropc.js')).usernamePasswordSignIn,
};

export async function loadSignInFlow(mode: string): Promise<SignInFlow> {
  const load = FLOWS[mode];
  if (!load) throw new Error(`login mode ${mode} has no sign-in flow`);
  return load();
}
