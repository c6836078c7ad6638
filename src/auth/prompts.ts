// The questions `kubectl np login` may ask a person (@inquirer/prompts, drawn on stderr so stdout stays
// the command's result). Every question has a flag that answers it, and there are no questions without
// a terminal: callers get `undefined` from terminalPrompter and fail with a message naming the flag.
import { SignInCancelledError } from './progress.js';

export interface ContextChoice {
  name: string;
  /** e.g. "tenant 72f9…, devicecode" */
  detail: string;
  current: boolean;
}

export const ANOTHER_ACCOUNT = Symbol('another account');

export interface LoginPrompter {
  /** several kubeconfig contexts sign in with kubectl-np: which ones now (at least one) — flag: --context */
  chooseContexts(choices: ContextChoice[]): Promise<string[]>;
  /** several accounts are cached for this sign-in: which one, or another — flag: --login-hint */
  chooseAccount(usernames: string[], current: string | undefined, where: string): Promise<string | typeof ANOTHER_ACCOUNT>;
}

interface Streams {
  stdin: NodeJS.ReadStream;
  stderr: NodeJS.WriteStream;
}

/** A prompter on the terminal, or undefined when stdin or stderr is not a terminal (scripts, CI, kubectl exec). */
export function terminalPrompter(streams: Streams = { stdin: process.stdin, stderr: process.stderr }): LoginPrompter | undefined {
  if (!streams.stdin.isTTY || !streams.stderr.isTTY) return undefined;
  const context = { input: streams.stdin, output: streams.stderr };
  const cancelled = (err: unknown): never => {
    // inquirer's ExitPromptError: the person pressed Ctrl-C at the question
    if (err instanceof Error && err.name === 'ExitPromptError') throw new SignInCancelledError('SIGINT');
    throw err;
  };
  return {
    async chooseContexts(choices) {
      const { checkbox } = await import('@inquirer/prompts');
      return checkbox<string>(
        {
          message: 'Sign in for which contexts?',
          choices: choices.map((c) => ({ value: c.name, name: `${c.name}${c.current ? ' (current)' : ''}  ${c.detail}`, short: c.name, checked: c.current })),
          required: true,
          loop: false,
          pageSize: Math.min(15, choices.length),
        },
        context,
      ).catch(cancelled);
    },
    async chooseAccount(usernames, current, where) {
      const { select } = await import('@inquirer/prompts');
      return select<string | typeof ANOTHER_ACCOUNT>(
        {
          message: `Sign in ${where} as`,
          choices: [
            ...usernames.map((u) => ({ value: u, name: u === current ? `${u} (signed in)` : u })),
            { value: ANOTHER_ACCOUNT, name: 'another account…' },
          ],
          default: current,
          loop: false,
        },
        context,
      ).catch(cancelled);
    },
  };
}
