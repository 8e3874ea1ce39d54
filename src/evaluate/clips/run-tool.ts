/**
 * Runs ffmpeg or ffprobe for the clip readers, turning "not installed" into a
 * ClipError a user can act on.
 */
import { ProgramNotFoundError, runProcess } from "../run-process.js";
import { ClipError } from "./clip-error.js";

/** What a finished tool run produced. */
export interface ToolOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number | null;
}

/** The variable that overrides where a tool is found, e.g. CODEC_EVOLVE_FFMPEG for "ffmpeg". */
export function toolOverrideVariable(name: string): string {
  return `CODEC_EVOLVE_${name.toUpperCase()}`;
}

/**
 * Spawns the tool `name` (from PATH, or the path in CODEC_EVOLVE_<NAME>) with
 * `args`, collects stdout as bytes and stderr as text, rejects if the tool is missing.
 */
export async function runTool(
  name: string,
  args: readonly string[],
  what: string,
): Promise<ToolOutput> {
  const variable = toolOverrideVariable(name);
  const tool = process.env[variable] || name;
  try {
    const { stdout, stderr, code } = await runProcess(tool, args, { captureStdout: true });
    return { stdout, stderr: stderr.trim(), code };
  } catch (error) {
    const hint =
      error instanceof ProgramNotFoundError
        ? `"${tool}" was not found; install ffmpeg (e.g. apt-get install ffmpeg) or set ${variable} to its path`
        : `could not start "${tool}": ${(error as Error).message}`;
    throw new ClipError(`${what}: ${hint}`, { cause: error });
  }
}
