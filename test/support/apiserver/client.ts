// Helpers for tests that talk to the TEST DOUBLE of kube-apiserver: a raw HTTPS client (trusting the
// per-run CA) and a runner for the real kubectl binary.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { request } from 'node:https';

export const KUBECTL = '/usr/bin/kubectl';

/** Real kubectl is part of the test, not optional: a missing binary fails the test (in CI and locally alike). */
export function requireKubectl(): string {
  if (!existsSync(KUBECTL)) throw new Error(`${KUBECTL} not found: these tests drive the real kubectl (CI installs it)`);
  return KUBECTL;
}

export interface KubectlResult { code: number; stdout: string; stderr: string }

/**
 * Runs kubectl asynchronously (a sync spawn would block the in-process test API server and deadlock).
 * HOME points at `home` so kubectl's discovery cache never leaks between tests or into the user's.
 */
export function runKubectl(args: string[], opts: { kubeconfig: string; home: string; env?: NodeJS.ProcessEnv }): Promise<KubectlResult> {
  const kubectl = requireKubectl();
  return new Promise((resolve) => {
    execFile(kubectl, ['--kubeconfig', opts.kubeconfig, ...args], { env: { PATH: process.env.PATH, HOME: opts.home, ...opts.env }, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export interface ApiResponse { status: number; body: any } // eslint-disable-line @typescript-eslint/no-explicit-any

/** One request to `url` + `path`, with an optional bearer token and JSON body. */
export function apiRequest(server: { url: string; caPem: string }, path: string, opts: { method?: string; token?: string; body?: unknown; accept?: string } = {}): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const req = request(server.url + path, {
      method: opts.method ?? (payload ? 'POST' : 'GET'),
      ca: server.caPem,
      headers: {
        accept: opts.accept ?? 'application/json',
        ...(payload ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      },
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        let body: unknown = text;
        try { body = JSON.parse(text); } catch { /* not JSON */ }
        resolve({ status: res.statusCode ?? 0, body });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** POST a SelfSubjectAccessReview and return status.allowed (and the reason). */
export async function canI(server: { url: string; caPem: string }, token: string, attrs: { verb: string; resource?: string; group?: string; namespace?: string; subresource?: string; name?: string; path?: string }): Promise<{ allowed: boolean; reason?: string }> {
  const spec = attrs.path !== undefined
    ? { nonResourceAttributes: { verb: attrs.verb, path: attrs.path } }
    : { resourceAttributes: { verb: attrs.verb, resource: attrs.resource, group: attrs.group ?? '', namespace: attrs.namespace, subresource: attrs.subresource, name: attrs.name } };
  const res = await apiRequest(server, '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', { token, body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec } });
  if (res.status !== 201) throw new Error(`SelfSubjectAccessReview: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return { allowed: res.body.status.allowed, reason: res.body.status.reason };
}
