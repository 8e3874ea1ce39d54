/**
 * Test helpers that make real frames with ffmpeg and ask ffmpeg's own psnr and
 * ssim filters for the reference figures our metrics must reproduce.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import type { Frame } from "../../../src/evaluate/clips/clip.js";

/** The repository's bundled clips (real photographic content, committed). */
export const CLIPS = new URL("../../../clips/", import.meta.url).pathname;

/** Runs ffmpeg with stdin bytes; returns stdout and stderr, throwing on a non-zero exit. */
export function ffmpeg(args: string[], input?: Uint8Array): { stdout: Buffer; stderr: string } {
  const result = spawnSync("ffmpeg", ["-hide_banner", "-nostdin", "-y", ...args], {
    input,
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) {
    throw new Error(`ffmpeg ${args.join(" ")} failed: ${result.stderr?.toString().slice(-2000)}`);
  }
  return { stdout: result.stdout, stderr: result.stderr.toString() };
}

/** Splits raw rgb24 bytes into frames of width x height. */
export function framesFromRaw(raw: Uint8Array, width: number, height: number): Frame[] {
  const size = width * height * 3;
  if (raw.length % size !== 0) throw new Error(`raw length ${raw.length} is not n*${size}`);
  const frames: Frame[] = [];
  for (let offset = 0; offset < raw.length; offset += size) {
    frames.push({ width, height, data: raw.slice(offset, offset + size) });
  }
  return frames;
}

/** `count` frames of a bundled clip from frame `first`, converted to rgb24 and then (so odd sizes stay exact) cropped to width x height at (x, y), as rgb24. */
export function clipFrames(
  clip: string,
  crop: { width: number; height: number; x: number; y: number },
  first: number,
  count: number,
): Frame[] {
  const { width, height, x, y } = crop;
  const { stdout } = ffmpeg([
    "-i",
    `${CLIPS}${clip}`,
    "-vf",
    `select=gte(n\\,${first}),format=rgb24,crop=${width}:${height}:${x}:${y}`,
    "-frames:v",
    String(count),
    "-f",
    "rawvideo",
    "-pix_fmt",
    "rgb24",
    "-",
  ]);
  const frames = framesFromRaw(new Uint8Array(stdout), width, height);
  if (frames.length !== count)
    throw new Error(`${clip}: wanted ${count} frames, got ${frames.length}`);
  return frames;
}

/** Frames degraded by a real ffmpeg round trip: JPEG at `-q:v quality`, x264 at a CRF, or a filter such as gblur. */
export function degrade(
  frames: readonly Frame[],
  how: { jpegQuality: number } | { filter: string } | { x264Crf: number },
): Frame[] {
  const { width, height } = frames[0]!;
  const raw = Buffer.concat(frames.map((frame) => frame.data));
  const input = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${width}x${height}`, "-i", "-"];
  const output = ["-f", "rawvideo", "-pix_fmt", "rgb24", "-"];
  let degraded: Buffer;
  if ("jpegQuality" in how) {
    const jpeg = ffmpeg(
      [...input, "-c:v", "mjpeg", "-q:v", String(how.jpegQuality), "-f", "mjpeg", "-"],
      raw,
    );
    degraded = ffmpeg(["-f", "mjpeg", "-i", "-", ...output], jpeg.stdout).stdout;
  } else if ("x264Crf" in how) {
    // A real video codec round trip: 4:2:0 chroma, inter prediction across the frames.
    const h264 = ffmpeg(
      [
        ...input,
        "-c:v",
        "libx264",
        "-preset",
        "fast",
        "-crf",
        String(how.x264Crf),
        "-pix_fmt",
        "yuv420p",
        "-f",
        "h264",
        "-",
      ],
      raw,
    );
    degraded = ffmpeg(["-f", "h264", "-i", "-", ...output], h264.stdout).stdout;
  } else {
    degraded = ffmpeg([...input, "-vf", how.filter, ...output], raw).stdout;
  }
  return framesFromRaw(degraded, width, height);
}

/** Packed rgb24 frames rewritten as ffmpeg's planar gbrp (G plane, B plane, R plane per frame). */
export function toGbrp(frames: readonly Frame[]): Buffer {
  const parts: Buffer[] = [];
  for (const { width, height, data } of frames) {
    const pixels = width * height;
    const planar = Buffer.alloc(pixels * 3);
    for (let i = 0; i < pixels; i++) {
      planar[i] = data[i * 3 + 1]!;
      planar[pixels + i] = data[i * 3 + 2]!;
      planar[2 * pixels + i] = data[i * 3]!;
    }
    parts.push(planar);
  }
  return Buffer.concat(parts);
}

export interface FfmpegFigures {
  psnrAverage: number;
  ssimAll: number;
}

/**
 * ffmpeg's psnr "average:" and ssim "All:" summaries for two raw streams of the
 * same pixel format (e.g. "gbrp" or "gray"), written to files in `dir`.
 */
export function ffmpegFigures(
  dir: string,
  pixFmt: string,
  width: number,
  height: number,
  main: Buffer,
  reference: Buffer,
): FfmpegFigures {
  const mainPath = `${dir}/main.${pixFmt}`;
  const refPath = `${dir}/ref.${pixFmt}`;
  writeFileSync(mainPath, main);
  writeFileSync(refPath, reference);
  const raw = (path: string): string[] => [
    "-f",
    "rawvideo",
    "-pix_fmt",
    pixFmt,
    "-s",
    `${width}x${height}`,
    "-i",
    path,
  ];
  const run = (filter: string): string =>
    ffmpeg([...raw(mainPath), ...raw(refPath), "-lavfi", `[0:v][1:v]${filter}`, "-f", "null", "-"])
      .stderr;
  const psnrLog = run("psnr");
  const ssimLog = run("ssim");
  const average = /PSNR .*average:(inf|[-\d.]+)/.exec(psnrLog)?.[1];
  const all = /SSIM .*All:([-\d.]+)/.exec(ssimLog)?.[1];
  if (average === undefined || all === undefined) {
    throw new Error(`could not parse ffmpeg summaries:\n${psnrLog}\n${ssimLog}`);
  }
  return {
    psnrAverage: average === "inf" ? Number.POSITIVE_INFINITY : Number(average),
    ssimAll: Number(all),
  };
}

/**
 * ffmpeg's SSIM of one plane computed window by window from scratch (double
 * precision), optionally reproducing a bug of ffmpeg 5.1's x86 SSE4
 * `ssim_end_line`: when a line has n ≡ 1 (mod 4) windows, its remainder
 * handling drops the line's last valid window and keeps instead the window two
 * places further on, made of never-written (zero) block sums, which scores
 * exactly 1. Newer ffmpeg fixed that code; the C reference never had it.
 */
export function referenceSsim(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  options: { ffmpeg51X86EndLineBug?: boolean } = {},
): number {
  const c1 = 416;
  const c2 = 235963;
  const perLine = (width >> 2) - 1;
  const lines = (height >> 2) - 1;
  const buggy = options.ffmpeg51X86EndLineBug === true && perLine % 4 === 1;
  let total = 0;
  for (let line = 0; line < lines; line++) {
    for (let w = 0; w < perLine; w++) {
      if (buggy && w === perLine - 1) {
        total += 1;
        continue;
      }
      let s1 = 0;
      let s2 = 0;
      let ss = 0;
      let s12 = 0;
      for (let dy = 0; dy < 8; dy++) {
        for (let dx = 0; dx < 8; dx++) {
          const i = (line * 4 + dy) * width + w * 4 + dx;
          s1 += a[i]!;
          s2 += b[i]!;
          ss += a[i]! * a[i]! + b[i]! * b[i]!;
          s12 += a[i]! * b[i]!;
        }
      }
      const vars = ss * 64 - s1 * s1 - s2 * s2;
      const covar = s12 * 64 - s1 * s2;
      total += ((2 * s1 * s2 + c1) * (2 * covar + c2)) / ((s1 * s1 + s2 * s2 + c1) * (vars + c2));
    }
  }
  return total / (lines * perLine);
}

/** One channel (0 = R, 1 = G, 2 = B) of a packed rgb24 frame as a plane. */
export function channel(frame: Frame, c: number): Uint8Array {
  const plane = new Uint8Array(frame.width * frame.height);
  for (let i = 0; i < plane.length; i++) plane[i] = frame.data[3 * i + c]!;
  return plane;
}
