/**
 * Reads any video (or still image) ffmpeg can decode.
 *
 * ffprobe gives the size, frame rate, pixel format and range of the first
 * video stream; ffmpeg then streams raw frames through a pipe. 8-bit YUV
 * 4:2:0 and 4:4:4 sources are decoded in their own format, kept as
 * clip.native and converted to RGB with our BT.601 conversion (colour.ts), so
 * a clip gives the same RGB frames whether it arrives as Y4M or as MP4.
 * Every other format is converted to RGB24 by ffmpeg itself (its matrix for
 * the stream's tags, BT.601 when untagged) and has no native planes.
 * ffmpeg and ffprobe come from PATH unless CODEC_EVOLVE_FFMPEG /
 * CODEC_EVOLVE_FFPROBE name another binary.
 */
import { basename, extname, resolve } from "node:path";
import type { Clip, Frame, NativeYuv } from "./clip.js";
import { ClipError } from "./clip-error.js";
import { yuvFrameSize, yuvToRgb, type YuvPixFmt, type YuvRange } from "./colour.js";
import { checkMaxFrames } from "./max-frames.js";
import { runTool } from "./run-tool.js";

/** The first video stream as ffprobe describes it. */
interface ProbedStream {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly pixFmt: string;
  readonly colorRange?: string;
}

/** Source pixel formats decoded natively, with the range they imply. */
const NATIVE_FORMATS: Readonly<Record<string, { pixFmt: YuvPixFmt; fullRange: boolean }>> = {
  yuv420p: { pixFmt: "yuv420p", fullRange: false },
  yuvj420p: { pixFmt: "yuv420p", fullRange: true },
  yuv444p: { pixFmt: "yuv444p", fullRange: false },
  yuvj444p: { pixFmt: "yuv444p", fullRange: true },
};

/** Same flags as the documented comparison: exact rounding, full-resolution chroma. */
const SWS_FLAGS = "accurate_rnd+full_chroma_int+bitexact";

/** ffmpeg treats "name:" prefixes as protocols; an explicit file: URL keeps a path a path. */
function fileUrl(path: string): string {
  return `file:${resolve(path)}`;
}

function parseRate(text: unknown): number | undefined {
  if (typeof text !== "string") return undefined;
  const [num, den] = text.split("/").map(Number);
  if (num === undefined || den === undefined || !(num > 0) || !(den > 0)) return undefined;
  return num / den;
}

/** Describes the first video stream of `path` with ffprobe. */
export async function probeVideo(path: string): Promise<ProbedStream> {
  const out = await runTool(
    "ffprobe",
    [
      "-v",
      "error",
      "-select_streams",
      "v:0",
      "-show_entries",
      "stream=width,height,pix_fmt,color_range,avg_frame_rate,r_frame_rate",
      "-of",
      "json",
      fileUrl(path),
    ],
    `${path}: ffprobe`,
  );
  if (out.code !== 0) {
    throw new ClipError(
      `${path}: ffprobe cannot read this file as media (exit ${out.code}): ${out.stderr || "no message"}`,
    );
  }
  let parsed: { streams?: Array<Record<string, unknown>> };
  try {
    parsed = JSON.parse(out.stdout.toString("utf8")) as typeof parsed;
  } catch (error) {
    throw new ClipError(`${path}: ffprobe printed something that is not JSON`, { cause: error });
  }
  const stream = parsed.streams?.[0];
  if (stream === undefined) {
    throw new ClipError(`${path}: no video stream found (ffprobe lists none); expected a video file`);
  }
  const { width, height, pix_fmt: pixFmt, color_range: colorRange } = stream;
  if (typeof width !== "number" || typeof height !== "number" || width <= 0 || height <= 0) {
    throw new ClipError(`${path}: video stream has no usable size (ffprobe: ${JSON.stringify(stream)})`);
  }
  const fps = parseRate(stream.avg_frame_rate) ?? parseRate(stream.r_frame_rate);
  if (fps === undefined) {
    throw new ClipError(`${path}: video stream has no frame rate (ffprobe: ${JSON.stringify(stream)})`);
  }
  return {
    width,
    height,
    fps,
    pixFmt: typeof pixFmt === "string" ? pixFmt : "unknown",
    colorRange: typeof colorRange === "string" ? colorRange : undefined,
  };
}

/** Decodes the first video stream of `path` into a Clip (at most maxFrames frames). */
export async function readWithFfmpeg(
  path: string,
  opts: { maxFrames?: number } = {},
): Promise<Clip> {
  checkMaxFrames(opts.maxFrames, path);
  const stream = await probeVideo(path);
  const native = NATIVE_FORMATS[stream.pixFmt];
  const outFmt = native === undefined ? "rgb24" : stream.pixFmt;
  const frameSize =
    native === undefined
      ? stream.width * stream.height * 3
      : yuvFrameSize(native.pixFmt, stream.width, stream.height);
  const args = ["-v", "error", "-nostdin", "-i", fileUrl(path), "-map", "0:v:0"];
  if (opts.maxFrames !== undefined) args.push("-frames:v", String(opts.maxFrames));
  // passthrough: one output frame per decoded frame, no duplicates or drops for variable rate.
  args.push("-fps_mode", "passthrough", "-sws_flags", SWS_FLAGS);
  args.push("-f", "rawvideo", "-pix_fmt", outFmt, "pipe:1");
  const out = await runTool("ffmpeg", args, `${path}: ffmpeg`);
  if (out.code !== 0) {
    throw new ClipError(`${path}: ffmpeg failed to decode (exit ${out.code}): ${out.stderr || "no message"}`);
  }
  const bytes = new Uint8Array(out.stdout.buffer, out.stdout.byteOffset, out.stdout.byteLength);
  if (bytes.length === 0) {
    throw new ClipError(`${path}: ffmpeg decoded no frames from the video stream`);
  }
  if (bytes.length % frameSize !== 0) {
    throw new ClipError(
      `${path}: ffmpeg produced ${bytes.length} bytes of ${outFmt}, not a whole number of ` +
        `${stream.width}x${stream.height} frames (${frameSize} bytes each)`,
    );
  }
  const count = bytes.length / frameSize;
  const planes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) planes.push(bytes.subarray(i * frameSize, (i + 1) * frameSize));
  const common = {
    name: basename(path, extname(path)),
    width: stream.width,
    height: stream.height,
    fps: stream.fps,
    source: { kind: "ffmpeg", path } as const,
  };
  if (native === undefined) {
    const frames: Frame[] = planes.map((data) => ({ width: stream.width, height: stream.height, data }));
    return { ...common, frames };
  }
  const range: YuvRange = native.fullRange || stream.colorRange === "pc" ? "pc" : "tv";
  const yuv: NativeYuv = { pixFmt: native.pixFmt, frames: planes, range };
  const frames = planes.map((p) => yuvToRgb(p, native.pixFmt, stream.width, stream.height, range));
  return { ...common, frames, native: yuv };
}
