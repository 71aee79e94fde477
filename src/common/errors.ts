// One exit-code table for the whole tool (README "Exit codes"). Every failure a user can
// cause is a CdmError with one of these codes; anything else is an internal error (70).

export const ExitCode = {
  ok: 0,
  notPatchable: 1,
  badInput: 2,
  noChange: 3,
  environment: 4,
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CdmError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    message: string,
    /** What the user can do about it; printed after the message. */
    readonly hint?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad usage or bad input: a missing or malformed file, a diff that does not apply. */
export class InputError extends CdmError {
  constructor(message: string, hint?: string) {
    super(ExitCode.badInput, message, hint);
  }
}

/** The machine, not the input: a missing tool, a failing compile, a kernel that does not match. */
export class EnvironmentError extends CdmError {
  constructor(message: string, hint?: string) {
    super(ExitCode.environment, message, hint);
  }
}

/** The patch itself cannot be live-patched, found past the verdict (at link time). */
export class NotPatchableError extends CdmError {
  constructor(message: string, hint?: string) {
    super(ExitCode.notPatchable, message, hint);
  }
}
