/**
 * Benchmark of `measureQuality` against ffmpeg's own psnr + ssim filters on
 * the same 1080p frames, both timed by wall clock in the same run.
 *
 * Frames: the bundled clip clips/astronaut-pan.y4m (a panned photograph)
 * upscaled to 1920x1080, and a copy degraded by a real JPEG round trip.
 * ffmpeg computes the same four figures we do: psnr and ssim on gbrp (RGB) and
 * on gray (our luma planes), in one process reading raw files from a temporary
 * folder (the time to write those files is not counted; ffmpeg's start-up and
 * file reading are).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Frame } from "../evaluate/clips/clip.js";
import { rgbToLuma } from "../evaluate/metrics/luma.js";
import { measureQuality } from "../evaluate/metrics/quality.js";
import { closeSharedQualityPool } from "../evaluate/metrics/quality-pool.js";

const WIDTH = 1920;
const HEIGHT = 1080;
const FRAMES = 30;
/** A bundled clip of real photographic content (the same path from src/bench and dist/bench). */
const CLIP = fileURLToPath(new URL("../../clips/astronaut-pan.y4m", import.meta.url));

/** Runs ffmpeg, feeding `input` on stdin; resolves with stdout, stderr and the wall time in ms. */
function ffmpeg(
  args: readonly string[],
  input?: Uint8Array,
): Promise<{ stdout: Buffer; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("ffmpeg", ["-hide_banner", "-nostdin", "-y", ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-20000);
    });
    child.on("error", (error) => reject(new Error(`could not run ffmpeg: ${error.message}`)));
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ stdout: Buffer.concat(out), stderr, ms });
      else
        reject(new Error(`ffmpeg ${args.join(" ")} exited with ${code}: ${stderr.slice(-1500)}`));
    });
    child.stdin.on("error", () => undefined); // ffmpeg may close stdin early when it fails
    child.stdin.end(input);
  });
}

function splitFrames(raw: Buffer): Frame[] {
  const size = WIDTH * HEIGHT * 3;
  const frames: Frame[] = [];
  for (let offset = 0; offset + size <= raw.length; offset += size) {
    frames.push({
      width: WIDTH,
      height: HEIGHT,
      data: new Uint8Array(raw.subarray(offset, offset + size)),
    });
  }
  if (frames.length !== FRAMES)
    throw new Error(`expected ${FRAMES} frames, ffmpeg gave ${frames.length}`);
  return frames;
}

/** Source frames (the bundled astronaut pan, upscaled) and a JPEG-degraded copy, as packed RGB24. */
export async function makeFrames(): Promise<{ source: Frame[]; decoded: Frame[]; origin: string }> {
  const raw = ["-f", "rawvideo", "-pix_fmt", "rgb24"];
  if (!existsSync(CLIP)) throw new Error(`metrics bench: bundled clip ${CLIP} is missing`);
  // The clip has 20 frames; looping it once gives the 30 the bench times.
  const input = ["-stream_loop", "1", "-i", CLIP, "-vf", `scale=${WIDTH}:${HEIGHT}:flags=bicubic`];
  const source = await ffmpeg([...input, "-frames:v", String(FRAMES), ...raw, "-"]);
  const jpeg = await ffmpeg(
    [
      ...raw,
      "-s",
      `${WIDTH}x${HEIGHT}`,
      "-i",
      "-",
      "-c:v",
      "mjpeg",
      "-q:v",
      "8",
      "-f",
      "mjpeg",
      "-",
    ],
    source.stdout,
  );
  const decoded = await ffmpeg(["-f", "mjpeg", "-i", "-", ...raw, "-"], jpeg.stdout);
  return {
    source: splitFrames(source.stdout),
    decoded: splitFrames(decoded.stdout),
    origin: "clips/astronaut-pan.y4m upscaled",
  };
}

function gbrp(frames: readonly Frame[]): Buffer {
  const pixels = WIDTH * HEIGHT;
  const out = Buffer.alloc(frames.length * pixels * 3);
  frames.forEach(({ data }, f) => {
    const base = f * pixels * 3;
    for (let i = 0, p = 0; i < pixels; i++, p += 3) {
      out[base + i] = data[p + 1]!;
      out[base + pixels + i] = data[p + 2]!;
      out[base + 2 * pixels + i] = data[p]!;
    }
  });
  return out;
}

/** Raw gbrp and luma files of both frame sets in `dir`, the inputs of timeFfmpeg. */
export function writeFfmpegInputs(
  dir: string,
  source: readonly Frame[],
  decoded: readonly Frame[],
): { mainRgb: string; refRgb: string; mainY: string; refY: string } {
  const paths = {
    mainRgb: join(dir, "decoded.gbrp"),
    refRgb: join(dir, "source.gbrp"),
    mainY: join(dir, "decoded.gray"),
    refY: join(dir, "source.gray"),
  };
  writeFileSync(paths.mainRgb, gbrp(decoded));
  writeFileSync(paths.refRgb, gbrp(source));
  writeFileSync(paths.mainY, Buffer.concat(decoded.map(rgbToLuma)));
  writeFileSync(paths.refY, Buffer.concat(source.map(rgbToLuma)));
  return paths;
}

/** One ffmpeg summary figure for the RGB and the luma stream, undefined when not computed. */
interface FfmpegPair {
  rgb: number | undefined;
  y: number | undefined;
}

/** ffmpeg psnr + ssim on the given raw streams in one process; returns wall ms and the parsed summaries. */
export async function timeFfmpeg(
  streams: { pixFmt: string; main: string; reference: string }[],
): Promise<{ ms: number; psnr: FfmpegPair; ssim: FfmpegPair }> {
  const inputs = streams.flatMap(({ pixFmt, main, reference }) =>
    [main, reference].flatMap((path) => [
      "-f",
      "rawvideo",
      "-pix_fmt",
      pixFmt,
      "-s",
      `${WIDTH}x${HEIGHT}`,
      "-i",
      path,
    ]),
  );
  const graph = streams
    .map(
      (_, k) =>
        `[${2 * k}:v]split[m${k}a][m${k}b];[${2 * k + 1}:v]split[r${k}a][r${k}b];` +
        `[m${k}a][r${k}a]psnr[p${k}];[m${k}b][r${k}b]ssim[s${k}]`,
    )
    .join(";");
  const outputs = streams.flatMap((_, k) => [
    "-map",
    `[p${k}]`,
    "-f",
    "null",
    "-",
    "-map",
    `[s${k}]`,
    "-f",
    "null",
    "-",
  ]);
  const { stderr, ms } = await ffmpeg([...inputs, "-lavfi", graph, ...outputs]);
  // Summaries come in filter tear-down order; tell RGB (r:/R:) from luma (y:/Y:) by their components.
  const summary = (pattern: RegExp, component: string): number | undefined => {
    const line = stderr.split("\n").find((l) => pattern.test(l) && l.includes(` ${component}:`));
    const value = line === undefined ? undefined : pattern.exec(line)?.[1];
    return value === undefined
      ? undefined
      : value === "inf"
        ? Number.POSITIVE_INFINITY
        : Number(value);
  };
  return {
    ms,
    psnr: {
      rgb: summary(/PSNR .*average:(inf|[-\d.]+)/, "r"),
      y: summary(/PSNR .*average:(inf|[-\d.]+)/, "y"),
    },
    ssim: { rgb: summary(/SSIM .*All:([-\d.]+)/, "R"), y: summary(/SSIM .*All:([-\d.]+)/, "Y") },
  };
}

export const fps = (ms: number): string =>
  `${((FRAMES * 1000) / ms).toFixed(1)} frames/s (${ms.toFixed(0)} ms)`;

/** Times measureQuality against ffmpeg's psnr+ssim filters on 30 1080p frames; returns a printable report. */
export async function benchMetrics(): Promise<string> {
  const { source, decoded, origin } = await makeFrames();
  const dir = mkdtempSync(join(tmpdir(), "metrics-bench-"));
  try {
    const paths = writeFfmpegInputs(dir, source, decoded);

    let started = performance.now();
    await measureQuality(source, decoded);
    const oursColdMs = performance.now() - started;
    started = performance.now();
    const ours = await measureQuality(source, decoded);
    const oursMs = performance.now() - started;
    started = performance.now();
    await measureQuality(source, decoded, { threads: "main" });
    const oursMainMs = performance.now() - started;

    const rgbOnly = await timeFfmpeg([
      { pixFmt: "gbrp", main: paths.mainRgb, reference: paths.refRgb },
    ]);
    const all = await timeFfmpeg([
      { pixFmt: "gbrp", main: paths.mainRgb, reference: paths.refRgb },
      { pixFmt: "gray", main: paths.mainY, reference: paths.refY },
    ]);
    const diff = (a: number, b: number | undefined): string =>
      b === undefined ? "n/a" : Math.abs(a - b).toExponential(1);

    return [
      `metrics bench: ${FRAMES} frames ${WIDTH}x${HEIGHT} (${origin}, JPEG q=8 copy), ${availableParallelism()} CPUs`,
      `  measureQuality, workers (warm pool): ${fps(oursMs)}`,
      `  measureQuality, workers (first call, starts the pool): ${fps(oursColdMs)}`,
      `  measureQuality, main thread only:    ${fps(oursMainMs)}`,
      `  ffmpeg psnr+ssim, RGB (gbrp) + luma (gray), one process: ${fps(all.ms)}`,
      `  ffmpeg psnr+ssim, RGB (gbrp) only:                       ${fps(rgbOnly.ms)}`,
      `  speed ratio ours / ffmpeg (same four figures): ${(all.ms / oursMs).toFixed(2)}x`,
      `  figures: psnrRgb ${ours.psnrRgb.toFixed(6)} ssimRgb ${ours.ssimRgb.toFixed(6)} psnrY ${ours.psnrY.toFixed(6)} ssimY ${ours.ssimY.toFixed(6)}`,
      `  |ours - ffmpeg|: psnrRgb ${diff(ours.psnrRgb, all.psnr.rgb)} ssimRgb ${diff(ours.ssimRgb, all.ssim.rgb)} psnrY ${diff(ours.psnrY, all.psnr.y)} ssimY ${diff(ours.ssimY, all.ssim.y)}`,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await closeSharedQualityPool();
  }
}
