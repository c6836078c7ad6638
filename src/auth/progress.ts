// Waiting for a person: a status line on stderr with the time left (only when stderr is a terminal),
// and Ctrl-C that ends the wait cleanly. The sign-in flows run inside acquire's cache lock, so
// cancelling must unwind through it (the lock is released, the cache is left as it was) instead of
// letting Node die on the signal.
import { printable } from '../printable.js';
import { SignInFailedError } from './sign-in-errors.js';

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface Progress {
  /** prints a line above the status line (which comes back after it) */
  note(text: string): void;
  stop(): void;
}

const FRAMES_UNICODE = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const FRAMES_ASCII = ['|', '/', '-', '\\'];

/** NO_COLOR (https://no-color.org): any non-empty value turns colour off; FORCE_COLOR=0 too. */
export function colourAllowed(env: NodeJS.ProcessEnv): boolean {
  return !env.NO_COLOR && env.FORCE_COLOR !== '0' && env.TERM !== 'dumb';
}

export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  return `${m}:${String(s).padStart(2, '0')}`;
}

/** The status line on the terminal now, if any: other text must go above it, not onto it. */
let shown: Progress | undefined;

/**
 * Writes a line above the status line when one is shown (clearing it first, drawing it again below),
 * so a warning printed mid-wait is not glued to "…Ctrl-C to cancel)". False when no status line is shown.
 */
export function noteAboveStatusLine(text: string): boolean {
  if (!shown) return false;
  shown.note(printable(text));
  return true;
}

/**
 * A spinner with `label` and the time left until `deadline`. Nothing at all when the stream is not a
 * terminal (kubectl run by a script, CI logs) or TERM=dumb: there, the instructions printed before it suffice.
 */
export function startProgress(label: string, deadline: number, opts: { stream?: ProgressStream; env?: NodeJS.ProcessEnv; intervalMs?: number } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  const env = opts.env ?? process.env;
  if (!stream.isTTY || env.TERM === 'dumb') {
    return { note: (text) => void stream.write(text.endsWith('\n') ? text : `${text}\n`), stop: () => {} };
  }
  const colour = colourAllowed(env);
  const locale = env.LC_ALL || env.LC_CTYPE || env.LANG;
  const unicode = env.TERM !== 'linux' && (!locale || /utf-?8/i.test(locale));
  const frames = unicode ? FRAMES_UNICODE : FRAMES_ASCII;
  const dim = (s: string) => (colour ? `\x1b[2m${s}\x1b[22m` : s);
  const cyan = (s: string) => (colour ? `\x1b[36m${s}\x1b[39m` : s);
  let frame = 0;
  let stopped = false;
  const render = () => {
    const left = deadline - Date.now();
    stream.write(`\r\x1b[2K${cyan(frames[frame++ % frames.length])} ${label} ${dim(`(${formatRemaining(left)} left; Ctrl-C to cancel)`)}`);
  };
  render();
  const timer = setInterval(render, opts.intervalMs ?? 120);
  timer.unref();
  const progress: Progress = {
    note(text) {
      if (stopped) return void stream.write(text.endsWith('\n') ? text : `${text}\n`);
      stream.write(`\r\x1b[2K${text.endsWith('\n') ? text : `${text}\n`}`);
      render();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      if (shown === progress) shown = undefined;
      clearInterval(timer);
      stream.write('\r\x1b[2K');
    },
  };
  shown = progress;
  return progress;
}

/** The person pressed Ctrl-C (or the terminal went away): nothing was changed. Exit 130, as shells expect. */
export class SignInCancelledError extends SignInFailedError {
  constructor(signal: NodeJS.Signals) {
    super(signal === 'SIGINT' ? 'sign-in cancelled (Ctrl-C); the token cache is unchanged' : `sign-in cancelled (${signal}); the token cache is unchanged`);
    this.name = 'SignInCancelledError';
    Object.defineProperty(this, 'exitCode', { value: signal === 'SIGINT' ? 130 : 128 + (signal === 'SIGTERM' ? 15 : 1) });
  }
}

export class SignInTimeoutError extends SignInFailedError {
  constructor(what: string, timeoutMs: number) {
    super(`timed out after ${formatRemaining(timeoutMs)} waiting for ${what} (raise --timeout to wait longer)`);
    this.name = 'SignInTimeoutError';
  }
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * An AbortSignal for one wait: aborted by Ctrl-C/SIGTERM/SIGHUP (reason: SignInCancelledError) or
 * when `timeoutMs` passes (reason: SignInTimeoutError). While it is active the signals do not kill the
 * process; `dispose` restores the default behaviour.
 */
export function waitScope(what: string, timeoutMs: number): { signal: AbortSignal; deadline: number; dispose: () => void } {
  const controller = new AbortController();
  const deadline = Date.now() + timeoutMs;
  const handlers = SIGNALS.map((sig) => {
    const handler = () => controller.abort(new SignInCancelledError(sig));
    process.on(sig, handler);
    return [sig, handler] as const;
  });
  const timer = setTimeout(() => controller.abort(new SignInTimeoutError(what, timeoutMs)), timeoutMs);
  timer.unref();
  return {
    signal: controller.signal,
    deadline,
    dispose: () => {
      clearTimeout(timer);
      for (const [sig, handler] of handlers) process.removeListener(sig, handler);
    },
  };
}

/** `promise`, or the abort reason as soon as `signal` aborts. */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
