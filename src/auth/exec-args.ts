// The argument list of a `kubectl-np get-token …` call, parsed without oclif. Two readers need this:
// the fast path (before oclif loads) and the commands that read a kubeconfig exec entry (login/logout
// --context, setup). The oclif flag definitions in token-flags.ts use the same names.
import { BOOLEAN_TOKEN_OPTIONS, type RawTokenOptions } from './token-options.js';

/** Flags that take a value, with their one-letter forms (as in Azure/kubelogin). */
export const VALUE_FLAGS: Readonly<Record<string, keyof RawTokenOptions>> = {
  login: 'login',
  l: 'login',
  'tenant-id': 'tenant-id',
  t: 'tenant-id',
  'client-id': 'client-id',
  'server-id': 'server-id',
  environment: 'environment',
  e: 'environment',
  'authority-host': 'authority-host',
  'token-cache-storage': 'token-cache-storage',
  'cache-dir': 'cache-dir',
  'token-cache-dir': 'cache-dir',
  timeout: 'timeout',
  'token-type': 'token-type',
  'listen-address': 'listen-address',
  'redirect-url': 'redirect-url',
  'browser-command': 'browser-command',
  'login-hint': 'login-hint',
  'client-secret': 'client-secret',
  'client-certificate': 'client-certificate',
  'client-certificate-password': 'client-certificate-password',
  'identity-resource-id': 'identity-resource-id',
  'federated-token-file': 'federated-token-file',
  username: 'username',
  password: 'password',
  'pop-claims': 'pop-claims',
};
const BOOLEAN_OPTIONS = new Set<string>(BOOLEAN_TOKEN_OPTIONS);

export type ParsedExecArgs =
  | { ok: true; options: RawTokenOptions; debug: boolean }
  | { ok: false; reason: string };

/**
 * The flag an argument names, as oclif finds it: `--name` exactly (or an alias), or `-c` followed by
 * anything (`-tVALUE`, `-t=VALUE`). undefined when it names none.
 */
function flagNamed(arg: string): string | undefined {
  if (arg.startsWith('--')) {
    const name = arg.slice(2);
    return name.length > 1 && (name === 'debug' || BOOLEAN_OPTIONS.has(name) || Object.hasOwn(VALUE_FLAGS, name)) ? name : undefined;
  }
  if (arg.startsWith('-') && arg.length >= 2) {
    const char = arg[1];
    return Object.hasOwn(VALUE_FLAGS, char) ? char : undefined;
  }
  return undefined;
}

/**
 * Parses a `get-token` argument list with the grammar oclif applies to the same flags, so an exec entry
 * the fast path answers is one the full command accepts too (a hand-edited entry must not work only
 * until its token needs renewal): `--name value`, `--name=value`, `-c value`, `-cVALUE`, `-c=VALUE`; a
 * switch takes no value (`--debug=true` is refused); a value flag is given once; a value that is itself
 * one of these flags means the value is missing; nothing but flags, and nothing after `--`.
 * test/unit/auth/exec-args.test.ts holds this to oclif's parser.
 */
export function parseExecArgs(args: readonly string[]): ParsedExecArgs {
  const options: RawTokenOptions = {};
  const given = new Set<keyof RawTokenOptions>();
  let debug = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      if (i + 1 < args.length) return { ok: false, reason: `unexpected argument ${JSON.stringify(args[i + 1])}` };
      break;
    }
    if (!arg.startsWith('-') || arg === '-') return { ok: false, reason: `unexpected argument ${JSON.stringify(arg)}` };
    let name = flagNamed(arg);
    let inline: string | undefined;
    const eq = arg.indexOf('=');
    if (!name && eq > 0) {
      name = flagNamed(arg.slice(0, eq));
      inline = arg.slice(eq + 1);
    }
    if (!name) return { ok: false, reason: `unknown flag ${arg.slice(0, eq > 0 ? eq : undefined)}` };
    if (name === 'debug' || BOOLEAN_OPTIONS.has(name)) {
      if (inline !== undefined) return { ok: false, reason: `--${name} takes no value (got ${JSON.stringify(arg)})` };
      if (name === 'debug') debug = true;
      else options[name as keyof RawTokenOptions] = 'true';
      continue;
    }
    const key = VALUE_FLAGS[name];
    if (given.has(key)) return { ok: false, reason: `--${key} can only be given once` };
    given.add(key);
    let value = inline;
    if (value === undefined) value = arg.startsWith('--') || arg.length < 3 ? args[++i] : arg.slice(arg[2] === '=' ? 3 : 2);
    if (value === undefined || flagNamed(value)) return { ok: false, reason: `--${key} needs a value` };
    options[key] = value;
  }
  return { ok: true, options, debug };
}

/** The canonical argument list `setup` writes for these options (only what differs from defaults). */
export function formatExecArgs(options: RawTokenOptions): string[] {
  const args = ['get-token'];
  const order: (keyof RawTokenOptions)[] = [
    'login', 'tenant-id', 'client-id', 'server-id', 'environment', 'authority-host',
    'token-cache-storage', 'cache-dir', 'timeout', 'token-type',
    'listen-address', 'redirect-url', 'browser-command', 'skip-open-browser', 'login-hint',
    'client-secret', 'client-certificate', 'client-certificate-password', 'identity-resource-id',
    'federated-token-file', 'username', 'password', 'disable-instance-discovery', 'use-azurerm-env-vars', 'disable-environment-override',
    'pop-enabled', 'pop-claims',
  ];
  for (const key of order) {
    const value = options[key];
    if (value === undefined || value === '') continue;
    if ((BOOLEAN_TOKEN_OPTIONS as readonly string[]).includes(key)) {
      if (value === 'true') args.push(`--${key}`);
    } else {
      args.push(`--${key}`, value);
    }
  }
  return args;
}
