// The calls of test/support/fidelity-cases.ts made the same way on either server: as a kubeconfig user
// through the real kubectl, with client certificates from the per-run test CA and OIDC tokens signed by
// the Entra emulator. Only how admin GETs a path differs per server, so that is passed in.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AKS_SERVER_ID, type EntraEmulator } from './entra-emulator/index.js';
import type { AdminGet, FidelityServer, KubeconfigUser, ReviewedUser } from './fidelity-cases.js';
import { testPki } from './tls.js';

const KUBECTL = '/usr/bin/kubectl';

interface KubeconfigWriter {
  writeKubeconfig(path: string, opts: { context?: string; namespace?: string; user: KubeconfigUser }): void;
}

function kubectl(kubeconfig: string, args: string[], home: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(KUBECTL, ['--kubeconfig', kubeconfig, ...args], { env: { PATH: process.env.PATH, HOME: home }, encoding: 'utf8', timeout: 300_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

const STATUS_OF_REASON: Record<string, number> = { BadRequest: 400, Unauthorized: 401, Forbidden: 403, NotFound: 404 };

/** `kubectl get --raw` as a status and body: kubectl prints the reason of a failed request on stderr. */
export function rawResult(r: { code: number; stdout: string; stderr: string }): { status: number; body: any } { // eslint-disable-line @typescript-eslint/no-explicit-any
  if (r.code === 0) return { status: 200, body: JSON.parse(r.stdout) };
  const m = /Error from server \((\w+)\)|\((\w+)\)|status code (\d+)/.exec(r.stderr);
  const reason = m?.[1] ?? m?.[2];
  return { status: reason ? (STATUS_OF_REASON[reason] ?? -1) : Number(m?.[3] ?? -1), body: r.stderr };
}

export function fidelityServer(server: KubeconfigWriter, get: AdminGet, emu: EntraEmulator): FidelityServer {
  const dir = mkdtempSync(join(tmpdir(), 'kubectl-np-fidelity-'));
  let n = 0;
  const as = (user: KubeconfigUser) => {
    const path = join(dir, `user-${++n}.kubeconfig`);
    server.writeKubeconfig(path, { context: 'fidelity', user });
    return path;
  };
  return {
    get,
    async getAs(user, path) {
      return rawResult(await kubectl(as(user), ['get', '--raw', path], dir));
    },
    kubectlAs: (user, args) => kubectl(as(user), args, dir),
    async whoami(user) {
      const r = await kubectl(as(user), ['auth', 'whoami', '-o', 'json'], dir);
      if (r.code !== 0) throw new Error(`kubectl auth whoami failed (exit ${r.code}): ${r.stderr.trim()}`);
      return JSON.parse(r.stdout).status.userInfo as ReviewedUser;
    },
    clientCertificate: (username, groups) => testPki().issueClient(username, groups),
    oidcToken(claims) {
      const now = Math.floor(Date.now() / 1000);
      return emu.mintToken({ iss: emu.issuer(), aud: AKS_SERVER_ID, tid: emu.tenantId, iat: now, nbf: now, exp: now + 3600, ver: '2.0', ...claims });
    },
  };
}
