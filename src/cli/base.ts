import { Command, Flags, Errors } from '@oclif/core';
import { ExitCode, UnreachableError, UsageError, exitCodeOf } from '../errors.js';
import { printable } from '../printable.js';
import { redact } from '../redact.js';
import { setDebugSink } from '../debug.js';
import { isJsonPathOutput, parseJsonPathOutput } from '../render/jsonpath.js';
import { compileSelector, parseSelectorText, type Labels } from '../model/selectors.js';
import { manifestNamespaceOf, type SnapshotSource } from '../cluster/index.js';
import type { ImpersonationFlags } from '../cluster/impersonation.js';

/** Flags every command shares: how to find the cluster, and how to talk back. */
export const clusterFlags = {
  kubeconfig: Flags.string({ description: 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)' }),
  context: Flags.string({ description: 'kubeconfig context to use' }),
};

/** kubectl's impersonation flags; each overrides the kubeconfig user's as, as-groups, as-uid. */
export const impersonationFlags = {
  as: Flags.string({ description: 'user to impersonate, like kubectl --as (a service account: system:serviceaccount:NS:NAME); needs the impersonate verb' }),
  'as-group': Flags.string({ description: 'group to impersonate, like kubectl --as-group; repeatable; needs --as', multiple: true, multipleNonGreedy: true }),
  'as-uid': Flags.string({ description: 'UID to impersonate, like kubectl --as-uid; needs --as' }),
};

/**
 * Which cluster, as whom, as every use case takes it: --kubeconfig, --context, and the impersonation flags
 * (each overriding the kubeconfig user's; none given = the kubeconfig's own).
 */
export function clusterTargetOf(flags: { kubeconfig?: string; context?: string; as?: string; 'as-group'?: string[]; 'as-uid'?: string }): { kubeconfig?: string; context?: string; impersonate?: ImpersonationFlags } {
  const impersonating = flags.as || flags['as-group']?.length || flags['as-uid'];
  return { kubeconfig: flags.kubeconfig, context: flags.context, impersonate: impersonating ? { as: flags.as, asGroups: flags['as-group'], asUid: flags['as-uid'] } : undefined };
}

/** The RBAC questions' target (explain can-i, who-can): which cluster, as whom, in which namespace. */
export const rbacQuestionFlags = {
  ...clusterFlags,
  ...impersonationFlags,
  namespace: Flags.string({ char: 'n', description: 'namespace (default: the context namespace)' }),
};

/** --subresource of an RBAC question, as kubectl auth can-i takes it. */
export const subresourceFlag = {
  subresource: Flags.string({ description: 'subresource, e.g. log, exec, portforward, scale, proxy' }),
};

/**
 * The sign-in commands' flags (login, logout, setup): --kubeconfig and --context, the command's own (which may
 * redefine --context in its place), then the token flags it takes, in the order help and completion list them.
 */
export function signInFlags<Own extends object, Tokens extends object>(own: Own, tokens: Tokens): Omit<typeof clusterFlags, keyof Own> & Own & Tokens {
  return { ...clusterFlags, ...own, ...tokens };
}

export const outputFlag = (options: string[] = ['table', 'json', 'yaml'], defaultValue = 'table') =>
  Flags.string({ char: 'o', description: 'output format', options, default: defaultValue });

/**
 * -o for a command whose report is one JSON document: its formats plus kubectl's jsonpath=TEMPLATE, which
 * oclif's fixed options cannot express. A bad template is refused before any request is made.
 */
export const outputFlagWithJsonPath = (options: string[], defaultValue: string) =>
  Flags.string({
    char: 'o',
    description: `output format; jsonpath=TEMPLATE reads the -o json document with kubectl's template syntax, e.g. -o jsonpath='{.a.b}{"\\n"}'`,
    default: defaultValue,
    helpValue: `${options.join('|')}|jsonpath=…`,
    parse: async (value) => {
      if (options.includes(value)) return value;
      if (isJsonPathOutput(value)) return parseJsonPathOutput(value) && value;
      throw new UsageError(`-o ${value} is not an output format here: use ${options.join(', ')} or jsonpath=TEMPLATE`);
    },
  });

export const debugFlag = {
  debug: Flags.boolean({ description: 'one line per API request (method, path, status, time) and sign-in step, and stack traces on errors; never a token (KUBECTL_NP_DEBUG=1 does the same)', default: false }),
};

/**
 * Every command extends this: errors become one redacted, printable line on stderr and an exit code from the
 * CLI contract (0 yes, 1 no, 2 bad input, 3 unreachable); --debug adds the stack.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = { ...debugFlag };

  protected get debugEnabled(): boolean {
    return this.argv.includes('--debug') || process.env.KUBECTL_NP_DEBUG === '1';
  }

  public override async init(): Promise<void> {
    await super.init();
    if (this.debugEnabled) setDebugSink((line) => process.stderr.write(`${line}\n`));
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    // oclif signals this.exit(n) with an ExitError; let it through untouched.
    if (err instanceof Errors.ExitError) throw err;
    const code = exitCodeOf(err);
    const unexpected = code === ExitCode.BadInput && !(err instanceof Errors.CLIError) && err.exitCode === undefined;
    const message = printable(redact(oneLine(String(err.message ?? err))));
    const hint = unexpected && !this.debugEnabled ? ' (unexpected error; run with --debug for details)' : '';
    process.stderr.write(`error: ${message}${hint}\n`);
    for (const line of err instanceof UnreachableError ? err.details : []) process.stderr.write(`  ${redact(line)}\n`);
    if (this.debugEnabled) process.stderr.write(printable(redact(describeChain(err))) + '\n');
    return this.exit(code);
  }
}

/** The stack of an error and of every error it wraps (`cause`): a TLS or socket failure hides there. */
export function describeChain(err: unknown): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  for (let e: unknown = err; e !== undefined && e !== null && !seen.has(e) && parts.length < 8; e = (e as { cause?: unknown }).cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    const text = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
    parts.push(`${parts.length ? 'caused by: ' : ''}${text}${typeof code === 'string' && !text.includes(code) ? ` [${code}]` : ''}`);
  }
  return parts.join('\n');
}

/**
 * The first line of an error, plus the line it announces: oclif writes "Missing 1 required arg:" and
 * names the argument on the next line, or "Parsing --flag" with the flag's reason under it.
 */
export function oneLine(message: string): string {
  const lines = message.split('\n').map((l) => l.trim()).filter(Boolean);
  const first = lines[0] ?? '';
  // a flag's own parse error, which oclif puts under "Parsing --flag": the reason is the second line
  const parsing = /^Parsing (--[\w-]+)$/.exec(first);
  if (parsing && lines[1]) return `${parsing[1]}: ${lines[1]}`;
  return first.endsWith(':') && lines[1] ? `${first} ${lines[1]}` : first;
}

/** Where analysis commands read from: the live cluster, or manifests with -f (never both). */
export const snapshotFlags = {
  ...clusterFlags,
  namespace: Flags.string({ char: 'n', description: 'namespace (default: the context namespace, or "default"); repeatable', multiple: true, multipleNonGreedy: true }),
  'all-namespaces': Flags.boolean({ char: 'A', description: 'all namespaces', default: false }),
  filename: Flags.string({ char: 'f', description: 'read manifests (file, directory or - for stdin) instead of the cluster; repeatable', multiple: true, multipleNonGreedy: true }),
  ...impersonationFlags,
};

/**
 * What the snapshot flags ask to read, with the command's own scope (which namespaces) laid over it: one
 * place, so every command honours --as and -n the same way.
 */
export function snapshotSourceOf(
  flags: { filename?: string[]; kubeconfig?: string; context?: string; namespace?: string[]; 'all-namespaces'?: boolean; as?: string; 'as-group'?: string[]; 'as-uid'?: string },
  scope: Partial<SnapshotSource> = {},
): SnapshotSource {
  return {
    files: flags.filename,
    ...clusterTargetOf(flags),
    namespaces: flags.namespace,
    allNamespaces: flags['all-namespaces'],
    manifestNamespace: manifestNamespaceOf(flags.namespace),
    ...scope,
  };
}

/** kubectl's -l/--selector for commands that list pods and workloads (a workload by its pod template's labels). */
export const selectorFlag = {
  selector: Flags.string({ char: 'l', description: "label selector for the pods and workloads, kubectl's syntax: -l app=web,tier!=db, -l 'env in (prod,qa)', -l '!canary'" }),
};

/** The -l text as a label predicate; bad syntax is one line, exit 2. */
export function selectorFromFlag(text: string | undefined): ((labels: Labels) => boolean) | undefined {
  if (text === undefined) return undefined;
  try {
    return compileSelector(parseSelectorText(text));
  } catch (err) {
    throw new UsageError(`-l: ${(err as Error).message}`);
  }
}

/** The connection a can-reach/explain question is about. */
export const connectionFlags = {
  port: Flags.string({ char: 'p', description: 'destination port: number or name (default: every port the destination declares)' }),
  protocol: Flags.string({ description: 'TCP, UDP or SCTP (default: as declared by the destination, else TCP)' }),
};
