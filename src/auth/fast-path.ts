// kubectl runs `kubectl-np get-token` before its requests; when the cache holds a token that is still
// good, answer it before oclif, msal-node or client-node load (bin/run.js calls this first). Anything
// unusual — an argument it does not know, --debug (or KUBECTL_NP_DEBUG=1), no valid token, any error — returns false and the
// full command runs and reports properly. This module and its imports must stay light: Node built-ins,
// the cache modules, auth/pop.ts (a PoP token is signed afresh for each answer, with node:crypto), and
// keytar (a small native module, loaded only when a key is needed).
import { writeSync } from 'node:fs';
import { parseExecArgs } from './exec-args.js';
import { execCredentialJson, parseExecInfo } from './exec-credential.js';
import { resolveTokenOptions } from './token-options.js';
import { TokenStore } from './cache/token-store.js';
import { usableToken } from './cache/record.js';
import { isBoundTo, popKeyFrom, signedRequest } from './pop.js';

export async function tryCachedToken(args: string[]): Promise<boolean> {
  try {
    const parsed = parseExecArgs(args);
    if (!parsed.ok || parsed.debug || process.env.KUBECTL_NP_DEBUG === '1') return false;
    const spec = resolveTokenOptions(parsed.options);
    if (spec.storage === 'none') return false;
    const execInfo = parseExecInfo(process.env.KUBERNETES_EXEC_INFO);
    const store = TokenStore.open(spec, { env: process.env });
    const cached = usableToken(await store.readRecord(), spec.tokenType);
    if (!cached) return false;
    let answer = cached;
    if (spec.pop) {
      // a PoP token is answered as a request signed now with the key kept beside it (node:crypto only)
      const key = popKeyFrom((await store.readPopKey()) ?? '');
      if (!key || !isBoundTo(cached.token, key)) return false;
      answer = signedRequest(key, cached, spec.pop.claims.u);
    }
    writeAll(1, Buffer.from(execCredentialJson(execInfo, answer.token, answer.expiresOn)));
    return true;
  } catch {
    return false;
  }
}

function writeAll(fd: number, data: Buffer): void {
  for (let offset = 0; offset < data.length; ) offset += writeSync(fd, data, offset);
}
