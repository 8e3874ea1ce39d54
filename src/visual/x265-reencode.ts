/**
 * x265's pictures at one of its measured rungs. The evaluator keeps only
 * x265's figures, not its stream, so the stream is made again from the
 * `--recon` source with the baseline's own settings (ffmpeg converts RGB to
 * 4:2:0), decoded to a raw rgb24 file on disk, and measured again.
 */
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { X265 } from "../evaluate/baselines/ffmpeg-encoders.js";
import { runFfmpeg } from "../evaluate/baselines/ffmpeg-probe.js";
import { lastLines, runProcess, type ProcessRunner } from "../evaluate/run-process.js";
import type { RawClip } from "./raw-frames.js";

const QUIET = ["-hide_banner", "-nostats", "-loglevel", "error"];

/**
 * Encode with x265 at `crf` into `dir`; returns the decoded rgb24 clip and the stream's size.
 * `y4m`, when the clip came from one, is encoded from its own 4:2:0 samples as the evaluator
 * does, so the stream is the measured one; otherwise the recon source is converted by ffmpeg.
 */
export async function x265Reencode(
  source: RawClip & { fps: number; frames: number; y4m: string | null },
  crf: number,
  dir: string,
  runner: ProcessRunner = runProcess,
): Promise<{ decoded: RawClip; bytes: number }> {
  const stream = join(dir, `x265-crf${crf}.hevc`);
  const decodedPath = join(dir, `x265-crf${crf}.rgb`);
  const purpose = "the x265 picture of --visual";
  const encode = await runFfmpeg(runner, purpose, [
    ...QUIET,
    ...(source.y4m
      ? ["-f", "yuv4mpegpipe", "-i", source.y4m]
      : [
          ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${source.width}x${source.height}`],
          ...["-framerate", String(source.fps), "-i", source.path],
        ]),
    ...["-frames:v", String(source.frames), "-pix_fmt", "yuv420p", "-c:v", X265.encoder],
    ...X265.args(crf, source.frames),
    ...["-f", X265.format, "-y", stream],
  ]);
  if (encode.code !== 0)
    throw new Error(`${purpose}: x265 at crf=${crf} failed:\n${lastLines(encode.stderr)}`);
  const decode = await runFfmpeg(runner, purpose, [
    ...QUIET,
    ...["-f", X265.format, "-i", stream, "-fps_mode", "passthrough"],
    ...["-f", "rawvideo", "-pix_fmt", "rgb24", "-y", decodedPath],
  ]);
  if (decode.code !== 0)
    throw new Error(`${purpose}: decoding crf=${crf} failed:\n${lastLines(decode.stderr)}`);
  return {
    decoded: { path: decodedPath, width: source.width, height: source.height },
    bytes: (await stat(stream)).size,
  };
}
