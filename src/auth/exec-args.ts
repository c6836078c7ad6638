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
};
const BOOLEAN_OPTIONS = new Set<string>(BOOLEAN_TOKEN_OPTIONS);

export type ParsedExecArgs =
  | { ok: true; options: RawTokenOptions; debug: boolean }
  | { ok: false; reason: string };

/** Parses `--name value`, `--name=value` and `-x value`; anything else is reported, never guessed. */
export function parseExecArgs(args: readonly string[]): ParsedExecArgs {
  const options: RawTokenOptions = {};
  let debug = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const m = /^--?([A-Za-z][A-Za-z0-9-]*)(?:=(.*))?$/s.exec(arg);
    if (!m) return { ok: false, reason: `unexpected argument ${JSON.stringify(arg)}` };
    const [, name, inline] = m;
    if (arg.startsWith('--') === (name.length === 1)) return { ok: false, reason: `unknown flag ${arg}` };
    if (name === 'debug' || BOOLEAN_OPTIONS.has(name)) {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return { ok: false, reason: `${arg} takes no value` };
      if (name === 'debug') debug = inline !== 'false';
      else if (inline !== 'false') options[name as keyof RawTokenOptions] = 'true';
      continue;
    }
    const key = VALUE_FLAGS[name];
    if (!key) return { ok: false, reason: `unknown flag ${arg}` };
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= args.length) return { ok: false, reason: `${arg} needs a value` };
      value = args[++i];
    }
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
