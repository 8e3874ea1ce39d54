/**
 * Reads any video (or still image) ffmpeg can decode.
 *
 * ffprobe gives the size, frame rate, pixel format and range of the first
 * video stream; ffmpeg then streams raw frames through a pipe, read one
 * frame at a time (openWithFfmpeg) so no clip is ever held whole. 8-bit YUV
 * 4:2:0 and 4:4:4 sources are decoded in their own format, kept as
 * clip.native and converted to RGB with our BT.601 conversion (colour.ts), so
 * a clip gives the same RGB frames whether it arrives as Y4M or as MP4.
 * Every other format is converted to RGB24 by ffmpeg itself (its matrix for
 * the stream's tags, BT.601 when untagged) and has no native planes.
 * ffmpeg and ffprobe come from PATH unless CODEC_EVOLVE_FFMPEG /
 * CODEC_EVOLVE_FFPROBE name another binary.
 */
import { spawn } from "node:child_process";
import { basename, extname, resolve } from "node:path";
import { rawFrames } from "../raw-frames.js";
import type { Clip } from "./clip.js";
import { collectClip, type ClipStream } from "./clip-stream.js";
import { ClipError } from "./clip-error.js";
import { yuvFrameSize, yuvToRgb, type YuvPixFmt, type YuvRange } from "./colour.js";
import { checkMaxFrames } from "./max-frames.js";
import { runTool, toolOverrideVariable } from "./run-tool.js";

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

/**
 * Opens the first video stream of `path` as a stream (at most maxFrames
 * frames). Each walk runs ffmpeg again and reads its pipe one frame at a time;
 * a first walk that only counts frames runs when the stream is opened, so the
 * frame count is known up front and a file ffmpeg cannot decode fails here.
 */
export async function openWithFfmpeg(
  path: string,
  opts: { maxFrames?: number } = {},
): Promise<ClipStream> {
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
  const describe = `${stream.width}x${stream.height} frames (${frameSize} bytes each) of ${outFmt}`;

  let frameCount = 0;
  for await (const _ of decodeRaw(path, args, frameSize, describe)) frameCount++;
  if (frameCount === 0) {
    throw new ClipError(`${path}: ffmpeg decoded no frames from the video stream`);
  }
  const range: YuvRange = native?.fullRange || stream.colorRange === "pc" ? "pc" : "tv";
  const { width, height } = stream;
  return {
    name: basename(path, extname(path)),
    width,
    height,
    fps: stream.fps,
    frameCount,
    source: { kind: "ffmpeg", path },
    ...(native ? { native: { pixFmt: native.pixFmt, range } } : {}),
    async *frames() {
      let index = 0;
      for await (const data of decodeRaw(path, args, frameSize, describe)) {
        if (index >= frameCount) break;
        if (native === undefined) {
          yield { index, rgb: { width, height, data } };
        } else {
          const rgb = yuvToRgb(data, native.pixFmt, width, height, range);
          yield { index, rgb, native: data };
        }
        index++;
      }
      if (index !== frameCount) {
        throw new ClipError(
          `${path}: ffmpeg decoded ${index} frames this time but ${frameCount} when the clip was opened`,
        );
      }
    },
  };
}

/** Decodes the first video stream of `path` into a Clip held in memory (at most maxFrames frames). */
export async function readWithFfmpeg(
  path: string,
  opts: { maxFrames?: number } = {},
): Promise<Clip> {
  return collectClip(await openWithFfmpeg(path, opts));
}

/** Runs ffmpeg with `args` and yields its raw output one frame at a time; throws a ClipError when it fails. */
async function* decodeRaw(
  path: string,
  args: readonly string[],
  frameSize: number,
  describe: string,
): AsyncGenerator<Buffer> {
  const variable = toolOverrideVariable("ffmpeg");
  const tool = process.env[variable] || "ffmpeg";
  // Its own process group, like every ffmpeg we run: Ctrl-C reaches the CLI first.
  const child = spawn(tool, args, { stdio: ["ignore", "pipe", "pipe"], detached: true });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString("utf8")).slice(-8192);
  });
  let exited = false;
  const exit = new Promise<number | null>((resolve, reject) => {
    child.on("error", (error: NodeJS.ErrnoException) => {
      exited = true;
      const hint =
        error.code === "ENOENT"
          ? `"${tool}" was not found; install ffmpeg (e.g. apt-get install ffmpeg) or set ${variable} to its path`
          : `could not start "${tool}": ${error.message}`;
      reject(new ClipError(`${path}: ffmpeg: ${hint}`, { cause: error }));
    });
    child.on("close", (code) => {
      exited = true;
      resolve(code);
    });
  });
  exit.catch(() => undefined); // observed below; a consumer that stops early must not leave it unhandled
  try {
    const frames = rawFrames(child.stdout, frameSize);
    let next = await frames.next();
    while (!next.done) {
      yield next.value;
      next = await frames.next();
    }
    const code = await exit;
    if (code !== 0) {
      throw new ClipError(`${path}: ffmpeg failed to decode (exit ${code}): ${stderr.trim() || "no message"}`);
    }
    if (next.value.leftover !== 0) {
      throw new ClipError(
        `${path}: ffmpeg produced ${next.value.leftover} bytes after the last whole frame, not a whole number of ${describe}`,
      );
    }
  } finally {
    if (!exited && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
}
