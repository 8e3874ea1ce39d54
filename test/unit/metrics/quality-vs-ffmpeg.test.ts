/**
 * Our metrics against ffmpeg's own psnr and ssim filters on real frames (the
 * bundled clips/*.y4m) degraded by real codecs and filters (not only noise).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame } from "../../../src/evaluate/clips/clip.js";
import { rgbToLuma } from "../../../src/evaluate/metrics/luma.js";
import { measureQuality } from "../../../src/evaluate/metrics/quality.js";
import {
  channel,
  clipFrames,
  degrade,
  ffmpegFigures,
  referenceSsim,
  toGbrp,
} from "./ffmpeg-reference.js";

/** ffmpeg prints both summaries with 6 decimals; float evaluation order adds < 1e-7. */
const PSNR_TOLERANCE_DB = 1e-6;
const SSIM_TOLERANCE = 1e-6;

type Case = {
  name: string;
  clip: string;
  crop: { width: number; height: number; x: number; y: number };
  first: number;
  count: number;
  how: { jpegQuality: number } | { filter: string } | { x264Crf: number } | "identical";
};

/*
 * Sizes that are not multiples of 4 exercise the ignored right/bottom edge of
 * SSIM. Every width here has (w/4 − 1) mod 4 ≠ 1 windows per line: for that
 * class ffmpeg 5.1's x86 code has a bug, tested separately below.
 */
const CASES: Case[] = [
  {
    name: "JPEG q=12, 3 frames 343x283 (face-rotate)",
    clip: "face-rotate.y4m",
    crop: { width: 343, height: 283, x: 21, y: 9 },
    first: 0,
    count: 3,
    how: { jpegQuality: 12 },
  },
  {
    name: "JPEG q=2, 2 frames 445x317 (coffee-zoom)",
    clip: "coffee-zoom.y4m",
    crop: { width: 445, height: 317, x: 1, y: 2 },
    first: 5,
    count: 2,
    how: { jpegQuality: 2 },
  },
  {
    name: "JPEG q=31, 2 frames 320x240 (astronaut-pan)",
    clip: "astronaut-pan.y4m",
    crop: { width: 320, height: 240, x: 16, y: 24 },
    first: 10,
    count: 2,
    how: { jpegQuality: 31 },
  },
  {
    name: "x264 CRF 38, 6 frames 352x288 (astronaut-pan)",
    clip: "astronaut-pan.y4m",
    crop: { width: 352, height: 288, x: 0, y: 0 },
    first: 0,
    count: 6,
    how: { x264Crf: 38 },
  },
  {
    name: "gaussian blur, 4 frames across a cross-fade 350x286 (chelsea-rocket-fade)",
    clip: "chelsea-rocket-fade.y4m",
    crop: { width: 350, height: 286, x: 1, y: 1 },
    first: 6,
    count: 4,
    how: { filter: "gblur=sigma=1.3" },
  },
  {
    name: "identical, 64x48",
    clip: "astronaut-pan.y4m",
    crop: { width: 64, height: 48, x: 200, y: 100 },
    first: 0,
    count: 1,
    how: "identical",
  },
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "metrics-ffmpeg-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function lumaStream(frames: readonly Frame[]): Buffer {
  return Buffer.concat(frames.map((frame) => rgbToLuma(frame)));
}

describe("measureQuality agrees with ffmpeg's psnr and ssim filters", () => {
  it.each(CASES)("$name", async ({ clip, crop, first, count, how }) => {
    const { width, height } = crop;
    const source = clipFrames(clip, crop, first, count);
    const decoded =
      how === "identical"
        ? source.map((frame) => ({ ...frame, data: frame.data.slice() }))
        : degrade(source, how);

    const ours = await measureQuality(source, decoded, { threads: "main" });
    const rgb = ffmpegFigures(dir, "gbrp", width, height, toGbrp(decoded), toGbrp(source));
    // Fed packed rgb24, ffmpeg converts to gbrp itself (lossless) and must agree with itself.
    const packed = ffmpegFigures(
      dir,
      "rgb24",
      width,
      height,
      Buffer.concat(decoded.map((f) => f.data)),
      Buffer.concat(source.map((f) => f.data)),
    );
    expect(packed).toEqual(rgb);
    const luma = ffmpegFigures(dir, "gray", width, height, lumaStream(decoded), lumaStream(source));

    if (how === "identical") {
      expect(ours.psnrRgb).toBe(Number.POSITIVE_INFINITY);
      expect(ours.psnrY).toBe(Number.POSITIVE_INFINITY);
      expect(rgb.psnrAverage).toBe(Number.POSITIVE_INFINITY);
      expect(ours.ssimRgb).toBe(1);
      expect(ours.ssimY).toBe(1);
    } else {
      expect(ours.psnrRgb).toBeLessThan(60);
      expect(Math.abs(ours.psnrRgb - rgb.psnrAverage)).toBeLessThanOrEqual(PSNR_TOLERANCE_DB);
      expect(Math.abs(ours.psnrY - luma.psnrAverage)).toBeLessThanOrEqual(PSNR_TOLERANCE_DB);
    }
    expect(Math.abs(ours.ssimRgb - rgb.ssimAll)).toBeLessThanOrEqual(SSIM_TOLERANCE);
    expect(Math.abs(ours.ssimY - luma.ssimAll)).toBeLessThanOrEqual(SSIM_TOLERANCE);
    if (process.env.METRICS_REPORT) {
      console.log(
        JSON.stringify({
          how,
          ours,
          rgb,
          luma,
          dPsnrRgb: ours.psnrRgb - rgb.psnrAverage,
          dSsimRgb: ours.ssimRgb - rgb.ssimAll,
          dPsnrY: ours.psnrY - luma.psnrAverage,
          dSsimY: ours.ssimY - luma.ssimAll,
        }),
      );
    }
  });
});

describe("ffmpeg 5.1's x86 ssim_end_line bug (widths with (w/4 - 1) mod 4 = 1)", () => {
  it("is the only difference: ffmpeg matches either our C-reference SSIM or the bug's emulation", async () => {
    const crop = { width: 347, height: 283, x: 21, y: 9 }; // 85 windows per line
    const { width, height } = crop;
    const source = clipFrames("face-rotate.y4m", crop, 0, 3);
    const decoded = degrade(source, { jpegQuality: 12 });
    const ours = await measureQuality(source, decoded, { threads: "main" });
    const ffmpeg = ffmpegFigures(dir, "gbrp", width, height, toGbrp(decoded), toGbrp(source));

    const reference = (bug: boolean): number =>
      decoded.reduce(
        (sum, frame, f) =>
          sum +
          [0, 1, 2].reduce(
            (planes, c) =>
              planes +
              referenceSsim(channel(frame, c), channel(source[f]!, c), width, height, {
                ffmpeg51X86EndLineBug: bug,
              }) /
                3,
            0,
          ),
        0,
      ) / decoded.length;
    const correct = reference(false);
    const withBug = reference(true);
    // Ours is the C reference; the bug shifts the figure by far more than the tolerance.
    expect(Math.abs(ours.ssimRgb - correct)).toBeLessThan(1e-6);
    expect(Math.abs(withBug - correct)).toBeGreaterThan(1e-4);
    const matches = [correct, withBug].filter(
      (v) => Math.abs(v - ffmpeg.ssimAll) <= SSIM_TOLERANCE,
    );
    expect(matches).toHaveLength(1);
    expect(Math.abs(ours.psnrRgb - ffmpeg.psnrAverage)).toBeLessThanOrEqual(PSNR_TOLERANCE_DB);
  });
});
