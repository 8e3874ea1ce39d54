/**
 * Quality of decoded frames against source frames (DESIGN.md "Metrics").
 *
 * How each figure relates to ffmpeg 5.1 (checked in test/unit/metrics):
 * - psnrRgb: 10·log10(255²/MSE), MSE over every R, G, B sample of every frame.
 *   ffmpeg's psnr "average" is PSNR of the mean over frames of each frame's MSE
 *   (the per-plane MSEs weighted by plane size); with equally sized frames and
 *   planes that is the same number.
 * - ssimRgb: mean over frames of the mean of the R, G and B plane SSIMs
 *   (ffmpeg's "All" on gbrp input: equal plane weights, mean over frames).
 * - psnrY, ssimY: the same on the luma plane of `rgbToLuma` (ffmpeg on `gray`).
 * A perfect reconstruction gives psnr = +Infinity.
 *
 * One known exception: ffmpeg 5.1's x86 (SSE4) `ssim_end_line` mishandles lines
 * of n ≡ 1 (mod 4) windows, i.e. widths with (w/4 − 1) mod 4 = 1 (e.g. 347,
 * 363): it scores one never-written window as 1 in place of the line's last
 * window, so its SSIM is slightly too high. We follow ffmpeg's C reference
 * (which later ffmpeg x86 code also matches); the tests pin both behaviours.
 */
import type { Frame } from "../clips/clip.js";
import type { QualityMetrics } from "../results.js";
import { frameQualitySums } from "./frame-kernels.js";
import { psnrFromMse } from "./psnr.js";
import { sharedQualityPool, type QualityPool } from "./quality-pool.js";
import { assertSsimPlaneSize } from "./ssim.js";

/** Where the per-frame work runs: "auto" uses workers for inputs worth the hand-off. */
export type QualityThreads = "auto" | "main" | "workers";

export interface MeasureQualityOptions {
  threads?: QualityThreads;
  /** Pool to use instead of the process-wide one (tests). */
  pool?: QualityPool;
}

/** Below this many pixels in total, posting frames to workers costs more than it saves. */
const PARALLEL_MIN_PIXELS = 1 << 20;

/** psnrRgb, ssimRgb, psnrY, ssimY of decoded frames against source frames (DESIGN.md definitions); parallel over frames with worker threads. */
export async function measureQuality(
  source: readonly Frame[],
  decoded: readonly Frame[],
  options: MeasureQualityOptions = {},
): Promise<QualityMetrics> {
  const { width, height } = checkFramePairs(source, decoded);
  const threads = options.threads ?? "auto";
  const pool = options.pool ?? sharedQualityPool();
  // With one CPU a worker only adds copies; with tiny inputs the hand-off costs more than it saves.
  const useWorkers =
    threads === "workers" ||
    (threads === "auto" &&
      pool.size >= 2 &&
      source.length >= 2 &&
      width * height * source.length >= PARALLEL_MIN_PIXELS);

  let perFrame: number[][];
  if (useWorkers) {
    perFrame = await Promise.all(
      source.map((frame, i) =>
        pool.run({ source: frame.data, decoded: decoded[i]!.data, width, height }),
      ),
    );
  } else {
    const scratch = new Uint8Array(2 * width * height);
    perFrame = source.map((frame, i) =>
      frameQualitySums(frame.data, decoded[i]!.data, width, height, scratch),
    );
  }
  return combineFrameSums(perFrame, width * height);
}

/** Validates that both lists hold the same number of RGB24 frames, all of one size; returns it. */
function checkFramePairs(
  source: readonly Frame[],
  decoded: readonly Frame[],
): { width: number; height: number } {
  if (source.length === 0) throw new Error("measureQuality: no frames to compare");
  if (source.length !== decoded.length) {
    throw new Error(
      `measureQuality: ${source.length} source frames but ${decoded.length} decoded frames`,
    );
  }
  const { width, height } = source[0]!;
  assertSsimPlaneSize(width, height);
  const bytes = width * height * 3;
  const check = (frame: Frame, label: string): void => {
    if (frame.width !== width || frame.height !== height) {
      throw new Error(
        `measureQuality: ${label} is ${frame.width}x${frame.height}, expected ${width}x${height}`,
      );
    }
    if (frame.data.length !== bytes) {
      throw new Error(
        `measureQuality: ${label} has ${frame.data.length} bytes, expected ${bytes} (${width}x${height} RGB24)`,
      );
    }
  };
  source.forEach((frame, i) => check(frame, `source frame ${i}`));
  decoded.forEach((frame, i) => check(frame, `decoded frame ${i}`));
  return { width, height };
}

/**
 * Running sums of the per-frame figures of one clip, folded in frame order
 * (the order fixes the floating-point result: a streamed clip gives the same
 * numbers as one measured whole).
 */
export class QualitySums {
  private sseRgb = 0;
  private ssimRgb = 0;
  private sseY = 0;
  private ssimY = 0;
  private frames = 0;

  /** Add one frame's [sseRgb, ssimR, ssimG, ssimB, sseY, ssimY], in frame order. */
  add(sums: readonly number[]): void {
    const [sse, r, g, b, sseLuma, ssimLuma] = sums as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    this.sseRgb += sse;
    this.ssimRgb += (r + g + b) / 3;
    this.sseY += sseLuma;
    this.ssimY += ssimLuma;
    this.frames++;
  }

  /** The clip's figures for frames of `pixels` pixels each. */
  result(pixels: number): QualityMetrics {
    const frames = this.frames;
    if (frames === 0) throw new Error("QualitySums: no frames were added");
    return {
      psnrRgb: psnrFromMse(this.sseRgb / (frames * pixels * 3)),
      ssimRgb: this.ssimRgb / frames,
      psnrY: psnrFromMse(this.sseY / (frames * pixels)),
      ssimY: this.ssimY / frames,
    };
  }
}

/** Frames at least this large are scored on a worker thread when streamed one at a time. */
const WORKER_MIN_FRAME_PIXELS = 1 << 16;

/**
 * One frame pair's sums (see QualitySums.add), on a worker thread for frames
 * worth the hand-off so that many jobs streaming at once do not queue on the
 * main thread.
 */
export function frameQuality(
  source: Frame,
  decoded: Frame,
  options: MeasureQualityOptions = {},
): Promise<number[]> {
  const { width, height } = checkFramePairs([source], [decoded]);
  const threads = options.threads ?? "auto";
  const pool = options.pool ?? sharedQualityPool();
  const useWorker =
    threads === "workers" ||
    (threads === "auto" && pool.size >= 2 && width * height >= WORKER_MIN_FRAME_PIXELS);
  if (useWorker) return pool.run({ source: source.data, decoded: decoded.data, width, height });
  const scratch = new Uint8Array(2 * width * height);
  return Promise.resolve(frameQualitySums(source.data, decoded.data, width, height, scratch));
}

/** Folds per-frame sums into the clip's figures, in frame order. */
function combineFrameSums(perFrame: readonly number[][], pixels: number): QualityMetrics {
  const sums = new QualitySums();
  for (const frame of perFrame) sums.add(frame);
  return sums.result(pixels);
}
