/**
 * Ctrl-C for commands whose children run in their own process groups (so the
 * terminal's SIGINT never reaches them): the first press asks the command to
 * stop after its step when it can, otherwise ends at once; the second ends at
 * once. Ending at once always kills every child group first, so no ffmpeg,
 * git or codec keeps running detached after the CLI is gone.
 */
import { killAllGroups } from "../process/process-groups.js";

/** Exit status of a process ended by SIGINT (128 + 2). */
export const INTERRUPTED_EXIT = 130;

export interface InterruptOptions {
  /** Called on the first Ctrl-C to stop gracefully; without it the first Ctrl-C ends at once. */
  onFirst?: () => void;
  /** Called just before ending at once (e.g. to stop a progress bar). */
  beforeExit?: () => void;
  /** Ends the process; injectable for tests. */
  exit?: (code: number) => void;
}

/** Handle SIGINT as described above until the returned function is called. */
export function handleInterrupts(options: InterruptOptions = {}): () => void {
  let presses = 0;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const onSigint = () => {
    presses++;
    if (presses === 1 && options.onFirst) {
      options.onFirst();
      return;
    }
    options.beforeExit?.();
    killAllGroups();
    exit(INTERRUPTED_EXIT);
  };
  process.on("SIGINT", onSigint);
  return () => {
    process.off("SIGINT", onSigint);
  };
}
