import { availableParallelism } from "node:os";
import type { Frame } from "../../../src/evaluate/clips/clip.js";
import { rgbToLuma } from "../../../src/evaluate/metrics/luma.js";
import { psnrFromMse, sumSquaredError } from "../../../src/evaluate/metrics/psnr.js";
import { measureQuality } from "../../../src/evaluate/metrics/quality.js";
import {
  closeSharedQualityPool,
  QualityPool,
  sharedQualityPool,
} from "../../../src/evaluate/metrics/quality-pool.js";
import { noise } from "./noise.js";

function frame(width: number, height: number, data: Uint8Array): Frame {
  return { width, height, data };
}

/** Source frames and a degraded copy: source + bounded pseudo-random error. */
function framePairs(width: number, height: number, count: number): [Frame[], Frame[]] {
  const source: Frame[] = [];
  const decoded: Frame[] = [];
  for (let i = 0; i < count; i++) {
    const data = noise(width * height * 3, 100 + i);
    const error = noise(width * height * 3, 200 + i);
    source.push(frame(width, height, data));
    decoded.push(
      frame(
        width,
        height,
        Uint8Array.from(data, (v, j) => Math.min(255, Math.max(0, v + (error[j]! % 41) - 20))),
      ),
    );
  }
  return [source, decoded];
}

afterAll(() => closeSharedQualityPool());

describe("measureQuality", () => {
  it("gives identical figures on worker threads and on the main thread", async () => {
    const [source, decoded] = framePairs(96, 72, 5);
    const pool = new QualityPool(2);
    try {
      const onWorkers = await measureQuality(source, decoded, { threads: "workers", pool });
      expect(pool.liveWorkers).toBe(2);
      const onMain = await measureQuality(source, decoded, { threads: "main" });
      expect(onWorkers).toEqual(onMain);
      expect(onMain.psnrRgb).toBeGreaterThan(20);
      expect(onMain.psnrRgb).toBeLessThan(40);
      expect(onMain.ssimRgb).toBeGreaterThan(0);
      expect(onMain.ssimRgb).toBeLessThan(1);
    } finally {
      await pool.close();
    }
  });

  it("picks workers on its own for large inputs and accepts frames that are views of one buffer", async () => {
    const width = 640;
    const height = 360;
    const [source, decoded] = framePairs(width, height, 6);
    // Frames as subarrays of one clip-sized buffer, as a clip reader would hand them out.
    const clip = new Uint8Array(width * height * 3 * source.length);
    const views = source.map((f, i) => {
      clip.set(f.data, i * f.data.length);
      return frame(width, height, clip.subarray(i * f.data.length, (i + 1) * f.data.length));
    });
    const pool = new QualityPool(2);
    try {
      const auto = await measureQuality(views, decoded, { pool });
      expect(pool.liveWorkers).toBe(2);
      expect(auto).toEqual(await measureQuality(source, decoded, { threads: "main" }));
    } finally {
      await pool.close();
    }
  });

  it("runs on the process-wide pool, sized to the CPUs", async () => {
    const [source, decoded] = framePairs(32, 24, 3);
    const result = await measureQuality(source, decoded, { threads: "workers" });
    expect(sharedQualityPool().size).toBe(availableParallelism());
    expect(sharedQualityPool().liveWorkers).toBeGreaterThan(0);
    expect(result).toEqual(await measureQuality(source, decoded, { threads: "main" }));
  });

  it("averages PSNR over all samples of all frames, not per frame", async () => {
    const width = 16;
    const height = 8;
    const zeros = new Uint8Array(width * height * 3);
    const ones = new Uint8Array(width * height * 3).fill(1);
    const threes = new Uint8Array(width * height * 3).fill(3);
    const result = await measureQuality(
      [frame(width, height, zeros), frame(width, height, zeros)],
      [frame(width, height, ones), frame(width, height, threes)],
    );
    // MSE = (1 + 9) / 2 = 5 over every sample; luma of (v, v, v) is v.
    expect(result.psnrRgb).toBeCloseTo(10 * Math.log10((255 * 255) / 5), 12);
    expect(result.psnrY).toBeCloseTo(10 * Math.log10((255 * 255) / 5), 12);
  });

  it.each([
    [8, 8],
    [13, 9],
    [37, 22],
    [64, 31],
  ])(
    "counts every sample in the squared error at %ix%i, also outside the SSIM blocks",
    async (width, height) => {
      const [source, decoded] = framePairs(width, height, 2);
      const result = await measureQuality(source, decoded, { threads: "main" });
      let sse = 0;
      let sseY = 0;
      source.forEach((frame, f) => {
        sse += sumSquaredError(frame.data, decoded[f]!.data);
        sseY += sumSquaredError(rgbToLuma(frame), rgbToLuma(decoded[f]!));
      });
      expect(result.psnrRgb).toBe(psnrFromMse(sse / (2 * width * height * 3)));
      expect(result.psnrY).toBe(psnrFromMse(sseY / (2 * width * height)));
    },
  );

  it("refuses mismatched or malformed frame lists with a clear message", async () => {
    const [source, decoded] = framePairs(16, 16, 2);
    await expect(measureQuality(source, decoded.slice(1))).rejects.toThrow(
      /2 source frames but 1 decoded/,
    );
    await expect(measureQuality([], [])).rejects.toThrow(/no frames/);
    await expect(
      measureQuality(source, [decoded[0]!, frame(16, 8, new Uint8Array(16 * 8 * 3))]),
    ).rejects.toThrow(/decoded frame 1 is 16x8, expected 16x16/);
    await expect(
      measureQuality(source, [decoded[0]!, frame(16, 16, new Uint8Array(10))]),
    ).rejects.toThrow(/decoded frame 1 has 10 bytes/);
    await expect(
      measureQuality([frame(4, 4, new Uint8Array(48))], [frame(4, 4, new Uint8Array(48))]),
    ).rejects.toThrow(/8x8/);
  });
});
