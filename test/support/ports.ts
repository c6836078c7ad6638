// A free port for a test to hand to a process that listens on it later (kubectl-np --listen-address).
// listen(0) and every outgoing connection take ports from the kernel's ephemeral range, which all test
// files running in parallel draw from: a port found free there can be taken by any connection before the
// process gets to listen (seconds, on a loaded box). Below that range only an explicit listen takes one.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

function ephemeralRangeStart(): number {
  try {
    return Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

export async function freePortBelowEphemeralRange(host = '127.0.0.1'): Promise<number> {
  const high = Math.max(ephemeralRangeStart(), 11_024);
  const low = Math.max(1024, high - 12_000);
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    const probe = createServer();
    const free = await new Promise<boolean>((resolve) => probe.once('error', () => resolve(false)).listen(port, host, () => resolve(true)));
    if (free) {
      await new Promise((resolve) => probe.close(resolve));
      return port;
    }
  }
}

/**
 * Another local user's listener on [::1] at a port free on 127.0.0.1 (below the ephemeral range): it counts
 * every connection it is offered and drops it. A machine without IPv6 loopback fails here in one line,
 * instead of trying ports for ever.
 */
export async function squatOnIpv6Loopback(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePortBelowEphemeralRange();
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      socket.destroy();
    });
    const error = await new Promise<Error | undefined>((resolve) => server.once('error', resolve).listen(port, '::1', () => resolve(undefined)));
    if (!error) return { port, connections: () => connections, close: () => new Promise((resolve) => server.close(() => resolve())) };
    lastError = error;
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') break;
  }
  throw new Error(`cannot listen on [::1] as another local user would: ${lastError?.message} (the test needs IPv6 loopback)`);
}
