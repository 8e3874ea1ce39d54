/**
 * Runs one external program (ffmpeg, ffprobe) without a shell: optional bytes on stdin,
 * stdout collected, the tail of stderr kept for error messages, wall-clock
 * seconds measured from spawn to exit (that is what encodeFps / decodeFps of a
 * baseline mean). Injectable so tests can count or forbid spawns.
 */
import { Readable } from "node:stream";
import { performance } from "node:perf_hooks";
import { killGroup } from "../process/process-groups.js";
import { ProcessTimeoutError, spawnInGroup } from "../process/spawn-in-group.js";

export interface ProcessOptions {
  /**
   * Bytes written to the child's stdin, which is then closed; null leaves stdin
   * empty. An async iterable is streamed with backpressure (a clip one frame at
   * a time), so the whole input never sits in memory.
   */
  stdin?: Uint8Array | AsyncIterable<Uint8Array> | null;
  /** Keep what the child writes to stdout (otherwise it is discarded). */
  captureStdout?: boolean;
  /**
   * Consume stdout as a stream instead (backpressure: the child waits while the
   * consumer is busy); `stdout` of the result is then empty. If it throws, the
   * child is killed and the run rejects with that error.
   */
  stdoutSink?: (stdout: Readable) => Promise<void>;
  /** Aborting kills the child's process group (SIGKILL) and rejects. */
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
    let failed: Error | null = null;
    const failWith = (error: Error): void => {
      failed ??= error;
      if (child.pid !== undefined) killGroup(child.pid);
    };
    const stdout: Buffer[] = [];
    let stderr = Buffer.alloc(0);
    let sinkDone: Promise<void> = Promise.resolve();
    if (options.stdoutSink && child.stdout) {
      sinkDone = options.stdoutSink(child.stdout).catch((error: unknown) => {
        failWith(error instanceof Error ? error : new Error(String(error)));
      });
    } else if (options.captureStdout) {
      child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    } else child.stdout.resume();
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > 2 * STDERR_TAIL_BYTES) stderr = stderr.subarray(-STDERR_TAIL_BYTES);
    });
    // A child that exits early (bad arguments) closes the pipe; its exit code
    // and stderr say why, so the EPIPE itself is not the error to report.
    child.stdin.on("error", () => undefined);
    if (!options.stdin) child.stdin.end();
    else if (options.stdin instanceof Uint8Array) child.stdin.end(options.stdin);
    else void feed(options.stdin, child.stdin).catch(failWith);
    child.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") reject(new ProgramNotFoundError(command));
      else reject(error);
    });
    child.on("close", (code, signal) => {
      void sinkDone.then(() => {
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
        if (failed) {
          reject(failed);
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
  });

/** Writes chunks to a child's stdin, waiting for it to drain; stops quietly when the child closed it. */
async function feed(
  chunks: AsyncIterable<Uint8Array>,
  stdin: NodeJS.WritableStream & { destroyed: boolean },
): Promise<void> {
  for await (const chunk of chunks) {
    if (stdin.destroyed) return;
    if (!stdin.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stdin.removeListener("drain", done);
          stdin.removeListener("close", done);
          resolve();
        };
        stdin.once("drain", done);
        stdin.once("close", done);
      });
    }
  }
  stdin.end();
}

/** The last `lines` non-empty lines of a stderr text, for error messages. */
export function lastLines(text: string, lines = 8): string {
  return text
    .split(/\r?\n|\r/)
    .map((line) => line.trimEnd())
    .filter((line) => line.length > 0)
    .slice(-lines)
    .join("\n");
}
