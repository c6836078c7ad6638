// The test double serves objects the way a real kube-apiserver does: the same cases that
// test/real-apiserver/fidelity.test.ts checks on the real server (null lists, defaulting, aggregation,
// limit/continue), so tests written against the double see what users see.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fidelityCases, fidelityObjects } from '../support/fidelity-cases.js';
import { apiRequest, startTestApiServer, type TestApiServer } from '../support/apiserver/index.js';

const ADMIN = 'fidelity-admin-token';
// the double has no kubectl apply: the annotation kubectl would add is part of the fixture
const applied = fidelityObjects.map((o) => {
  const obj = o as { metadata: Record<string, unknown> };
  return { ...obj, metadata: { ...obj.metadata, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(o) } } };
});

let server: TestApiServer;
beforeAll(async () => {
  server = await startTestApiServer({ staticTokens: { [ADMIN]: { username: 'admin', groups: ['system:masters'] } }, objects: applied });
});
afterAll(async () => server?.close());

describe('the test API server double', () => {
  for (const c of fidelityCases) {
    it(c.name, async () => {
      await c.check((path) => apiRequest(server, path, { token: ADMIN }));
    });
  }
});
