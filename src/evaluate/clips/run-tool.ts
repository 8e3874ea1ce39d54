/**
 * Runs an external tool (ffmpeg, ffprobe) without a shell and collects its
 * output, turning "not installed" and "failed" into ClipErrors a user can act on.
 */
import { spawn } from "node:child_process";
import { ClipError } from "./clip-error.js";

/** What a finished tool run produced. */
export interface ToolOutput {
  readonly stdout: Buffer;
  readonly stderr: string;
  readonly code: number | null;
}

/** Longest stderr excerpt quoted in an error message. */
const STDERR_TAIL = 2000;

/** The variable that overrides where a tool is found, e.g. CODEC_EVOLVE_FFMPEG for "ffmpeg". */
export function toolOverrideVariable(name: string): string {
  return `CODEC_EVOLVE_${name.toUpperCase()}`;
}

/**
 * Spawns the tool `name` (from PATH, or the path in CODEC_EVOLVE_<NAME>) with
 * `args`, collects stdout as bytes and stderr as text, rejects if the tool is missing.
 */
export function runTool(name: string, args: readonly string[], what: string): Promise<ToolOutput> {
  const variable = toolOverrideVariable(name);
  const tool = process.env[variable] || name;
  return new Promise((resolvePromise, reject) => {
    const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
    const chunks: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL);
    });
    child.on("error", (error: NodeJS.ErrnoException) => {
      const hint =
        error.code === "ENOENT"
          ? `"${tool}" was not found; install ffmpeg (e.g. apt-get install ffmpeg) or set ${variable} to its path`
          : `could not start "${tool}": ${error.message}`;
      reject(new ClipError(`${what}: ${hint}`, { cause: error }));
    });
    child.on("close", (code) => {
      resolvePromise({ stdout: Buffer.concat(chunks), stderr: stderr.trim(), code });
    });
  });
}
