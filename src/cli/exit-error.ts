/** A command's way to stop with a message for the user and an exit code; main() prints it. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/** Exit codes of every command: success, a codec that failed evaluation, a usage or environment error. */
export const EXIT = { ok: 0, codecFailed: 1, usage: 2 } as const;
