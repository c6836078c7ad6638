// The loopback redirect listener: both response modes, state checking, the short start address,
// --listen-address / --redirect-url handling, and the page the browser ends on.
import { afterEach, describe, expect, it } from 'vitest';
import { planLoopback, parseListenAddress, startLoopback, type Loopback } from '../../../src/auth/browser/loopback.js';
import { AuthorizeResponseError } from '../../../src/auth/flows/interactive.js';
import { classifySignInError } from '../../../src/auth/sign-in-errors.js';

const open: Loopback[] = [];
afterEach(() => {
  for (const l of open.splice(0)) l.close();
});
async function loopback(options: Partial<Parameters<typeof startLoopback>[0]> = {}): Promise<Loopback> {
  const l = await startLoopback({ state: 'the-state', ...options });
  open.push(l);
  return l;
}
const base = (l: Loopback) => `http://${l.address}`;

describe('loopback listener', () => {
  it('listens on 127.0.0.1 on a random port and names the redirect URI by that IP literal, http://127.0.0.1:PORT (RFC 8252 §8.3)', async () => {
    const l = await loopback();
    expect(l.address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(l.redirectUri).toBe(`http://127.0.0.1:${l.address.split(':')[1]}`);
  });

  it('takes a query-mode response (GET) and answers the browser only once the caller knows the outcome', async () => {
    const l = await loopback();
    const page = fetch(`${base(l)}/?code=abc&state=the-state&session_state=x`);
    const response = await l.response();
    expect(response).toMatchObject({ code: 'abc', state: 'the-state', via: 'query' });
    await l.finish({ ok: true, message: 'You are signed in as alice@contoso.example.' });
    const res = await page;
    expect(res.status).toBe(200);
    expect(await res.text()).toMatch(/<h1 id="signed-in">Signed in<\/h1><p id="message">You are signed in as alice@contoso.example\.<\/p>/);
  });

  it('takes a form_post response (POST), including an error with its claims challenge', async () => {
    const l = await loopback();
    const claims = '{"access_token":{"capolids":{"essential":true,"values":["x"]}}}';
    const page = fetch(`${base(l)}/`, { method: 'POST', body: new URLSearchParams({ error: 'interaction_required', error_description: 'AADSTS50076: MFA <required>', claims, state: 'the-state' }) });
    const response = await l.response();
    expect(response).toMatchObject({ error: 'interaction_required', claims, via: 'form_post' });
    await l.finish({ ok: false, message: 'Sign-in did not complete: AADSTS50076: MFA <required>' });
    const res = await page;
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('AADSTS50076: MFA &lt;required&gt;'); // escaped
  });

  it('ignores responses with another state (a stale tab, another program): the sign-in keeps waiting', async () => {
    const l = await loopback();
    const wrong = await fetch(`${base(l)}/?code=evil&state=other`);
    expect(wrong.status).toBe(400);
    const twice = await fetch(`${base(l)}/?code=evil&state=the-state&state=the-state`);
    expect(twice.status).toBe(400);
    let settled = false;
    void l.response().then(() => (settled = true));
    await new Promise((r) => setImmediate(r));
    expect(settled).toBe(false);
  });

  it('another local program that GETs the loopback port learns nothing: no authorization URL at / or anywhere but the one-time address', async () => {
    const l = await loopback();
    const authorize = 'https://login.example/tenant/oauth2/v2.0/authorize?client_id=x&state=the-state&code_challenge=c';
    const start = l.startUrlFor(authorize);
    for (const path of ['/', '/?', '/kubectl-np-start/', '/kubectl-np-start/0123456789abcdef0123456789abcdef', '/favicon.ico']) {
      const res = await fetch(`${base(l)}${path}`, { redirect: 'manual' });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
      expect(res.headers.get('location'), path).toBeNull();
      expect(await res.text(), path).not.toMatch(/authorize|the-state|code_challenge/);
    }
    expect(start).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${l.address.split(':')[1]}/kubectl-np-start/[0-9a-f]{32}$`));
  });

  it('the one-time address redirects once; a second visit gets nothing and stops the sign-in (someone else had it)', async () => {
    const l = await loopback();
    const authorize = 'https://login.example/tenant/oauth2/v2.0/authorize?client_id=x';
    const start = l.startUrlFor(authorize);
    const first = await fetch(start, { redirect: 'manual' });
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(authorize);
    const waiting = l.response();
    waiting.catch(() => undefined); // asserted below
    const second = await fetch(start, { redirect: 'manual' });
    expect(second.status).toBe(410);
    expect(second.headers.get('location')).toBeNull();
    await expect(waiting).rejects.toThrow(/sign-in address was opened more than once/);
    // and a response arriving afterwards (the other program's sign-in) is refused
    expect((await fetch(`${base(l)}/?code=evil&state=the-state`)).status).toBe(409);
  });

  it('two start addresses never repeat', async () => {
    const a = await loopback();
    const b = await loopback();
    expect(new URL(a.startUrlFor('https://x/')).pathname).not.toBe(new URL(b.startUrlFor('https://x/')).pathname);
  });

  it('stops waiting when the signal aborts (Ctrl-C, timeout)', async () => {
    const l = await loopback();
    const controller = new AbortController();
    const waiting = l.response(controller.signal);
    controller.abort(new Error('cancelled'));
    await expect(waiting).rejects.toThrow('cancelled');
  });

  it('--redirect-url with a port and a path: listens on that port and takes the response at that path only', async () => {
    const probe = await loopback();
    const port = Number(probe.address.split(':')[1]);
    probe.close();
    const l = await loopback({ redirectUrl: `http://localhost:${port}/callback` });
    expect(l.redirectUri).toBe(`http://localhost:${port}/callback`);
    expect(l.address).toBe(`127.0.0.1:${port}`);
    expect((await fetch(`${base(l)}/?code=a&state=the-state`)).status).toBe(404);
    const page = fetch(`${base(l)}/callback?code=a&state=the-state`);
    expect((await l.response()).code).toBe('a');
    await l.finish({ ok: true, message: 'ok' });
    expect((await page).status).toBe(200);
  });

  it('--redirect-url without a port gets the port we listen on (Entra ignores the port of loopback redirect URIs)', async () => {
    const l = await loopback({ redirectUrl: 'http://127.0.0.1/kubectl-np' });
    expect(l.redirectUri).toBe(`http://127.0.0.1:${l.address.split(':')[1]}/kubectl-np`);
  });

  it('--listen-address fixes the address; a port in use is a one-line usage error naming the flag', async () => {
    const first = await loopback({ listenAddress: '127.0.0.1:0' });
    await expect(startLoopback({ state: 's', listenAddress: first.address })).rejects.toThrow(/cannot listen on 127\.0\.0\.1:\d+ for the sign-in redirect \(EADDRINUSE\); choose another --listen-address/);
  });

  it('a localhost redirect is listened for on ::1 too, so another user cannot take the response there', async () => {
    const probe = await loopback();
    const port = Number(probe.address.split(':')[1]);
    probe.close();
    const l = await loopback({ redirectUrl: `http://localhost:${port}` });
    expect(l.redirectUri).toBe(`http://localhost:${port}`);
    const page = fetch(`http://[::1]:${port}/?code=abc&state=the-state`);
    expect((await l.response()).code).toBe('abc');
    await l.finish({ ok: true, message: 'ok' });
    expect((await page).status).toBe(200);
  });

  it('a localhost redirect whose [::1] port another program holds is refused, never half-listened', async () => {
    const { createServer } = await import('node:net');
    const squatter = createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '::1', resolve));
    const port = (squatter.address() as { port: number }).port;
    try {
      await expect(startLoopback({ state: 's', redirectUrl: `http://localhost:${port}` })).rejects.toThrow(/cannot listen on \[::1\]:\d+ for the sign-in redirect: another program holds it/);
    } finally {
      squatter.close();
    }
  });
});

describe('address parsing', () => {
  it('--listen-address forms', () => {
    expect(parseListenAddress('127.0.0.1:8400')).toEqual({ host: '127.0.0.1', port: 8400 });
    expect(parseListenAddress('[::1]:8400')).toEqual({ host: '::1', port: 8400 });
    expect(parseListenAddress(':8400')).toEqual({ host: '127.0.0.1', port: 8400 });
    expect(parseListenAddress('localhost')).toEqual({ host: 'localhost', port: 0 });
    for (const bad of ['example.com:80', '127.0.0.1:99999', 'http://127.0.0.1:8400']) {
      expect(() => parseListenAddress(bad)).toThrow(expect.objectContaining({ exitCode: 2 }));
    }
  });

  it('a non-loopback --redirect-url needs --listen-address; a query in it is refused', () => {
    expect(() => planLoopback(undefined, 'http://10.0.0.5:8400')).toThrow(/also give --listen-address/);
    expect(planLoopback('0.0.0.0:8400', 'http://10.0.0.5:8400').listen).toEqual({ host: '0.0.0.0', port: 8400 });
    expect(() => planLoopback(undefined, 'http://localhost:8400/?x=1')).toThrow(/must not have a query/);
  });
});

describe('authorization errors from the browser', () => {
  it('interaction_required with claims is a re-authentication that carries the claims', () => {
    const failure = classifySignInError(new AuthorizeResponseError({ error: 'interaction_required', error_description: 'AADSTS50076: Due to a configuration change made by your administrator, you must use multi-factor authentication.', claims: '{"access_token":{}}', via: 'form_post' }));
    expect(failure).toMatchObject({ kind: 'reauthenticate', claims: '{"access_token":{}}' });
  });

  it('AADSTS53003 is "blocked", explained and not retried', () => {
    const failure = classifySignInError(new AuthorizeResponseError({ error: 'access_denied', error_description: 'AADSTS53003: Access has been blocked by Conditional Access policies.', via: 'query' }));
    expect(failure.kind).toBe('blocked');
  });
});

describe('with the Entra emulator (both response modes msal versions use)', () => {
  it.each(['query', 'form_post'] as const)('response_mode=%s reaches the listener with the code and our state', async (mode) => {
    const { startEntraEmulator, trustCaInProcess } = await import('../../support/entra-emulator/index.js');
    const { signInWithBrowser } = await import('../../support/entra-emulator/browser.js');
    const { PublicClientApplication } = await import('@azure/msal-node');
    const emu = await startEntraEmulator({ users: [{ username: 'alice@contoso.example' }] });
    try {
      await trustCaInProcess(emu.caPem);
      const app = new PublicClientApplication({ auth: { clientId: '80faf920-1908-4b52-b5ef-a8e7bedfc67a', authority: emu.authority(), knownAuthorities: [emu.hostPort] } });
      const l = await loopback({ state: 'st8' });
      const url = await app.getAuthCodeUrl({ scopes: ['6dae42f8-4368-4678-94ff-3960e28e3630/.default'], redirectUri: l.redirectUri, responseMode: mode, state: 'st8', codeChallenge: 'x'.repeat(43), codeChallengeMethod: 'S256' });
      const browsing = signInWithBrowser(url, { username: 'alice@contoso.example' });
      const response = await l.response();
      expect(response).toMatchObject({ state: 'st8', via: mode, code: expect.stringMatching(/^1\.AQ/) });
      await l.finish({ ok: true, message: 'done' });
      expect((await browsing).body).toContain('id="signed-in"');
      expect(emu.requests.find((r) => r.endpoint === 'authorize')?.responseMode).toBe(mode);
    } finally {
      await emu.close();
    }
  });
});
