// Shell completion from oclif's command manifest, in Cobra's `__complete` protocol: kubectl 1.26+ asks
// an executable `kubectl_complete-np` on PATH for `kubectl np …` completions the same way it asks its own
// commands, and the scripts of `kubectl np completion bash|zsh|fish` ask `kubectl-np __complete`.
// Output: one candidate per line ("value\tdescription"), then ":DIRECTIVE" (a bit set, as Cobra's).

export const Directive = { Default: 0, NoSpace: 2, NoFileComp: 4 } as const;

export interface ManifestFlag {
  name: string;
  char?: string;
  type: 'boolean' | 'option';
  options?: string[];
  /** "text|json|yaml|jsonpath=…" where -o also takes a template, which oclif's options cannot list */
  helpValue?: string;
  summary?: string;
  description?: string;
  hidden?: boolean;
}

export interface ManifestCommand {
  id: string;
  summary?: string;
  description?: string;
  hidden?: boolean;
  flags: Record<string, ManifestFlag>;
}

export interface Completion {
  candidates: string[];
  directive: number;
}

/** Flags whose value is a path: the shell completes files there. */
const PATH_FLAGS = new Set(['kubeconfig', 'filename', 'cache-dir', 'client-certificate', 'federated-token-file']);

function firstLine(text: string | undefined): string {
  return (text ?? '').split('\n')[0].trim();
}

function candidate(value: string, description?: string): string {
  const about = firstLine(description);
  return about ? `${value}\t${about}` : value;
}

/**
 * Completions for `words`, the arguments after the plugin's name; the last word is the one being typed
 * (empty when the cursor follows a space).
 */
export function complete(commands: Record<string, ManifestCommand>, words: string[]): Completion {
  const typed = words.at(-1) ?? '';
  const before = words.slice(0, -1);
  const visible = Object.values(commands).filter((c) => !c.hidden);

  // the longest run of leading words that names a command (topics join with ':')
  let command: ManifestCommand | undefined;
  let consumed = 0;
  for (let n = 1; n <= before.length && !before[n - 1].startsWith('-'); n++) {
    const found = commands[before.slice(0, n).join(':')];
    if (found) {
      command = found;
      consumed = n;
    }
  }

  const previous = before.at(-1);
  if (command && previous?.startsWith('-') && !previous.includes('=')) {
    const flag = findFlag(command, previous);
    if (flag?.type === 'option') {
      const options = flag.options ?? (flag.helpValue?.includes('|') ? flag.helpValue.split('|').map((o) => o.replace(/…$/, '')) : undefined);
      if (options) return { candidates: options.filter((o) => o.startsWith(typed)), directive: Directive.NoFileComp };
      return { candidates: [], directive: PATH_FLAGS.has(flag.name) ? Directive.Default : Directive.NoFileComp };
    }
  }

  if (typed.startsWith('-')) {
    const flags = command ? Object.values(command.flags).filter((f) => !f.hidden) : [];
    const names = [
      ...flags.map((f) => candidate(`--${f.name}`, f.summary ?? f.description)),
      ...flags.filter((f) => f.char).map((f) => candidate(`-${f.char}`, f.summary ?? f.description)),
      candidate('--help', 'show help'),
      ...(command ? [] : [candidate('--version', 'show the version')]),
    ];
    return { candidates: names.filter((n) => n.startsWith(typed)), directive: Directive.NoFileComp };
  }

  // the next word of a command or topic name, when the words so far are a topic (or nothing)
  const path = before.filter((w) => !w.startsWith('-')).slice(0, command ? consumed : undefined);
  const prefix = path.length ? `${path.join(':')}:` : '';
  const next = new Map<string, string | undefined>();
  for (const c of visible) {
    if (!c.id.startsWith(prefix)) continue;
    const word = c.id.slice(prefix.length).split(':')[0];
    if (word && word.startsWith(typed) && !next.has(word)) next.set(word, c.id === prefix + word ? (c.summary ?? c.description) : undefined);
  }
  return { candidates: [...next].map(([w, about]) => candidate(w, about)), directive: Directive.NoFileComp };
}

function findFlag(command: ManifestCommand, word: string): ManifestFlag | undefined {
  const flags = Object.values(command.flags);
  if (word.startsWith('--')) return flags.find((f) => f.name === word.slice(2));
  return flags.find((f) => f.char === word.slice(1));
}

export function formatCompletion(result: Completion): string {
  return [...result.candidates, `:${result.directive}`].join('\n') + '\n';
}

export type Shell = 'bash' | 'zsh' | 'fish';
export const SHELLS: readonly Shell[] = ['bash', 'zsh', 'fish'];

const BASH = `# bash completion for kubectl-np; load with: source <(kubectl np completion bash)
# (\`kubectl np <TAB>\` itself is completed by kubectl's own completion through kubectl_complete-np)
_kubectl_np_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" out directive line
  out=$(kubectl-np __complete "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  directive=$(printf '%s\\n' "$out" | tail -n 1)
  directive=\${directive#:}
  COMPREPLY=()
  while IFS= read -r line; do
    [[ -n $line && $line != :* ]] && COMPREPLY+=("\${line%%$'\\t'*}")
  done <<< "$out"
  if (( \${#COMPREPLY[@]} == 0 && (directive & 4) == 0 )); then
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
  fi
}
complete -F _kubectl_np_complete kubectl-np
`;

const ZSH = `#compdef kubectl-np
# zsh completion for kubectl-np; load with: source <(kubectl np completion zsh)
autoload -U +X bashcompinit && bashcompinit
${BASH}`;

const FISH = `# fish completion for kubectl-np; load with: kubectl np completion fish | source
function __kubectl_np_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    kubectl-np __complete $words 2>/dev/null | string match -v -r '^:'
end
complete -c kubectl-np -f -a '(__kubectl_np_complete)'
`;

export function completionScript(shell: Shell): string {
  return { bash: BASH, zsh: ZSH, fish: FISH }[shell];
}
