// --debug for a live command whose credential comes from an exec plugin (kubectl-np get-token, or any
// other): client-node runs the plugin as a child process and keeps its stderr to itself unless it
// fails, so the sign-in steps would be lost. With --debug the plugin is asked to debug too
// (KUBECTL_NP_DEBUG=1, which kubectl-np reads as --debug) and each line it writes to stderr is passed on
// as it comes, redacted like every debug line. Without --debug nothing here runs.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { basename } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { debugEnabled, debugLine, debugPassThrough } from '../debug.js';

type ExecFn = (command: string, args: string[] | undefined, opts: SpawnOptions) => ChildProcess;

export function passDebugToExecPlugin(kc: KubeConfig): void {
  if (!debugEnabled() || !kc.getCurrentUser()?.exec) return;
  // client-node's ExecAuth spawns through its execFn; if a release renames it, the plugin's lines are
  // simply not shown, as before
  const authenticators = (kc as unknown as { authenticators?: { execFn?: ExecFn }[] }).authenticators ?? [];
  const execAuth = authenticators.find((a) => typeof a.execFn === 'function');
  if (!execAuth) return debugLine('cannot show the credential plugin\'s debug lines: client-node\'s exec authenticator was not found');
  execAuth.execFn = (command, args, opts) => {
    // the arguments are not shown: a hand-written entry may carry a secret in them
    const name = basename(command);
    debugLine(`credential plugin: running ${name}${args?.[0] && !args[0].startsWith('-') ? ` ${args[0]}` : ''} (the exec entry of user ${kc.getCurrentUser()?.name})`);
    const started = performance.now();
    const child = spawn(command, args ?? [], { ...opts, env: { ...(opts.env ?? process.env), KUBECTL_NP_DEBUG: '1' } });
    let partial = '';
    child.stderr?.on('data', (chunk: string | Buffer) => {
      const lines = (partial + String(chunk)).split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) debugPassThrough(line);
    });
    child.on('close', (code) => {
      if (partial.trim()) debugPassThrough(partial);
      debugLine(`credential plugin: ${name} exited ${code} (${Math.round(performance.now() - started)} ms)`);
    });
    return child;
  };
}
