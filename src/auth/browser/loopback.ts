// The loopback redirect listener of the browser sign-in (RFC 8252 §7.3). It takes the authorization
// response as Entra sends it with either response mode msal versions use — `query` (a GET with the
// parameters in the URL) and `form_post` (a POST of a form) — at the redirect URL's path, ignores
// anything that does not carry the state we sent, and keeps the browser's request open until the caller
// says how sign-in ended, so the page shows the real outcome.
//
// Other users of this machine can reach the listener too (a port scan finds it in seconds). So the
// authorization request (its state, nonce and PKCE challenge) is never served to whoever asks: only a
// one-time address with an unguessable path redirects to it, and a second visit ends the sign-in
// (someone else had the address). The redirect URI names the loopback IP literal (RFC 8252 §8.3), and a
// `localhost` one is listened for on every address browsers try for it, so no other user can take the
// response by binding the address we left free.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { UsageError } from '../../errors.js';
import { SignInFailedError } from '../sign-in-errors.js';

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
  /**
   * The one-time local address that redirects to `authorizeUrl`: what the browser is sent to and what is
   * printed. A second visit fails `response()`: another program had the address.
   */
  startUrlFor(authorizeUrl: string): string;
  /** answers the browser's pending request with a page and stops listening */
  finish(outcome: { ok: true; message: string } | { ok: false; message: string }): Promise<void>;
  close(): void;
}

interface ListenAddress {
  host: string;
  port: number;
}

/** Where the one-time start addresses live (never the redirect path). */
export const START_PATH = '/kubectl-np-start/';

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
 * without a port match any port, so the default is `http://127.0.0.1:PORT` on a random port; a
 * --redirect-url with an explicit port fixes the port; one without a port gets ours. `localhost` (in
 * either flag) is listened for on 127.0.0.1 and ::1 alike: browsers try ::1 first.
 */
export function planLoopback(listenAddress?: string, redirectUrl?: string): { listen: ListenAddress; redirect?: URL; bothLoopbacks: boolean } {
  const redirect = redirectUrl ? parseRedirectUrl(redirectUrl) : undefined;
  const listen = listenAddress ? parseListenAddress(listenAddress) : { host: '127.0.0.1', port: 0 };
  let bothLoopbacks = listen.host === 'localhost';
  if (!listenAddress && redirect) {
    const host = hostOfUrl(redirect);
    if (redirect.protocol === 'http:' && !LOOPBACK_HOSTS.has(host)) {
      throw new UsageError(`--redirect-url ${redirectUrl} is not a loopback address: also give --listen-address (the address this machine listens on)`);
    }
    if (redirect.port) listen.port = Number(redirect.port);
    if (host === '::1') listen.host = '::1';
    if (host === 'localhost') bothLoopbacks = true;
  }
  if (bothLoopbacks) listen.host = '127.0.0.1';
  return { listen, redirect, bothLoopbacks };
}

function redirectUriFor(listen: ListenAddress, bothLoopbacks: boolean, actualPort: number, redirect: URL | undefined, redirectText: string | undefined): string {
  if (redirect && redirectText) {
    // Entra compares redirect URIs as strings: keep the user's text, adding only the port we got
    if (!redirect.port && redirect.protocol === 'http:' && LOOPBACK_HOSTS.has(hostOfUrl(redirect))) {
      return redirectText.trim().replace(/^(https?:\/\/)(\[[^\]]+\]|[^/:?#]+)/i, `$1$2:${actualPort}`);
    }
    return redirectText.trim();
  }
  // the IP literal, never `localhost`: a name the browser may resolve to an address we do not hold
  const host = bothLoopbacks ? 'localhost' : WILDCARD_HOSTS.has(listen.host) ? '127.0.0.1' : isIP(listen.host) === 6 ? `[${listen.host}]` : listen.host;
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

const html = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' };

function listenOn(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.removeListener('error', onError);
      const bound = server.address();
      resolve(bound && typeof bound === 'object' ? bound.port : port);
    });
  });
}

const where = (host: string, port: number) => `${host.includes(':') ? `[${host}]` : host}:${port}`;

function listenError(err: NodeJS.ErrnoException, host: string, port: number, flag: string): Error {
  return err.code === 'EADDRINUSE' || err.code === 'EACCES' || err.code === 'EADDRNOTAVAIL'
    ? new UsageError(`cannot listen on ${where(host, port)} for the sign-in redirect (${err.code}); choose another ${flag}`)
    : err;
}

export async function startLoopback(options: LoopbackOptions): Promise<Loopback> {
  const { listen, redirect, bothLoopbacks } = planLoopback(options.listenAddress, options.redirectUrl);
  const path = redirect ? redirect.pathname : '/';
  // hex, 128 bits: unguessable, and printed as is (redact() leaves hex alone)
  const startPath = `${START_PATH}${randomBytes(16).toString('hex')}`;
  let received: AuthorizationResponse | undefined;
  let failure: Error | undefined;
  let authorizeUrl: string | undefined;
  let started = false;
  let pending: ServerResponse | undefined;
  const waiters: { resolve: (r: AuthorizationResponse) => void; reject: (e: Error) => void }[] = [];

  const fail = (err: Error) => {
    failure ??= err;
    for (const w of waiters.splice(0)) w.reject(failure);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://loopback');
    if (url.pathname === startPath) {
      if (req.method !== 'GET' || !authorizeUrl) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('Not found');
        return;
      }
      if (started || received || failure) {
        res.writeHead(410, html).end(resultPage(false, 'This sign-in address has already been used. If you did not open it before, another program on this machine did: the sign-in was stopped. Start again from the terminal.'));
        fail(new SignInFailedError('the sign-in address was opened more than once (another program on this machine may have it); sign-in stopped, nothing was changed: run the command again'));
        return;
      }
      started = true;
      res.writeHead(302, { Location: authorizeUrl, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer' }).end();
      return;
    }
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
    if (!params || (!params.has('code') && !params.has('error'))) {
      res.writeHead(400, html).end(resultPage(false, 'This address only receives the sign-in response from Entra ID. Open the address printed in the terminal.'));
      return;
    }
    const states = params.getAll('state');
    if (states.length !== 1 || states[0] !== options.state) {
      // not the answer to our request (a stale tab, another program): never let it end our sign-in
      res.writeHead(400, html).end(resultPage(false, 'This sign-in response does not belong to the sign-in in progress. Start again from the terminal.'));
      return;
    }
    if (received || failure) {
      res.writeHead(409, html).end(resultPage(false, 'This sign-in has already been answered.'));
      return;
    }
    received = responseOf(params, via);
    pending = res;
    res.on('close', () => {
      if (pending === res) pending = undefined;
    });
    for (const w of waiters.splice(0)) w.resolve(received);
  };
  const newServer = () => createServer((req, res) => void handle(req, res));

  const servers: Server[] = [];
  const close = () => {
    for (const server of servers) {
      server.close();
      server.closeAllConnections();
    }
  };
  const flag = options.listenAddress ? '--listen-address' : options.redirectUrl ? '--redirect-url' : '--listen-address';
  let actualPort = listen.port;
  // a random port free on 127.0.0.1 may be taken on ::1: try a few before giving up
  for (let attempt = 0; ; attempt++) {
    const primary = newServer();
    try {
      actualPort = await listenOn(primary, listen.host, listen.port);
    } catch (err) {
      throw listenError(err as NodeJS.ErrnoException, listen.host, listen.port, flag);
    }
    servers.push(primary);
    if (!bothLoopbacks) break;
    const secondary = newServer();
    try {
      await listenOn(secondary, '::1', actualPort);
      servers.push(secondary);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // no IPv6 on this machine: then no browser reaches localhost over it either
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') break;
      close();
      servers.length = 0;
      if (code !== 'EADDRINUSE' || listen.port !== 0 || attempt >= 4) {
        throw code === 'EADDRINUSE'
          ? new UsageError(`cannot listen on ${where('::1', actualPort)} for the sign-in redirect: another program holds it, and browsers send the response for localhost there; choose another port, or a --redirect-url with 127.0.0.1`)
          : listenError(err as NodeJS.ErrnoException, '::1', actualPort, flag);
      }
    }
  }

  const address = where(listen.host, actualPort);
  const redirectUri = redirectUriFor(listen, bothLoopbacks, actualPort, redirect, options.redirectUrl);
  return {
    redirectUri,
    address,
    startUrlFor(url: string) {
      authorizeUrl = url;
      // the address the listener is reached at; a non-loopback redirect (--listen-address 0.0.0.0) keeps its host
      const origin = new URL(redirectUri).origin;
      return `${origin}${startPath}`;
    },
    response(signal?: AbortSignal) {
      if (received) return Promise.resolve(received);
      if (failure) return Promise.reject(failure);
      return new Promise<AuthorizationResponse>((resolve, reject) => {
        const onAbort = () => reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
        if (signal?.aborted) return onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
        waiters.push({
          resolve: (r) => {
            signal?.removeEventListener('abort', onAbort);
            resolve(r);
          },
          reject: (e) => {
            signal?.removeEventListener('abort', onAbort);
            reject(e);
          },
        });
      });
    },
    async finish(outcome) {
      const res = pending;
      pending = undefined;
      if (res && !res.writableEnded) {
        await new Promise<void>((resolve) => {
          res.writeHead(outcome.ok ? 200 : 400, { ...html, Connection: 'close' });
          res.end(resultPage(outcome.ok, outcome.message), () => resolve());
        });
      }
      close();
    },
    close,
  };
}
