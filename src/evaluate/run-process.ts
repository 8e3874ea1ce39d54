/**
 * Runs one external program (ffmpeg, ffprobe) without a shell: optional bytes on stdin,
 * stdout collected, the tail of stderr kept for error messages, wall-clock
 * seconds measured from spawn to exit (that is what encodeFps / decodeFps of a
 * baseline mean). Injectable so tests can count or forbid spawns.
 */
import { performance } from "node:perf_hooks";
import { ProcessTimeoutError, spawnInGroup } from "../process/spawn-in-group.js";

export interface ProcessOptions {
  /** Bytes written to the child's stdin, which is then closed; null leaves stdin empty. */
  stdin?: Uint8Array | null;
  /** Keep what the child writes to stdout (otherwise it is discarded). */
  captureStdout?: boolean;
  /** Aborting kills the child's process group (SIGKILL). */
  signal?: AbortSignal;
  /** Wall-clock limit; past it the process group is killed and the promise rejects. Default DEFAULT_PROGRAM_SECONDS. */
  timeoutSeconds?: number;
}

/**
 * Deadline of one ffmpeg/ffprobe run when the caller gives none: far above the
 * slowest reference encode of a 10 s 1080p clip, low enough that a hung
 * program ends the evaluation instead of holding it forever.
 */
export const DEFAULT_PROGRAM_SECONDS = 1800;

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
    const timeoutSeconds = options.timeoutSeconds ?? DEFAULT_PROGRAM_SECONDS;
    // Its own process group: Ctrl-C in the terminal reaches the CLI, which
    // stops after the current step, not ffmpeg in the middle of it.
    const { child, timedOut } = spawnInGroup(command, args, {
      timeoutSeconds,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const stdout: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    if (options.captureStdout) child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    else child.stdout.resume();
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.subarray(-STDERR_TAIL_BYTES);
    });
    // A child that exits early (bad arguments) closes the pipe; its exit code
    // and stderr say why, so the EPIPE itself is not the error to report.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.stdin ?? undefined);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") reject(new ProgramNotFoundError(command));
      else reject(error);
    });
    child.on("close", (code, signal) => {
      if (timedOut()) {
        reject(
          new ProcessTimeoutError(`${command} ${args.join(" ")}`.slice(0, 200), timeoutSeconds),
        );
        return;
      }
      if (options.signal?.aborted) {
        reject(options.signal.reason ?? new Error(`${command} was aborted`));
        return;
      }
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
