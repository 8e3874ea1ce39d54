/**
 * Our metrics against ffmpeg 5.1's own psnr and ssim filters on real photo
 * frames degraded by real codecs and filters (not only noise).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Frame } from "../../../src/evaluate/clips/clip.js";
import { rgbToLuma } from "../../../src/evaluate/metrics/luma.js";
import { measureQuality } from "../../../src/evaluate/metrics/quality.js";
import { degrade, ffmpegFigures, photoCrop, toGbrp } from "./ffmpeg-reference.js";

/** ffmpeg prints both summaries with 6 decimals; float evaluation order adds < 1e-7. */
const PSNR_TOLERANCE_DB = 1e-6;
const SSIM_TOLERANCE = 1e-6;

type Case = {
  name: string;
  width: number;
  height: number;
  offsets: [number, number][];
  how: { jpegQuality: number } | { filter: string } | { x264Crf: number } | "identical";
};

const CASES: Case[] = [
  // Odd sizes that are not multiples of 4 exercise the ignored right/bottom edge.
  {
    name: "JPEG q=12, 498x371",
    width: 498,
    height: 371,
    offsets: [
      [0, 0],
      [7, 90],
      [14, 141],
    ],
    how: { jpegQuality: 12 },
  },
  {
    name: "JPEG q=2, 498x371",
    width: 498,
    height: 371,
    offsets: [
      [0, 0],
      [13, 5],
    ],
    how: { jpegQuality: 2 },
  },
  {
    name: "JPEG q=31, 320x240",
    width: 320,
    height: 240,
    offsets: [
      [100, 100],
      [150, 40],
    ],
    how: { jpegQuality: 31 },
  },
  {
    name: "x264 CRF 38, 6 panned frames, 320x240",
    width: 320,
    height: 240,
    offsets: [0, 1, 2, 3, 4, 5].map((i): [number, number] => [100 + 3 * i, 80 + 2 * i]),
    how: { x264Crf: 38 },
  },
  {
    name: "gaussian blur, 256x192",
    width: 256,
    height: 192,
    offsets: [
      [60, 20],
      [61, 21],
      [200, 300],
      [0, 317],
    ],
    how: { filter: "gblur=sigma=1.3" },
  },
  { name: "identical, 64x48", width: 64, height: 48, offsets: [[200, 200]], how: "identical" },
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
  it.each(CASES)("$name", async ({ width, height, offsets, how }) => {
    const source = offsets.map(([x, y]) => photoCrop(width, height, x, y));
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
