// The test double serves objects the way a real kube-apiserver does: the same cases that
// test/real-apiserver/fidelity.test.ts checks on the real server (null lists, defaulting, aggregation,
// limit/continue, what SelfSubjectReview says for each kind of credential), so tests written against the
// double see what users see.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startEntraEmulator, AKS_SERVER_ID, type EntraEmulator } from '../support/entra-emulator/index.js';
import { FIDELITY_OIDC, FIDELITY_TOKENS, fidelityCases, fidelityObjects, type FidelityServer } from '../support/fidelity-cases.js';
import { fidelityServer } from '../support/fidelity-server.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';

const ADMIN = 'fidelity-admin-token';
// the double has no kubectl apply: the annotation kubectl would add is part of the fixture
const applied = fidelityObjects.map((o) => {
  const obj = o as { metadata: Record<string, unknown> };
  return { ...obj, metadata: { ...obj.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(o) } } };
});

let emu: EntraEmulator;
let server: TestApiServer;
let fidelity: FidelityServer;
beforeAll(async () => {
  emu = await startEntraEmulator({ users: [] });
  server = await startTestApiServer({
    staticTokens: { [ADMIN]: { username: 'admin', groups: ['system:masters'] }, ...FIDELITY_TOKENS },
    oidc: { issuerUrl: emu.issuer(), audience: AKS_SERVER_ID, caPem: emu.caPem, ...FIDELITY_OIDC },
    objects: applied,
  });
  fidelity = fidelityServer(server, (path) => apiRequest(server, path, { token: ADMIN }), emu);
});
afterAll(async () => {
  await server?.close();
  await emu?.close();
});

describe('the test API server double', () => {
  for (const c of fidelityCases) {
    it(c.name, async () => {
      await c.check(fidelity);
    });
  }
});
