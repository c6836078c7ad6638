// --port and --protocol of the commands that ask about every pair (matrix, diff, report): one description, one
// reading. can-reach and explain ask about one connection and take connectionFlags (base.ts) instead.
import { Flags } from '@oclif/core';
import type { Protocol } from '../model/k8s.js';
import { parsePort, parseProtocol } from '../netpol/inputs.js';

export const portQueryFlags = {
  port: Flags.string({ char: 'p', description: 'destination port, number or name; repeatable (default: every declared port)', multiple: true, multipleNonGreedy: true }),
  protocol: Flags.string({ description: 'TCP, UDP or SCTP; repeatable (default: TCP)', multiple: true, multipleNonGreedy: true }),
};

/** The ports and protocols asked about, as matrixQueries takes them; a bad one is refused in one line (exit 2). */
export function portQueriesOf(flags: { port?: string[]; protocol?: string[] }): { ports: (number | string)[]; protocols: Protocol[] } {
  return { ports: (flags.port ?? []).map(parsePort), protocols: (flags.protocol ?? []).map((p) => parseProtocol(p) as Protocol) };
}
