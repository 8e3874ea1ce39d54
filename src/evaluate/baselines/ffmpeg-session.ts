/**
 * One reference video encoder open on one clip: raw yuv420p on ffmpeg's stdin,
 * a raw elementary stream in a temporary file (its size is the rate), decoded
 * back by ffmpeg to raw yuv420p and scored against the clip's RGB frames with
 * the project's own metric code.
 *
 * No colour range or matrix flags are set on either side: the stream signals
 * nothing, the decoder hands back yuv420p untouched, and the samples are read
 * back with the range they were written in, so ffmpeg converts nothing.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clip, Frame } from "../clips/clip.js";
import { yuvToRgb } from "../clips/colour.js";
import { measureQuality } from "../metrics/quality.js";
import type { Encoded, EncoderSession, SessionContext } from "./baseline-encoder.js";
import type { FfmpegEncoderSpec } from "./ffmpeg-encoders.js";
import { runFfmpeg } from "./ffmpeg-probe.js";
import { lastLines } from "../run-process.js";
import { yuv420Input, type YuvInput } from "./yuv-input.js";

const QUIET = ["-hide_banner", "-nostats", "-loglevel", "error"];

/** Opens `spec` on `clip`; the caller must `close()` the session to remove its temporary files. */
export async function openFfmpegSession(
  spec: FfmpegEncoderSpec,
  clip: Clip,
  context: SessionContext,
): Promise<EncoderSession> {
  if (clip.width % 2 !== 0 || clip.height % 2 !== 0) {
    throw new Error(
      `the ${spec.encoder} baseline needs an even width and height for 4:2:0, ` +
        `but clip ${clip.name} is ${clip.width}x${clip.height}`,
    );
  }
  const input = yuv420Input(clip);
  const dir = await mkdtemp(join(tmpdir(), "codec-evolve-baseline-"));
  const encodes = new Map<number, { path: string; encoded: Encoded }>();
  const purpose = `the ${spec.encoder} baseline`;

  const encode = async (knob: number): Promise<Encoded> => {
    context.signal?.throwIfAborted();
    const path = join(dir, `${spec.knob.name}${knob}.${spec.format}`);
    const frames = clip.frames.length;
    const args = [
      ...QUIET,
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${clip.width}x${clip.height}`],
      ...["-framerate", String(clip.fps), "-i", "pipe:0"],
      ...["-map", "0:v:0", "-frames:v", String(frames), "-c:v", spec.encoder],
      ...spec.args(knob, frames),
      ...["-f", spec.format, "-y", path],
    ];
    const result = await runFfmpeg(context.runner, purpose, args, {
      stdin: input.samples,
      signal: context.signal,
    });
    if (result.code !== 0) {
      throw new Error(
        `${purpose} failed at ${spec.knob.name}=${knob} (ffmpeg exit ${result.code ?? result.signal}):\n` +
          lastLines(result.stderr),
      );
    }
    const bytes = (await stat(path)).size;
    if (bytes === 0)
      throw new Error(`${purpose} wrote an empty stream at ${spec.knob.name}=${knob}`);
    const encoded = { bytes, encodeSeconds: result.seconds };
    encodes.set(knob, { path, encoded });
    return encoded;
  };

  return {
    encode,
    async decodeAndMeasure(knob) {
      if (!encodes.has(knob)) await encode(knob);
      const { path, encoded } = encodes.get(knob)!;
      context.signal?.throwIfAborted();
      const args = [
        ...QUIET,
        ...["-f", spec.format, "-i", path, "-map", "0:v:0", "-fps_mode", "passthrough"],
        ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
      ];
      const result = await runFfmpeg(context.runner, purpose, args, {
        captureStdout: true,
        signal: context.signal,
      });
      if (result.code !== 0) {
        throw new Error(
          `decoding the ${spec.encoder} stream at ${spec.knob.name}=${knob} failed ` +
            `(ffmpeg exit ${result.code ?? result.signal}):\n${lastLines(result.stderr)}`,
        );
      }
      const decodedFrames = splitFrames(result.stdout, clip, input, `${spec.knob.name}=${knob}`);
      const quality = await measureQuality(clip.frames, decodedFrames);
      return { encoded, decoded: { quality, decodeSeconds: result.seconds } };
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Cuts ffmpeg's raw yuv420p output into RGB frames; the count must be exactly the clip's. */
function splitFrames(raw: Buffer, clip: Clip, input: YuvInput, where: string): Frame[] {
  const expected = clip.frames.length * input.frameSize;
  if (raw.length !== expected) {
    throw new Error(
      `the decoded baseline stream at ${where} has ${raw.length / input.frameSize} frames ` +
        `(${raw.length} bytes), expected ${clip.frames.length}`,
    );
  }
  const frames: Frame[] = [];
  for (let i = 0; i < clip.frames.length; i++) {
    const planes = raw.subarray(i * input.frameSize, (i + 1) * input.frameSize);
    frames.push(yuvToRgb(planes, "yuv420p", clip.width, clip.height, input.range));
  }
  return frames;
}
