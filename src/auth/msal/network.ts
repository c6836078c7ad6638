// msal-node's HTTP transport for public clients does not retry: a 429 or 5xx from Entra fails the
// sign-in (and msal then throttles the same request for up to a minute). msal's supported extension
// point is `system.networkClient`, so this client does what msal's own fetch client does and adds a
// bounded retry that honours Retry-After, before msal ever sees the failure. It also bounds every request:
// msal passes no timeout for POSTs (the token endpoint), and undici waits 300 s for headers, so a
// black-holed endpoint would hold the cache lock, and every kubectl waiting on it, far past --timeout.
import { noteTransportFailure } from '../sign-in-errors.js';
import { ClientAuthError, ClientAuthErrorCodes, type INetworkModule, type NetworkRequestOptions, type NetworkResponse } from '@azure/msal-node';

export interface RetryPolicy {
  /** retries after the first attempt */
  maxRetries: number;
  /** longest single wait we accept; a longer Retry-After is reported instead of slept through */
  maxWaitMs: number;
  /** wait when the server names none */
  defaultWaitMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxRetries: 2, maxWaitMs: 10_000, defaultWaitMs: 1_000 };

export interface RequestBounds {
  /** longest one request may wait for its answer: Entra answers in well under a second when it is up */
  perRequestMs: number;
  /** epoch ms past which no request may still be waiting (the command's --timeout) */
  deadline?: number;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

export function retryable(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599);
}

/** Retry-After as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export class RetryingNetworkClient implements INetworkModule {
  constructor(
    private readonly policy: RetryPolicy = DEFAULT_RETRY,
    private readonly debug: (message: string) => void = () => undefined,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
    private readonly bounds: RequestBounds = { perRequestMs: DEFAULT_REQUEST_TIMEOUT_MS },
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'GET', options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>(url, 'POST', options);
  }

  private async send<T>(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.once(url, method, options, timeout);
      if (!retryable(response.status) || attempt >= this.policy.maxRetries) return this.parse<T>(response);
      const wait = retryAfterMs(response.headers.get('retry-after')) ?? this.policy.defaultWaitMs * 2 ** attempt;
      if (wait > this.policy.maxWaitMs || (this.bounds.deadline !== undefined && Date.now() + wait >= this.bounds.deadline)) {
        this.debug(`HTTP ${response.status} from ${new URL(url).pathname}: a retry in ${Math.round(wait / 1000)}s would pass the ${this.policy.maxWaitMs / 1000}s bound or --timeout; not retrying`);
        return this.parse<T>(response);
      }
      this.debug(`HTTP ${response.status} from ${new URL(url).pathname}; retrying in ${wait} ms (attempt ${attempt + 2} of ${this.policy.maxRetries + 1})`);
      await response.body?.cancel().catch(() => undefined);
      await this.sleep(wait);
    }
  }

  private async once(url: string, method: 'GET' | 'POST', options?: NetworkRequestOptions, timeout?: number): Promise<Response> {
    const headers = new Headers();
    for (const [key, value] of Object.entries(options?.headers ?? {})) headers.append(key, value);
    const remaining = this.bounds.deadline === undefined ? Infinity : this.bounds.deadline - Date.now();
    const limit = Math.min(this.bounds.perRequestMs, remaining, timeout || Infinity);
    const byDeadline = remaining <= Math.min(this.bounds.perRequestMs, timeout || Infinity);
    const host = new URL(url).host;
    try {
      if (limit <= 0) throw new DOMException('deadline passed', 'TimeoutError');
      const started = performance.now();
      const response = await fetch(url, { method, headers, body: method === 'POST' ? (options?.body ?? '') : undefined, signal: AbortSignal.timeout(limit) });
      // as the API requests are logged: method, where (never the query or body, which carry codes), status, time
      this.debug(`${method} ${new URL(url).origin}${new URL(url).pathname} → ${response.status} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (err) {
      if (err instanceof Error && err.name === 'TimeoutError') {
        const reason = byDeadline ? 'the --timeout ran out waiting for its answer' : `no answer within ${limit < 1000 ? `${Math.round(limit)} ms` : `${Math.round(limit / 1000)}s`}`;
        this.debug(`${method} ${new URL(url).origin}${new URL(url).pathname}: ${reason}`);
        throw networkError(`${host} did not answer: ${reason}`, err);
      }
      // fetch says "fetch failed"; what happened (ECONNREFUSED, a certificate code) is in its cause
      const cause = err instanceof Error ? (err.cause as (Error & { code?: string }) | undefined) : undefined;
      const reason = cause ? `${cause.message}${cause.code && !cause.message.includes(cause.code) ? ` (${cause.code})` : ''}` : err instanceof Error ? err.message : 'unknown error';
      this.debug(`${method} ${new URL(url).origin}${new URL(url).pathname} failed: ${reason}`);
      noteTransportFailure(url, err);
      throw networkError(`cannot reach ${host}: ${reason}`, err);
    }
  }

  private async parse<T>(response: Response): Promise<NetworkResponse<T>> {
    const headers: Record<string, string> = {};
    response.headers.forEach((value, key) => (headers[key] = value));
    let body: T;
    try {
      body = (await response.json()) as T;
    } catch (err) {
      throw new ClientAuthError(ClientAuthErrorCodes.tokenParsingError, '', `unreadable response (HTTP ${response.status}): ${(err as Error).message}`);
    }
    return { headers, body, status: response.status };
  }
}

/** msal's own network error, so msal and the classifier treat it as one; the cause kept for --debug. */
function networkError(message: string, cause: unknown): ClientAuthError {
  const failure = new ClientAuthError(ClientAuthErrorCodes.networkError, '', message);
  Object.defineProperty(failure, 'cause', { value: cause, enumerable: false, configurable: true, writable: true });
  return failure;
}
