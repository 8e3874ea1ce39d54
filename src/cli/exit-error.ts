/** A command's way to stop with a message for the user and an exit code; main() prints it. */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}

/**
 * Exit codes of every command (README "Using it", `codec-evolve --help`):
 * 0 success; 1 the codec failed evaluation; 2 usage: a flag, the config or a
 * file named on the command line is wrong; 3 environment: a program, the LLM
 * endpoint or the installation is missing or unreachable; 4 an internal error
 * (a bug: the stack is printed); 130 interrupted by Ctrl-C.
 */
export const EXIT = { ok: 0, codecFailed: 1, usage: 2, environment: 3, internal: 4 } as const;
