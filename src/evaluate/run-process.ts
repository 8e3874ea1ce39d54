/**
 * Runs one external program (ffmpeg, ffprobe) without a shell: optional bytes on stdin,
 * stdout collected, the tail of stderr kept for error messages, wall-clock
 * seconds measured from spawn to exit (that is what encodeFps / decodeFps of a
 * baseline mean). Injectable so tests can count or forbid spawns.
 */
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";

export interface ProcessOptions {
  /** Bytes written to the child's stdin, which is then closed; null leaves stdin empty. */
  stdin?: Uint8Array | null;
  /** Keep what the child writes to stdout (otherwise it is discarded). */
  captureStdout?: boolean;
  /** Aborting kills the child (SIGKILL) and rejects. */
  signal?: AbortSignal;
}

export interface ProcessResult {
  /** Exit code, or null when the child was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  /** The last STDERR_TAIL_BYTES of stderr, decoded as UTF-8. */
  stderr: string;
  /** Wall-clock seconds from spawn to exit. */
  seconds: number;
}

export type ProcessRunner = (
  command: string,
  args: readonly string[],
  options?: ProcessOptions,
) => Promise<ProcessResult>;

/** Thrown when the program itself cannot be found, so callers can say what to install. */
export class ProgramNotFoundError extends Error {
  constructor(readonly program: string) {
    super(`${program} was not found on PATH`);
    this.name = "ProgramNotFoundError";
  }
}

const STDERR_TAIL_BYTES = 16 * 1024;

/** Spawns `command` with `args` (no shell) and resolves when it exits, whatever its exit code. */
export const runProcess: ProcessRunner = (command, args, options = {}) =>
  new Promise<ProcessResult>((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, {
      stdio: [options.stdin ? "pipe" : "ignore", options.captureStdout ? "pipe" : "ignore", "pipe"],
      signal: options.signal,
      killSignal: "SIGKILL",
      // Its own process group: Ctrl-C in the terminal reaches the CLI, which
      // stops after the current step, not ffmpeg in the middle of it.
      detached: true,
    });
    const stdout: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    child.stdout?.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.subarray(-STDERR_TAIL_BYTES);
    });
    if (child.stdin && options.stdin) {
      // A child that exits early (bad arguments) closes the pipe; its exit code
      // and stderr say why, so the EPIPE itself is not the error to report.
      child.stdin.on("error", () => undefined);
      child.stdin.end(options.stdin);
    }
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") reject(new ProgramNotFoundError(command));
      else reject(error);
    });
    child.on("close", (code, signal) => {
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout),
        stderr: stderr.subarray(-STDERR_TAIL_BYTES).toString("utf8"),
        seconds: (performance.now() - started) / 1000,
      });
    });
  });

/** The last `lines` non-empty lines of a stderr text, for error messages. */
export function lastLines(text: string, lines = 8): string {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-lines)
    .join("\n");
}
