/**
 * What the local ffmpeg is and can do: its version, whether it has a given
 * encoder, and the version of the library behind that encoder. Each answer is
 * asked once per process (per runner) and remembered, so a cached baseline
 * costs no spawn at all on the second call.
 */
import { lastLines, ProgramNotFoundError, type ProcessRunner } from "../run-process.js";

export const FFMPEG = "ffmpeg";

const INSTALL_FFMPEG =
  "install it (Debian/Ubuntu: apt-get install ffmpeg; macOS: brew install ffmpeg) or put it on PATH";

const memo = new WeakMap<ProcessRunner, Map<string, Promise<string>>>();

/** Runs `compute` once per runner and key; a failure is not remembered, so a later call retries. */
function remembered(
  runner: ProcessRunner,
  key: string,
  compute: () => Promise<string>,
): Promise<string> {
  let byKey = memo.get(runner);
  if (!byKey) {
    byKey = new Map();
    memo.set(runner, byKey);
  }
  const known = byKey.get(key);
  if (known) return known;
  const pending = compute();
  byKey.set(key, pending);
  pending.catch(() => byKey.delete(key));
  return pending;
}

/** Runs ffmpeg and turns "not on PATH" into an error that says what to install. */
export async function runFfmpeg(
  runner: ProcessRunner,
  purpose: string,
  args: readonly string[],
  options: Parameters<ProcessRunner>[2] = {},
): ReturnType<ProcessRunner> {
  try {
    return await runner(FFMPEG, args, options);
  } catch (error) {
    if (error instanceof ProgramNotFoundError) {
      throw new Error(`${purpose} needs ffmpeg, which was not found on PATH: ${INSTALL_FFMPEG}`, {
        cause: error,
      });
    }
    throw error;
  }
}

/** The ffmpeg version string, e.g. "5.1.9-0+deb12u1". */
export function ffmpegVersion(runner: ProcessRunner): Promise<string> {
  return remembered(runner, "ffmpeg -version", async () => {
    const result = await runFfmpeg(runner, "a baseline", ["-version"], { captureStdout: true });
    const match = /ffmpeg version (\S+)/.exec(result.stdout.toString("utf8"));
    if (result.code !== 0 || !match?.[1]) {
      throw new Error(`could not read the ffmpeg version:\n${lastLines(result.stderr)}`);
    }
    return match[1];
  });
}

/** Throws an actionable error unless this ffmpeg lists `encoder` (e.g. "libx265") among its encoders. */
export async function requireEncoder(
  runner: ProcessRunner,
  encoder: string,
  purpose: string,
): Promise<void> {
  const list = await remembered(runner, "ffmpeg -encoders", async () => {
    const result = await runFfmpeg(runner, purpose, ["-hide_banner", "-encoders"], {
      captureStdout: true,
    });
    if (result.code !== 0) {
      throw new Error(`ffmpeg -encoders failed:\n${lastLines(result.stderr)}`);
    }
    return result.stdout.toString("utf8");
  });
  const listed = list.split("\n").some((line) => line.trim().split(/\s+/)[1] === encoder);
  if (!listed) {
    const version = await ffmpegVersion(runner);
    throw new Error(
      `${purpose} needs ffmpeg's ${encoder} encoder, which this ffmpeg (${version}) does not have: ` +
        `install an ffmpeg built with --enable-${encoder} (Debian/Ubuntu: apt-get install ffmpeg ` +
        `includes libx264, libx265 and libaom-av1)`,
    );
  }
}

/** One 64x64 mid-grey yuv420p frame: the smallest input every encoder here accepts. */
const PROBE_FRAME = new Uint8Array(64 * 64 * 1.5).fill(128);

/**
 * Encodes one tiny frame with `encoderArgs` and pulls the library version out of
 * the log (stderr) or the stream (stdout) with `pattern`'s first group.
 */
export function encoderLibraryVersion(
  runner: ProcessRunner,
  encoder: string,
  encoderArgs: readonly string[],
  pattern: RegExp,
): Promise<string> {
  return remembered(runner, `version ${encoder}`, async () => {
    const args = [
      "-hide_banner",
      "-loglevel",
      "verbose",
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", "64x64", "-r", "25", "-i", "pipe:0"],
      ...["-frames:v", "1", "-c:v", encoder, ...encoderArgs, "pipe:1"],
    ];
    const result = await runFfmpeg(runner, `the ${encoder} version probe`, args, {
      stdin: PROBE_FRAME,
      captureStdout: true,
    });
    const text = `${result.stderr}\n${result.stdout.toString("latin1")}`;
    const match = pattern.exec(text);
    if (result.code !== 0 || !match?.[1]) {
      throw new Error(
        `could not read the ${encoder} version from ffmpeg (exit ${result.code}):\n${lastLines(result.stderr)}`,
      );
    }
    return match[1];
  });
}
