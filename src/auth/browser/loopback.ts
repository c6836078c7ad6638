// The loopback redirect listener of the browser sign-in (RFC 8252 §7.3). It takes the authorization
// response as Entra sends it with either response mode msal versions use — `query` (a GET with the
// parameters in the URL) and `form_post` (a POST of a form) — at the redirect URL's path, ignores
// anything that does not carry the state we sent, and keeps the browser's request open until the caller
// says how sign-in ended, so the page shows the real outcome.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';

export interface AuthorizationResponse {
  code?: string;
  error?: string;
  error_description?: string;
  suberror?: string;
  claims?: string;
  state?: string;
  /** how it arrived */
  via: 'query' | 'form_post';
}

export interface LoopbackOptions {
  /** host:port to listen on (--listen-address); default 127.0.0.1 on a random port */
  listenAddress?: string;
  /** the redirect URL registered for the client (--redirect-url); default derived from the listen address */
  redirectUrl?: string;
  /** the state parameter of our authorization request: responses without it are ignored */
  state: string;
}

export interface Loopback {
  /** exactly what goes into the authorization request and the token request */
  redirectUri: string;
  /** where the server actually listens (host:port) */
  address: string;
  /** the first authorization response with our state; rejects when `signal` aborts */
  response(signal?: AbortSignal): Promise<AuthorizationResponse>;
  /** a GET of the redirect URI without a response is sent here (so the short loopback address can be printed) */
  setStartUrl(url: string): void;
  /** answers the browser's pending request with a page and stops listening */
  finish(outcome: { ok: true; message: string } | { ok: false; message: string }): Promise<void>;
  close(): void;
}

interface ListenAddress {
  host: string;
  port: number;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);
const WILDCARD_HOSTS = new Set(['0.0.0.0', '::']);

/** `127.0.0.1:8400`, `[::1]:8400`, `localhost:8400`, `127.0.0.1` (random port) or `:8400` (127.0.0.1). */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*))(?::(\d{1,5}))?$/.exec(text.trim());
  const host = m ? (m[1] ?? m[2] ?? '') : '';
  const port = m?.[3] !== undefined ? Number(m[3]) : 0;
  if (!m || port > 65535 || (host !== '' && host !== 'localhost' && !isIP(host))) {
    throw new UsageError(`--listen-address must be HOST:PORT with an IP address or localhost, e.g. 127.0.0.1:8400 (got ${JSON.stringify(text)})`);
  }
  return { host: host || '127.0.0.1', port };
}

function parseRedirectUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--redirect-url must be a URL such as http://localhost:8400 (got ${JSON.stringify(text)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--redirect-url must be an http:// URL (the loopback listener speaks plain HTTP)');
  if (url.search || url.hash) throw new UsageError('--redirect-url must not have a query or fragment');
  return url;
}

const hostOfUrl = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/**
 * Where to listen and what to call the redirect URI. Entra lets a loopback redirect URI registered
 * without a port match any port, so the default is msal's `http://localhost:PORT` on a random port;
 * a --redirect-url with an explicit port fixes the port; one without a port gets ours.
 */
export function planLoopback(listenAddress?: string, redirectUrl?: string): { listen: ListenAddress; redirect?: URL } {
  const redirect = redirectUrl ? parseRedirectUrl(redirectUrl) : undefined;
  const listen = listenAddress ? parseListenAddress(listenAddress) : { host: '127.0.0.1', port: 0 };
  if (!listenAddress && redirect) {
    const host = hostOfUrl(redirect);
    if (redirect.protocol === 'http:' && !LOOPBACK_HOSTS.has(host)) {
      throw new UsageError(`--redirect-url ${redirectUrl} is not a loopback address: also give --listen-address (the address this machine listens on)`);
    }
    if (redirect.port) listen.port = Number(redirect.port);
    if (host === '::1') listen.host = '::1';
  }
  return { listen, redirect };
}

function redirectUriFor(listen: ListenAddress, actualPort: number, redirect: URL | undefined, redirectText: string | undefined): string {
  if (redirect && redirectText) {
    // Entra compares redirect URIs as strings: keep the user's text, adding only the port we got
    if (!redirect.port && redirect.protocol === 'http:' && LOOPBACK_HOSTS.has(hostOfUrl(redirect))) {
      return redirectText.trim().replace(/^(https?:\/\/)(\[[^\]]+\]|[^/:?#]+)/i, `$1$2:${actualPort}`);
    }
    return redirectText.trim();
  }
  const host = LOOPBACK_HOSTS.has(listen.host) || WILDCARD_HOSTS.has(listen.host) ? 'localhost' : isIP(listen.host) === 6 ? `[${listen.host}]` : listen.host;
  return `http://${host}:${actualPort}`;
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

export function resultPage(ok: boolean, message: string): string {
  const title = ok ? 'Signed in' : 'Sign-in failed';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title} — kubectl-np</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}</style></head>
<body><h1 id="${ok ? 'signed-in' : 'sign-in-failed'}">${title}</h1><p id="message">${escapeHtml(message)}</p></body></html>`;
}

const MAX_BODY = 64 * 1024;

function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  return new Promise((resolve) => {
    const type = req.headers['content-type']?.split(';')[0]?.trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') {
      req.resume();
      resolve(undefined);
      return;
    }
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
      if (body.length > MAX_BODY) {
        req.destroy();
        resolve(undefined);
      }
    });
    req.on('end', () => resolve(new URLSearchParams(body)));
    req.on('error', () => resolve(undefined));
  });
}

function responseOf(params: URLSearchParams, via: AuthorizationResponse['via']): AuthorizationResponse {
  const get = (k: string) => params.get(k) ?? undefined;
  return { code: get('code'), error: get('error'), error_description: get('error_description'), suberror: get('suberror'), claims: get('claims'), state: get('state'), via };
}

export async function startLoopback(options: LoopbackOptions): Promise<Loopback> {
  const { listen, redirect } = planLoopback(options.listenAddress, options.redirectUrl);
  const path = redirect ? redirect.pathname : '/';
  let received: AuthorizationResponse | undefined;
  let startUrl: string | undefined;
  let pending: ServerResponse | undefined;
  const waiters: ((r: AuthorizationResponse) => void)[] = [];

  const server: Server = createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://loopback');
      if (url.pathname !== path && !(path.endsWith('/') && url.pathname === path.slice(0, -1))) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
        return;
      }
      let params: URLSearchParams | undefined;
      let via: AuthorizationResponse['via'] = 'query';
      if (req.method === 'GET') params = url.searchParams;
      else if (req.method === 'POST') {
        params = await readForm(req);
        via = 'form_post';
      } else {
        res.writeHead(405, { Allow: 'GET, POST' }).end();
        return;
      }
      if (req.method === 'GET' && params && !params.has('code') && !params.has('error') && startUrl && !received) {
        res.writeHead(302, { Location: startUrl, 'Cache-Control': 'no-store' }).end();
        return;
      }
      if (!params || (!params.has('code') && !params.has('error'))) {
        res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(resultPage(false, 'This address only receives the sign-in response from Entra ID.'));
        return;
      }
      const states = params.getAll('state');
      if (states.length !== 1 || states[0] !== options.state) {
        // not the answer to our request (a stale tab, another program): never let it end our sign-in
        res.writeHead(400, { 'Content-Type': 'text/html; charset=utf-8' }).end(resultPage(false, 'This sign-in response does not belong to the sign-in in progress. Start again from the terminal.'));
        return;
      }
      if (received) {
        res.writeHead(409, { 'Content-Type': 'text/html; charset=utf-8' }).end(resultPage(false, 'This sign-in has already been answered.'));
        return;
      }
      received = responseOf(params, via);
      pending = res;
      res.on('close', () => {
        if (pending === res) pending = undefined;
      });
      for (const w of waiters.splice(0)) w(received);
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      const where = `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${listen.port}`;
      reject(err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
        ? new UsageError(`cannot listen on ${where} for the sign-in redirect (${err.code}); choose another --listen-address`)
        : err);
    });
    server.listen(listen.port, listen.host, () => resolve());
  });
  const bound = server.address();
  const actualPort = bound && typeof bound === 'object' ? bound.port : listen.port;

  const close = () => {
    server.close();
    server.closeAllConnections();
  };

  return {
    redirectUri: redirectUriFor(listen, actualPort, redirect, options.redirectUrl),
    address: `${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${actualPort}`,
    setStartUrl(url: string) {
      startUrl = url;
    },
    response(signal?: AbortSignal) {
      if (received) return Promise.resolve(received);
      return new Promise<AuthorizationResponse>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push((r) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(r);
        });
      });
    },
    async finish(outcome) {
      const res = pending;
      pending = undefined;
      if (res && !res.writableEnded) {
        await new Promise<void>((resolve) => {
          res.writeHead(outcome.ok ? 200 : 400, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'close' });
          res.end(resultPage(outcome.ok, outcome.message), () => resolve());
        });
      }
      close();
    },
    close,
  };
}
