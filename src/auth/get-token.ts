// `kubectl-np get-token`: the exec credential plugin kubectl runs before its requests. stdout carries
// exactly one ExecCredential; everything meant for people goes to stderr.
import { acquireToken } from './acquire.js';
import { execCredentialJson, parseExecInfo } from './exec-credential.js';
import { formatExecArgs } from './exec-args.js';
import { contextsWhere, loadKubeconfigs } from './kubeconfig.js';
import { resolveTokenOptions, SECRET_TOKEN_OPTIONS, type RawTokenOptions, type TokenSpec } from './token-options.js';
import { printable } from '../printable.js';
import { signedRequest } from './pop.js';
import { redact } from '../redact.js';

export interface CommandIo {
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  debug?: (text: string) => void;
  /** kubectl's own rule for interactiveMode IfAvailable: is stdin a terminal? */
  stdinIsTTY: boolean;
}

/** The real process streams; human text and debug lines are redacted and made printable on the way out. */
export function processIo(debug: boolean): CommandIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(printable(redact(text))),
    debug: debug ? (text) => process.stderr.write(`debug: ${printable(redact(text))}\n`) : undefined,
    stdinIsTTY: Boolean(process.stdin.isTTY),
  };
}

/**
 * The command that signs this user in, for messages: `--context NAME` when a kubeconfig context uses
 * these options (looked up only on this failure path), else the options spelled out.
 */
export function loginCommandFor(spec: TokenSpec, raw: RawTokenOptions, env: NodeJS.ProcessEnv): string {
  try {
    const sameKey = (o: RawTokenOptions) => {
      try {
        return resolveTokenOptions(o).cacheKey === spec.cacheKey;
      } catch {
        return false;
      }
    };
    const [context] = contextsWhere(loadKubeconfigs(undefined, env), sameKey);
    if (context) return `kubectl np login --context ${context}`;
  } catch {
    // no readable kubeconfig: spell the options out
  }
  // secrets stay out of the hint (they come from the environment anyway)
  const shown = Object.fromEntries(Object.entries(raw).filter(([k]) => !(SECRET_TOKEN_OPTIONS as readonly string[]).includes(k))) as RawTokenOptions;
  return ['kubectl np login', ...formatExecArgs(shown).slice(1).map(shellWord)].join(' ');
}

/** An argument as a POSIX shell reads it back, so the printed command can be pasted as is. */
function shellWord(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export async function getToken(raw: RawTokenOptions, io: CommandIo): Promise<void> {
  const execInfo = parseExecInfo(io.env.KUBERNETES_EXEC_INFO);
  const spec = resolveTokenOptions(raw);
  // kubectl says whether we may interact; a person running get-token by hand may if stdin is a terminal
  const interactive = execInfo.interactive ?? io.stdinIsTTY;
  const token = await acquireToken(
    spec,
    { interactive, prompt: io.stderr, warn: (m) => io.stderr(`${m}\n`), debug: io.debug, env: io.env },
    { loginCommand: () => loginCommandFor(spec, raw, io.env) },
  );
  if (spec.pop) {
    // kubectl gets a request signed now with the key the token is bound to, never the bare token
    if (!token.popKey) throw new Error('a proof-of-possession token came without its key');
    io.debug?.(`proof-of-possession: signed request for u=${spec.pop.claims.u} with key ${token.popKey.thumbprint.slice(0, 8)}…`);
    const shr = signedRequest(token.popKey, token, spec.pop.claims.u);
    io.stdout(execCredentialJson(execInfo, shr.token, shr.expiresOn));
    return;
  }
  io.stdout(execCredentialJson(execInfo, token.token, token.expiresOn));
}
