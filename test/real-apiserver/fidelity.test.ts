// The facts the test double copies (test/support/fidelity-cases.ts), checked on a real kube-apiserver
// with the authenticators the double has: client certificates, static tokens and OIDC (the Entra emulator).
import { join } from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { AKS_SERVER_ID, startEntraEmulator, type EntraEmulator } from '../support/entra-emulator/index.js';
import { FIDELITY_OIDC, FIDELITY_TOKENS, fidelityCases, fidelityObjects, type FidelityServer } from '../support/fidelity-cases.js';
import { fidelityServer, rawResult } from '../support/fidelity-server.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';

let emu: EntraEmulator;
let server: RealApiServer;
let fidelity: FidelityServer;
beforeAll(async () => {
  emu = await startEntraEmulator({ users: [] });
  server = await startRealApiServer({ oidc: { issuerUrl: emu.issuer(), clientId: AKS_SERVER_ID, caFile: emu.caFile, ...FIDELITY_OIDC }, staticTokens: FIDELITY_TOKENS });
  fidelity = fidelityServer(server, async (path) => rawResult(await server.kubectl(['get', '--raw', path])), emu);
  await server.apply(fidelityObjects);
  // the aggregation controller works asynchronously
  await server.eventually('aggregation of fidelity-agg-full', async () => {
    const r = await server.kubectl(['get', 'clusterrole', 'fidelity-agg-full', '-o', 'jsonpath={.rules[*].resources}']);
    return r.stdout.includes('services') ? true : undefined;
  });
  // so does the OIDC authenticator's first read of the issuer's discovery
  const probe = join(server.dir, 'oidc-probe.kubeconfig');
  server.writeKubeconfig(probe, { user: { token: fidelity.oidcToken({ upn: 'probe@contoso.example' }) } });
  await server.eventually('the OIDC authenticator', async () => ((await server.kubectl(['--kubeconfig', probe, 'auth', 'whoami'])).code === 0 ? true : undefined));
});
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

describe('a real kube-apiserver', () => {
  for (const c of fidelityCases) {
    it(c.name, async () => {
      await c.check(fidelity);
    });
  }
});
