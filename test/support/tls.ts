// One certificate authority per test run, made with the openssl CLI: the Entra emulator and the test
// API server both serve certificates it signs, so a single CA file (NODE_EXTRA_CA_CERTS for Node,
// certificate-authority for kubectl) trusts both.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestPki {
  dir: string;
  caFile: string;
  caPem: string;
  /** a server certificate for the given DNS names / IPs (default: localhost and 127.0.0.1) */
  issue(names?: string[]): { cert: string; key: string; certFile: string; keyFile: string };
  /** a client certificate as kube-apiserver reads one: CN = username, one O per group */
  issueClient(username: string, groups?: string[]): { cert: string; key: string; certFile: string; keyFile: string };
}

let shared: TestPki | undefined;

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'], timeout: 120_000, killSignal: 'SIGKILL' });
}

export function createTestPki(dir = mkdtempSync(join(tmpdir(), 'kubectl-np-pki-'))): TestPki {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2',
    '-subj', '/CN=kubectl-np test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
  let serial = 0;
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    caPem: readFileSync(join(dir, 'ca.crt'), 'utf8'),
    issue(names = ['localhost', '127.0.0.1']) {
      serial += 1;
      const base = `server${serial}`;
      const san = names.map((n) => (/^[\d.]+$|:/.test(n) ? `IP:${n}` : `DNS:${n}`)).join(',');
      writeFileSync(join(dir, `${base}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`], dir);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${base}.crt`,
        '-days', '2', '-extfile', `${base}.ext`], dir);
      const certFile = join(dir, `${base}.crt`);
      const keyFile = join(dir, `${base}.key`);
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
    },
    issueClient(username, groups = []) {
      serial += 1;
      const base = `client${serial}`;
      const escape = (v: string) => v.replace(/[/,=+]/g, '\\$&');
      const subj = `/${groups.map((g) => `O=${escape(g)}/`).join('')}CN=${escape(username)}`;
      writeFileSync(join(dir, `${base}.ext`), 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n');
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', subj], dir);
      openssl(['x509', '-req', '-in', `${base}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${base}.crt`, '-days', '2', '-extfile', `${base}.ext`], dir);
      const certFile = join(dir, `${base}.crt`);
      const keyFile = join(dir, `${base}.key`);
      return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
    },
  };
}

/** The per-process PKI: every server a test file starts shares one CA. */
export function testPki(): TestPki {
  shared ??= createTestPki();
  return shared;
}
