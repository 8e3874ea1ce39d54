/**
 * One reference video encoder open on one clip: raw yuv420p on ffmpeg's stdin,
 * a raw elementary stream in a temporary file (its size is the rate), decoded
 * back by ffmpeg to raw yuv420p and scored against the clip's RGB frames with
 * the project's own metric code. Both directions stream: frames go to ffmpeg
 * as it reads them, and decoded frames are scored as they come out, each
 * against the same frame of the clip read again, so memory holds a few frames.
 *
 * No colour range or matrix flags are set on either side: the stream signals
 * nothing, the decoder hands back yuv420p untouched, and the samples are read
 * back with the range they were written in, so ffmpeg converts nothing.
 */
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { streamOf, type ClipInput, type ClipStream } from "../clips/clip-stream.js";
import { yuvToRgb } from "../clips/colour.js";
import { frameQuality, QualitySums } from "../metrics/quality.js";
import { rawFrames } from "../raw-frames.js";
import type { Encoded, EncoderSession, SessionContext } from "./baseline-encoder.js";
import type { FfmpegEncoderSpec } from "./ffmpeg-encoders.js";
import { runFfmpeg } from "./ffmpeg-probe.js";
import { lastLines } from "../run-process.js";
import { yuv420Input, type YuvInput } from "./yuv-input.js";
import type { QualityMetrics } from "../results.js";

const QUIET = ["-hide_banner", "-nostats", "-loglevel", "error"];

/** Opens `spec` on `clip`; the caller must `close()` the session to remove its temporary files. */
export async function openFfmpegSession(
  spec: FfmpegEncoderSpec,
  clipInput: ClipInput,
  context: SessionContext,
): Promise<EncoderSession> {
  const clip = streamOf(clipInput);
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
    const frames = clip.frameCount;
    const args = [
      ...QUIET,
      ...["-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", `${clip.width}x${clip.height}`],
      ...["-framerate", String(clip.fps), "-i", "pipe:0"],
      ...["-map", "0:v:0", "-frames:v", String(frames), "-c:v", spec.encoder],
      ...spec.args(knob, frames),
      ...["-f", spec.format, "-y", path],
    ];
    const result = await runFfmpeg(context.runner, purpose, args, {
      stdin: input.frames(),
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
      let measured: { quality: QualityMetrics; frames: number; leftover: number } | null = null;
      const result = await runFfmpeg(context.runner, purpose, args, {
        stdoutSink: async (stdout) => {
          measured = await scoreDecoded(stdout, clip, input);
        },
        signal: context.signal,
      });
      if (result.code !== 0) {
        throw new Error(
          `decoding the ${spec.encoder} stream at ${spec.knob.name}=${knob} failed ` +
            `(ffmpeg exit ${result.code ?? result.signal}):\n${lastLines(result.stderr)}`,
        );
      }
      const got = measured as { quality: QualityMetrics; frames: number; leftover: number } | null;
      if (!got || got.frames !== clip.frameCount || got.leftover !== 0) {
        const frames = got?.frames ?? 0;
        const bytes = frames * input.frameSize + (got?.leftover ?? 0);
        throw new Error(
          `the decoded baseline stream at ${spec.knob.name}=${knob} has ${bytes / input.frameSize} frames ` +
            `(${bytes} bytes), expected ${clip.frameCount}`,
        );
      }
      return { encoded, decoded: { quality: got.quality, decodeSeconds: result.seconds } };
    },
    async close() {
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Scores ffmpeg's raw yuv420p output frame by frame against the clip's RGB
 * frames (read again alongside); stops counting at the clip's length, and
 * reports how many frames and stray bytes there were.
 */
async function scoreDecoded(
  stdout: Readable,
  clip: ClipStream,
  input: YuvInput,
): Promise<{ quality: QualityMetrics; frames: number; leftover: number }> {
  const sums = new QualitySums();
  const source = clip.frames()[Symbol.asyncIterator]();
  const decoded = rawFrames(stdout, input.frameSize);
  let frames = 0;
  let leftover = 0;
  try {
    for (;;) {
      const next = await decoded.next();
      if (next.done) {
        leftover = next.value.leftover;
        break;
      }
      frames++;
      const original = frames <= clip.frameCount ? await source.next() : null;
      if (!original || original.done) continue; // counted, reported by the caller
      const rgb = yuvToRgb(next.value, "yuv420p", clip.width, clip.height, input.range);
      sums.add(await frameQuality(original.value.rgb, rgb));
    }
  } finally {
    await source.return?.();
  }
  const quality =
    frames === clip.frameCount
      ? sums.result(clip.width * clip.height)
      : { psnrRgb: NaN, ssimRgb: NaN, psnrY: NaN, ssimY: NaN };
  return { quality, frames, leftover };
}
