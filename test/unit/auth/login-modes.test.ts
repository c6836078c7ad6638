import { describe, it, expect } from 'vitest';
import { LOGIN_MODES, loginModeNames } from '../../../src/auth/login-modes.js';
import { loadSignInFlow } from '../../../src/auth/flows/index.js';

describe('login modes', () => {
  it('are Azure/kubelogin\'s modes, each with a sign-in flow', async () => {
    expect(loginModeNames().sort()).toEqual(['azd', 'azurecli', 'devicecode', 'interactive', 'msi', 'ropc', 'spn', 'workloadidentity']);
    for (const name of loginModeNames()) expect(typeof (await loadSignInFlow(name))).toBe('function');
    await expect(loadSignInFlow('manual_token')).rejects.toThrow(/has no sign-in flow/);
  });

  it('only device code and browser need a person; only public clients keep a refresh token and an ID token', () => {
    const needsUser = loginModeNames().filter((n) => LOGIN_MODES[n].needsUser);
    expect(needsUser).toEqual(['devicecode', 'interactive']);
    const publicClients = loginModeNames().filter((n) => LOGIN_MODES[n].client === 'public');
    expect(publicClients).toEqual(['devicecode', 'interactive', 'ropc']);
    expect(loginModeNames().filter((n) => LOGIN_MODES[n].idToken)).toEqual(publicClients);
  });

  it('people share one cache family; a service principal is the same app whether it shows a secret or a federated token', () => {
    expect(LOGIN_MODES.devicecode.cacheFamily).toBe(LOGIN_MODES.interactive.cacheFamily);
    expect(LOGIN_MODES.spn.cacheFamily).toBe(LOGIN_MODES.workloadidentity.cacheFamily);
    const families = new Set(['devicecode', 'spn', 'msi', 'azurecli', 'azd', 'ropc'].map((n) => LOGIN_MODES[n].cacheFamily));
    expect(families.size).toBe(6);
  });
});
