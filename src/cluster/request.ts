// The one place API requests leave the process. client-node builds each request (URL, body, TLS agent,
// Authorization header from the kubeconfig user); this layer sends it with node:http(s) so that a
// header can be repeated — kube-apiserver reads one group per Impersonate-Group line, and node-fetch,
// client-node's own transport, joins repeated values into one — and writes the --debug line per request.
import http from 'node:http';
import https from 'node:https';
import { ResponseContext, wrapHttpLibrary, type HttpLibrary, type RequestContext } from '@kubernetes/client-node';
import { debugLine } from '../debug.js';
import { decodeJwtPayload, type JwtClaims } from '../jwt.js';
import { ImpersonationForbiddenError, describeImpersonation, impersonationHeaders, type Impersonation } from './impersonation.js';

/** The API server answered 401; `claims` are those of the bearer token sent, if it was a JWT. */
export class UnauthorizedResponse extends Error {
  readonly status = 401;
  constructor(readonly claims: JwtClaims | undefined) {
    super('Unauthorized (HTTP 401)');
    this.name = 'UnauthorizedResponse';
  }
}

function statusMessage(body: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { message?: unknown };
    return typeof parsed.message === 'string' ? parsed.message.split('\n')[0] : undefined;
  } catch {
    return undefined;
  }
}

function pathOf(url: URL): string {
  return url.pathname + url.search;
}

async function send(request: RequestContext, impersonation: Impersonation | undefined): Promise<ResponseContext> {
  const url = new URL(request.getUrl());
  const method = request.getHttpMethod().toString();
  const headers: Record<string, string | string[]> = { ...request.getHeaders() };
  // client-node sets Impersonate-User from `as` (or not at all); ours is the merged, complete set
  for (const name of Object.keys(headers)) if (/^impersonate-/i.test(name)) delete headers[name];
  Object.assign(headers, impersonationHeaders(impersonation));
  const body = request.getBody();
  if (body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body)) throw new Error(`unsupported request body for ${method} ${pathOf(url)}`);
  if (body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(body));
  const started = performance.now();
  const elapsed = () => `${Math.round(performance.now() - started)} ms`;
  const as = impersonation?.user ? ` as ${describeImpersonation(impersonation)}` : '';

  const response = await new Promise<{ status: number; headers: Record<string, string>; body: Buffer }>((resolve, reject) => {
    const req = (url.protocol === 'http:' ? http : https).request(
      url,
      { method, headers, agent: request.getAgent() as http.Agent | undefined, signal: request.getSignal() as AbortSignal | undefined },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          resolve({ status: res.statusCode ?? 0, headers: flat, body: Buffer.concat(chunks) });
        });
      },
    );
    req.on('error', (err) => {
      debugLine(`${method} ${pathOf(url)}${as} → failed after ${elapsed()}: ${(err as { code?: string }).code ?? err.message}`);
      reject(err);
    });
    req.end(body);
  });
  debugLine(`${method} ${pathOf(url)}${as} → ${response.status} (${elapsed()})`);

  if (response.status === 401) {
    // the only moment the token that was refused is at hand: keep its claims (never the token) to explain the 401
    const bearer = /^Bearer\s+(\S+)$/i.exec(String(headers.Authorization ?? headers.authorization ?? ''))?.[1];
    throw new UnauthorizedResponse(bearer ? decodeJwtPayload(bearer) : undefined);
  }
  if (response.status === 403 && impersonation?.user) {
    const message = statusMessage(response.body);
    // kube-apiserver checks impersonation before anything else; its refusal names the impersonate verb
    if (message && /\bcannot impersonate\b/.test(message)) throw new ImpersonationForbiddenError(impersonation, message);
  }
  return new ResponseContext(response.status, response.headers, {
    text: async () => response.body.toString('utf8'),
    binary: async () => response.body,
  });
}

/** client-node's HttpLibrary for one kubeconfig context (its impersonation, if any). */
export function kubeHttpLibrary(impersonation: Impersonation | undefined): HttpLibrary {
  return wrapHttpLibrary({ send: (request) => send(request, impersonation) });
}
