// Making THIS process trust the test CA. Child processes simply get NODE_EXTRA_CA_CERTS=<caFile>, but Node
// reads that variable only at start-up, and a vitest worker is already running when the CA is made.
// msal-node (v3+) talks through the global fetch, i.e. Node's bundled undici, whose dispatcher lives under
// a well-known global symbol; https.globalAgent covers code that still uses node:https.
import https from 'node:https';
import tls from 'node:tls';

const GLOBAL_DISPATCHER = Symbol.for('undici.globalDispatcher.1');

type DispatcherCtor = new (opts: { connect: { ca: string[] } }) => unknown;

/**
 * Trust `caPem` (in addition to the public roots) for every later fetch() and node:https request of this
 * process. Idempotent; call it in beforeAll after starting the emulator.
 */
export async function trustCaInProcess(caPem: string): Promise<void> {
  const setDefault = (tls as unknown as { setDefaultCACertificates?: (certs: string[]) => void }).setDefaultCACertificates;
  const ca = [...tls.rootCertificates, caPem];
  if (setDefault) {
    // Node >= 22.19 / 24.5: one switch for tls, https and fetch
    setDefault(ca);
    return;
  }
  https.globalAgent.options.ca = ca;
  const g = globalThis as unknown as Record<symbol, unknown>;
  if (!g[GLOBAL_DISPATCHER]) {
    // undici installs its Agent on first use; a data: URL makes no connection
    await fetch('data:,').catch(() => undefined);
  }
  const current = g[GLOBAL_DISPATCHER] as { constructor: DispatcherCtor } | undefined;
  if (!current) throw new Error('cannot find the global fetch dispatcher to trust the test CA');
  // Same class as the bundled one, so the handler API matches whatever undici this Node ships.
  g[GLOBAL_DISPATCHER] = new current.constructor({ connect: { ca } });
}
