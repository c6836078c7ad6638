// Reading kubeconfig files as YAML documents (comments and order intact) to find a context's user and
// its kubectl-np exec arguments, and writing them back. client-node is deliberately not used: it
// would load a large library for a few lookups and would not preserve the file when writing.
import { chmodSync, copyFileSync, existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Document, isMap, isSeq, parseDocument, type YAMLMap } from 'yaml';
import { UsageError } from '../errors.js';
import { parseExecArgs } from './exec-args.js';
import type { RawTokenOptions } from './token-options.js';

export interface KubeconfigFile {
  path: string;
  doc: Document.Parsed;
  /** the text as read, to tell whether anything changed */
  original: string;
}

/** --kubeconfig, else $KUBECONFIG (a path list, as kubectl reads it), else ~/.kube/config. */
export function kubeconfigPaths(explicit?: string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (explicit) return [explicit];
  const fromEnv = (env.KUBECONFIG ?? '').split(delimiter).filter(Boolean);
  return fromEnv.length ? [...new Set(fromEnv)] : [join(env.HOME || homedir(), '.kube', 'config')];
}

export function readKubeconfig(path: string): KubeconfigFile {
  const original = readFileSync(path, 'utf8');
  const doc = parseDocument(original, { keepSourceTokens: false });
  if (doc.errors.length) throw new UsageError(`cannot parse kubeconfig ${path}: ${yamlReason(doc.errors[0])}`);
  if (doc.contents !== null && !isMap(doc.contents)) throw new UsageError(`kubeconfig ${path} is not a YAML mapping`);
  return { path, doc, original };
}

/** "line 2, column 1: Flow sequence … end with a ]" — the yaml library puts the position last, then a code excerpt. */
function yamlReason(error: { message: string; linePos?: [{ line: number; col: number }, ...unknown[]] }): string {
  const reason = error.message.split('\n')[0].replace(/\s+at line \d+, column \d+:?\s*$/, '').trim();
  const pos = error.linePos?.[0];
  return pos ? `line ${pos.line}, column ${pos.col}: ${reason}` : reason;
}

/**
 * The kubeconfig files that exist, in merge order, when a command needs one (login, logout, setup):
 * none at all is said as such, with the paths looked at.
 */
export function loadRequiredKubeconfigs(explicit?: string, env: NodeJS.ProcessEnv = process.env): KubeconfigFile[] {
  const files = loadKubeconfigs(explicit, env);
  if (files.length) return files;
  const paths = kubeconfigPaths(explicit, env);
  const where = (env.KUBECONFIG ?? '').split(delimiter).some(Boolean) ? `none of the files in $KUBECONFIG exist: ${paths.join(', ')}` : `looked at ${paths.join(', ')}`;
  throw new UsageError(`no kubeconfig found (${where}); use --kubeconfig, or set KUBECONFIG`);
}

/** The kubeconfig files that exist, in merge order; an explicit --kubeconfig must exist. */
export function loadKubeconfigs(explicit?: string, env: NodeJS.ProcessEnv = process.env): KubeconfigFile[] {
  const paths = kubeconfigPaths(explicit, env);
  if (explicit && !existsSync(explicit)) throw new UsageError(`kubeconfig ${explicit} does not exist`);
  return paths.filter((p) => existsSync(p)).map(readKubeconfig);
}

type Section = 'contexts' | 'users' | 'clusters';

/** `- name: X` entries of a section, in file order. */
export function namedEntries(file: KubeconfigFile, section: Section): YAMLMap[] {
  const seq = file.doc.get(section, true);
  if (!isSeq(seq)) return [];
  return seq.items.filter((item): item is YAMLMap => isMap(item) && typeof item.get('name') === 'string');
}

/** kubectl merge rule: the first file that defines a name wins. */
export function findEntry(files: KubeconfigFile[], section: Section, name: string): { file: KubeconfigFile; entry: YAMLMap } | undefined {
  for (const file of files) {
    const entry = namedEntries(file, section).find((e) => e.get('name') === name);
    if (entry) return { file, entry };
  }
  return undefined;
}

export function currentContextName(files: KubeconfigFile[]): string | undefined {
  for (const file of files) {
    const current = file.doc.get('current-context');
    if (typeof current === 'string' && current) return current;
  }
  return undefined;
}

export interface ContextRef {
  name: string;
  user: string;
}

export function resolveContext(files: KubeconfigFile[], name?: string): ContextRef {
  const contextName = name ?? currentContextName(files);
  if (!contextName) throw new UsageError('no --context given and the kubeconfig has no current-context');
  const found = findEntry(files, 'contexts', contextName);
  if (!found) throw new UsageError(`context ${JSON.stringify(contextName)} not found in ${files.map((f) => f.path).join(', ') || 'any kubeconfig'}`);
  const user = found.entry.getIn(['context', 'user']);
  if (typeof user !== 'string' || !user) throw new UsageError(`context ${JSON.stringify(contextName)} names no user`);
  return { name: contextName, user };
}

export function contextsOfUser(files: KubeconfigFile[], user: string): string[] {
  const names: string[] = [];
  for (const file of files) {
    for (const e of namedEntries(file, 'contexts')) {
      if (e.getIn(['context', 'user']) === user && !names.includes(String(e.get('name')))) names.push(String(e.get('name')));
    }
  }
  return names;
}

export interface ExecEntry {
  command: string;
  args: string[];
}

export function execOfUser(entry: YAMLMap): ExecEntry | undefined {
  const exec = entry.getIn(['user', 'exec'], true);
  if (!isMap(exec)) return undefined;
  const command = exec.get('command');
  const argsNode = exec.get('args', true);
  const args = isSeq(argsNode) ? argsNode.items.map((i) => String((i as { value?: unknown }).value ?? i)) : [];
  return typeof command === 'string' ? { command, args } : undefined;
}

const commandName = (command: string) => basename(command).replace(/\.(exe|cmd|js)$/i, '');

/** `kubectl-np get-token …` (by any path to the executable) */
export function isKubectlNpExec(exec: ExecEntry | undefined): exec is ExecEntry {
  return Boolean(exec && commandName(exec.command) === 'kubectl-np' && exec.args[0] === 'get-token');
}

/** Azure/kubelogin's `kubelogin get-token …` */
export function isKubeloginExec(exec: ExecEntry | undefined): exec is ExecEntry {
  return Boolean(exec && commandName(exec.command) === 'kubelogin' && exec.args[0] === 'get-token');
}

/** The token options of a context whose user runs kubectl-np get-token (login/logout --context). */
export function tokenOptionsOfContext(files: KubeconfigFile[], contextName?: string): { context: ContextRef; options: RawTokenOptions } {
  const context = resolveContext(files, contextName);
  const user = findEntry(files, 'users', context.user);
  if (!user) throw new UsageError(`user ${JSON.stringify(context.user)} of context ${JSON.stringify(context.name)} not found`);
  const exec = execOfUser(user.entry);
  if (!isKubectlNpExec(exec)) {
    // kubelogin and azure auth-provider entries keep their tenant when converted
    const keepsTenant = isKubeloginExec(exec) || user.entry.getIn(['user', 'auth-provider', 'name']) === 'azure';
    throw new UsageError(`context ${JSON.stringify(context.name)} does not sign in with kubectl-np; run \`kubectl np setup --context ${context.name}${keepsTenant ? '' : ' --tenant-id …'}\` first`);
  }
  const parsed = parseExecArgs(exec.args.slice(1));
  if (!parsed.ok) throw new UsageError(`the kubectl-np arguments of context ${JSON.stringify(context.name)} are not understood: ${parsed.reason}`);
  return { context, options: parsed.options };
}

/** Every context whose kubectl-np arguments satisfy `matches` (used to name the context in hints). */
export function contextsWhere(files: KubeconfigFile[], matches: (options: RawTokenOptions) => boolean): string[] {
  const found: string[] = [];
  for (const file of files) {
    for (const ctx of namedEntries(file, 'contexts')) {
      const name = String(ctx.get('name'));
      try {
        if (!found.includes(name) && matches(tokenOptionsOfContext(files, name).options)) found.push(name);
      } catch {
        // not a kubectl-np context
      }
    }
  }
  return found;
}

/**
 * Writes the document back atomically, keeping the file's mode, after copying the original next to it.
 * Returns the backup path.
 */
export function writeKubeconfigWithBackup(file: KubeconfigFile, text: string, now = new Date()): string {
  const target = realpathSync(file.path);
  const mode = statSync(target).mode & 0o777;
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  let backup = `${target}.kubectl-np-backup-${stamp}`;
  if (existsSync(backup)) backup += `-${randomBytes(2).toString('hex')}`;
  copyFileSync(target, backup);
  chmodSync(backup, mode & 0o700); // a kubeconfig holds credentials: the backup is private whatever the original allows
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    writeFileSync(tmp, text, { mode, flag: 'wx' });
    chmodSync(tmp, mode);
    renameSync(tmp, target);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  return backup;
}

function seqIndentOf(text: string): boolean {
  const m = /^( *)[^\s#-][^\n:]*:[ \t]*\n(?:[ \t]*#[^\n]*\n)*( *)- /m.exec(text);
  return m ? m[2].length > m[1].length : false;
}

/** Serialises the whole document as the file was written (sequence indentation, no line folding). */
export function stringifyLike(file: KubeconfigFile): string {
  return file.doc.toString({ indentSeq: seqIndentOf(file.original), lineWidth: 0, flowCollectionPadding: false });
}

/**
 * The original text with only the given block-style entries re-rendered in place, so every other byte
 * of the file (formatting, comments, quoting) stays as the user wrote it. Falls back to serialising the
 * whole document when an entry cannot be spliced (flow style, or no source position).
 */
export function renderEntries(file: KubeconfigFile, entries: YAMLMap[]): string {
  const indentSeq = seqIndentOf(file.original);
  const spliceable = entries.every((e) => !e.flow && Array.isArray(e.range) && file.original[e.range[2] - 1] === '\n');
  if (!spliceable) return stringifyLike(file);
  let text = file.original;
  for (const entry of [...entries].sort((a, b) => b.range![0] - a.range![0])) {
    const [start, , end] = entry.range!;
    const column = start - (text.lastIndexOf('\n', start - 1) + 1);
    const clone = entry.clone() as YAMLMap;
    clone.commentBefore = undefined; // comments above the entry lie outside its range and stay where they are
    clone.spaceBefore = false;
    const rendered = new Document(clone).toString({ indentSeq, lineWidth: 0, flowCollectionPadding: false });
    const indented = rendered.replace(/\n(?=.)/g, `\n${' '.repeat(column)}`);
    text = text.slice(0, start) + indented + text.slice(end);
  }
  return text;
}
