// A 401 explains itself: the CLI decodes the token it sent (never printing it) and says what the API
// server is likely rejecting, with the fix for each, for every live command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestApiServer, type TestApiServer } from '../../support/apiserver/index.js';
import { requireFreshBuild } from '../auth/dist.js';
import { isolatedEnv, runCli } from '../auth/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'np-401-'));
let server: TestApiServer;
const TENANT = '33333333-3333-4333-8333-333333333333';
/** an unsigned JWT-shaped token the API server does not accept, with the claims a user would have */
const jwt = (claims: Record<string, unknown>) => `${Buffer.from(JSON.stringify({ alg: 'RS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2lnbmF0dXJl`;
const now = () => Math.floor(Date.now() / 1000);

beforeAll(async () => {
  requireFreshBuild();
  server = await startTestApiServer({ staticTokens: {} });
});
afterAll(() => server?.close());

describe('a 401', () => {
  it('names the wrong audience instead of advising a sign-in that cannot help, on whoami and matrix alike', async () => {
    const token = jwt({ tid: TENANT, iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, ver: '2.0', aud: 'https://graph.microsoft.com', iat: now() - 60, exp: now() + 1800, groups: ['g'] });
    const file = join(dir, 'graph.yaml');
    server.writeKubeconfig(file, { context: 'aks-shop', user: { token } });
    for (const args of [['whoami'], ['matrix', '-n', 'default']]) {
      const r = await runCli([...args, '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
      expect(r.code).toBe(3);
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe(`error: the API server ${server.url} rejected the credentials (401): the token is for Microsoft Graph (aud https://graph.microsoft.com), not for a Kubernetes API server`);
      // the minutes left depend on how long the CLI took to start, never on a race: any of the 30 is right
      const summary = new RegExp(`^  the token sent \\(decoded locally\\): tenant ${TENANT}, issuer https://login\\.microsoftonline\\.com/${TENANT}/v2\\.0, audience https://graph\\.microsoft\\.com, expires in (\\d+)m, 1 groups$`).exec(lines[1] ?? '');
      expect(summary, lines[1]).not.toBeNull();
      expect(Number(summary![1])).toBeGreaterThan(0);
      expect(Number(summary![1])).toBeLessThanOrEqual(30);
      expect(lines).toContain("    fix: kubectl np setup --context aks-shop --server-id <the cluster's server application ID> (AKS managed Entra: 6dae42f8-4368-4678-94ff-3960e28e3630)");
      expect(r.stderr).not.toContain(token.split('.')[1]);
    }
  });

  it('says when the token has expired', async () => {
    const token = jwt({ tid: TENANT, iss: `https://sts.windows.net/${TENANT}/`, ver: '1.0', aud: '6dae42f8-4368-4678-94ff-3960e28e3630', iat: now() - 3600, exp: now() - 1800 });
    const file = join(dir, 'expired.yaml');
    server.writeKubeconfig(file, { context: 'aks-shop', user: { token } });
    const r = await runCli(['explain', 'can-i', 'get', 'pods', '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
    expect(r.code).toBe(3);
    const ago = /rejected the credentials \(401\): the token expired (\d+)m ago/.exec(r.stderr);
    expect(ago, r.stderr).not.toBeNull();
    expect(Number(ago![1])).toBeGreaterThanOrEqual(30);
    expect(r.stderr).toContain('? the token is a v1.0 token, issuer https://sts.windows.net/');
  });
});

describe('whoami --token-only', () => {
  it("shows the cached token's claims of a kubectl-np exec entry without contacting the cluster, even when expired", async () => {
    const { resolveTokenOptions } = await import('../../../src/auth/token-options.js');
    const { parseExecArgs } = await import('../../../src/auth/exec-args.js');
    const { TokenStore } = await import('../../../src/auth/cache/token-store.js');
    const cacheDir = mkdtempSync(join(tmpdir(), 'np-token-only-cache-'));
    const args = ['get-token', '--login', 'devicecode', '--tenant-id', TENANT, '--token-cache-storage', 'file', '--cache-dir', cacheDir];
    const parsed = parseExecArgs(args.slice(1));
    if (!parsed.ok) throw new Error(parsed.reason);
    const spec = resolveTokenOptions(parsed.options, {});
    const token = jwt({ tid: TENANT, iss: `https://login.microsoftonline.com/${TENANT}/v2.0`, ver: '2.0', aud: '6dae42f8-4368-4678-94ff-3960e28e3630', upn: 'alice@contoso.example', iat: now() - 7200, exp: now() - 3600, groups: ['g1', 'g2'] });
    await TokenStore.open(spec, { env: {} }).writeRecord({ v: 1, tokens: { access: { token, expiresOn: (now() - 3600) * 1000 } } });
    const file = join(dir, 'np-exec.yaml');
    server.writeKubeconfig(file, { context: 'aks-shop', user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'kubectl-np', args, interactiveMode: 'IfAvailable' } } });
    const before = server.requests.length;
    const r = await runCli(['whoami', '--token-only', '--kubeconfig', file], { env: { ...isolatedEnv(), NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Token from +kubectl-np token cache/);
    expect(r.stdout).toMatch(new RegExp(`Tenant +${TENANT}`));
    expect(r.stdout).toMatch(/Expires +\S+ \(expired (59m|1h\d\dm) ago\)/);
    expect(r.stdout).toContain('Groups in the token (2)');
    expect(r.stdout).not.toContain(token.split('.')[1]);
    expect(server.requests.length).toBe(before);
  });
});
