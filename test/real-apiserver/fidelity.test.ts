// The facts the test double copies (test/support/fidelity-cases.ts), checked on a real kube-apiserver.
import { afterAll, beforeAll, describe, it } from 'vitest';
import { fidelityCases, fidelityObjects } from '../support/fidelity-cases.js';
import { startRealApiServer, type RealApiServer } from '../support/real-apiserver/index.js';

let server: RealApiServer;
beforeAll(async () => {
  server = await startRealApiServer();
  await server.apply(fidelityObjects);
  // the aggregation controller works asynchronously
  await server.eventually('aggregation of fidelity-agg-full', async () => {
    const r = await server.kubectl(['get', 'clusterrole', 'fidelity-agg-full', '-o', 'jsonpath={.rules[*].resources}']);
    return r.stdout.includes('services') ? true : undefined;
  });
});
afterAll(async () => server?.close());

describe('a real kube-apiserver', () => {
  for (const c of fidelityCases) {
    it(c.name, async () => {
      await c.check(async (path) => {
        const r = await server.kubectl(['get', '--raw', path]);
        if (r.code === 0) return { status: 200, body: JSON.parse(r.stdout) };
        const m = /\((\w+)\)|status code (\d+)|Error from server \((\w+)\)/.exec(r.stderr);
        const reason = m?.[1] ?? m?.[3];
        return { status: reason === 'BadRequest' ? 400 : reason === 'NotFound' ? 404 : Number(m?.[2] ?? -1), body: r.stderr };
      });
    });
  }
});
