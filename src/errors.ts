// Exit codes are part of the CLI contract (DESIGN.md): scripts branch on them.
export const ExitCode = {
  Yes: 0,
  No: 1,
  BadInput: 2,
  Unreachable: 3,
  /** a verdict that cannot be told: a policy that may decide it was not evaluated (same code as Unreachable: no answer) */
  CannotTell: 3,
} as const;

/** An error the user can fix by changing the command line or input: one line, exit 2. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.BadInput;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UsageError';
  }
}

/** The cluster or Entra could not be reached, or sign-in failed: one line, exit 3. */
export class UnreachableError extends Error {
  readonly exitCode = ExitCode.Unreachable;
  /** lines printed under the error line: what was found out about the failure and how to fix it */
  readonly details: string[];
  constructor(message: string, options?: { cause?: unknown; details?: string[] }) {
    super(message, options);
    this.name = 'UnreachableError';
    this.details = options?.details ?? [];
  }
}

export function exitCodeOf(err: unknown): number {
  if (err && typeof err === 'object' && 'exitCode' in err && typeof (err as { exitCode: unknown }).exitCode === 'number') {
    return (err as { exitCode: number }).exitCode;
  }
  return ExitCode.BadInput;
}
