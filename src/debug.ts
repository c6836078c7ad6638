// --debug / KUBECTL_NP_DEBUG=1: one line per API request and per sign-in step on stderr, like
// `kubectl -v=6`. The command layer turns it on; lower layers only call debugLine. Every line goes
// through redact: a token must never reach the terminal, even by mistake.
import { redact } from './redact.js';

let sink: ((line: string) => void) | undefined;

/** Where debug lines go (undefined: nowhere). Set once by the command being run. */
export function setDebugSink(write: ((line: string) => void) | undefined): void {
  sink = write;
}

export function debugEnabled(): boolean {
  return sink !== undefined;
}

export function debugLine(text: string): void {
  sink?.(`debug: ${redact(text)}`);
}

/** A line another program wrote for the user (a credential plugin's stderr): shown as it is, redacted. */
export function debugPassThrough(line: string): void {
  sink?.(redact(line));
}
