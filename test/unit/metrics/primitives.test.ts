import { rgbToLuma } from "../../../src/evaluate/metrics/luma.js";
import { psnrFromMse, sumSquaredError } from "../../../src/evaluate/metrics/psnr.js";
import { rateMetrics } from "../../../src/evaluate/metrics/rate.js";
import { ssimPlane } from "../../../src/evaluate/metrics/ssim.js";
import { noise } from "./noise.js";

/**
 * A deliberately naive SSIM: every 8×8 window at multiples of 4 summed from
 * scratch in double precision. Independent of the sliding 4×4 sums under test.
 */
function naiveSsim(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  const c1 = 416;
  const c2 = 235963;
  let total = 0;
  let windows = 0;
  for (let y = 0; y + 8 <= (height >> 2) * 4; y += 4) {
    for (let x = 0; x + 8 <= (width >> 2) * 4; x += 4) {
      let s1 = 0;
      let s2 = 0;
      let ss = 0;
      let s12 = 0;
      for (let dy = 0; dy < 8; dy++) {
        for (let dx = 0; dx < 8; dx++) {
          const va = a[(y + dy) * width + x + dx]!;
          const vb = b[(y + dy) * width + x + dx]!;
          s1 += va;
          s2 += vb;
          ss += va * va + vb * vb;
          s12 += va * vb;
        }
      }
      const vars = ss * 64 - s1 * s1 - s2 * s2;
      const covar = s12 * 64 - s1 * s2;
      total += ((2 * s1 * s2 + c1) * (2 * covar + c2)) / ((s1 * s1 + s2 * s2 + c1) * (vars + c2));
      windows++;
    }
  }
  return total / windows;
}

describe("rgbToLuma", () => {
  it("applies BT.601 weights with halves rounded up", () => {
    const data = Uint8Array.from([
      0, 0, 0, 255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255, 1, 123, 0,
    ]);
    // 76.245 -> 76, 149.685 -> 150, 29.07 -> 29, 72.5 -> 73
    expect([...rgbToLuma({ width: 6, height: 1, data })]).toEqual([0, 255, 76, 150, 29, 73]);
  });

  it("matches round-half-up of the real-valued formula on random pixels", () => {
    const data = noise(3 * 20000, 7);
    const luma = rgbToLuma({ width: 200, height: 100, data });
    for (let i = 0; i < 20000; i++) {
      const exact = (299 * data[3 * i]! + 587 * data[3 * i + 1]! + 114 * data[3 * i + 2]!) / 1000;
      expect(luma[i]).toBe(Math.floor(exact + 0.5));
    }
  });

  it("equals floor((299 R + 587 G + 114 B + 500) / 1000) for every one of the 2^24 colours", () => {
    const data = new Uint8Array(3 << 24);
    for (let c = 0, p = 0; c < 1 << 24; c++, p += 3) {
      data[p] = c >> 16;
      data[p + 1] = (c >> 8) & 255;
      data[p + 2] = c & 255;
    }
    const luma = rgbToLuma({ width: 4096, height: 4096, data });
    let mismatches = 0;
    for (let c = 0; c < 1 << 24; c++) {
      const exact = Math.floor(
        (299 * (c >> 16) + 587 * ((c >> 8) & 255) + 114 * (c & 255) + 500) / 1000,
      );
      if (luma[c] !== exact) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it("rejects data of the wrong length", () => {
    expect(() => rgbToLuma({ width: 2, height: 2, data: new Uint8Array(11) })).toThrow(
      /expected 12/,
    );
  });
});

describe("sumSquaredError and psnrFromMse", () => {
  it("sums squared differences exactly", () => {
    expect(sumSquaredError(Uint8Array.from([0, 10, 255]), Uint8Array.from([3, 10, 0]))).toBe(
      9 + 65025,
    );
    const a = noise(100000, 1);
    const b = noise(100000, 2);
    let expected = 0;
    for (let i = 0; i < a.length; i++) expected += (a[i]! - b[i]!) ** 2;
    expect(sumSquaredError(a, b)).toBe(expected);
  });

  it("rejects arrays of different lengths", () => {
    expect(() => sumSquaredError(new Uint8Array(3), new Uint8Array(4))).toThrow(/length/);
  });

  it("converts MSE to dB", () => {
    expect(psnrFromMse(255 * 255)).toBe(0);
    expect(psnrFromMse(65.025)).toBeCloseTo(30, 12);
    expect(psnrFromMse(0)).toBe(Number.POSITIVE_INFINITY);
    expect(() => psnrFromMse(-1)).toThrow(/mse/);
    expect(() => psnrFromMse(Number.NaN)).toThrow(/mse/);
  });
});

describe("ssimPlane", () => {
  it("is 1 for identical planes and symmetric", () => {
    const a = noise(64 * 40, 3);
    const b = noise(64 * 40, 4);
    expect(ssimPlane(a, a, 64, 40)).toBe(1);
    expect(ssimPlane(a, b, 64, 40)).toBe(ssimPlane(b, a, 64, 40));
  });

  it.each([
    [8, 8],
    [9, 13],
    [64, 40],
    [103, 77],
  ])("matches a naive 8x8-window SSIM at %ix%i", (width, height) => {
    const a = noise(width * height, width);
    // A correlated degraded copy, so SSIM sits well inside (0, 1).
    const b = Uint8Array.from(a, (v, i) => Math.min(255, Math.max(0, v + ((i * 37) % 61) - 30)));
    expect(Math.abs(ssimPlane(a, b, width, height) - naiveSsim(a, b, width, height))).toBeLessThan(
      1e-6,
    );
  });

  it("refuses planes smaller than one 8x8 window or of the wrong size", () => {
    expect(() => ssimPlane(new Uint8Array(49), new Uint8Array(49), 7, 7)).toThrow(/8x8/);
    expect(() => ssimPlane(new Uint8Array(64), new Uint8Array(63), 8, 8)).toThrow(/expected 64/);
  });
});

describe("rateMetrics", () => {
  it("computes the DESIGN.md rate figures", () => {
    const rate = rateMetrics(1000, 100, 50, 10, 25);
    expect(rate.bytes).toBe(1000);
    expect(rate.bitsPerPixel).toBeCloseTo(0.16, 15);
    expect(rate.mbps).toBeCloseTo(0.02, 15);
    expect(rate.mbps1080p30).toBeCloseTo(9.95328, 12);
    expect(rate.compressionRatio).toBe(150);
  });

  it("gives an infinite compression ratio for zero bytes and rejects nonsense", () => {
    expect(rateMetrics(0, 8, 8, 1, 30).compressionRatio).toBe(Number.POSITIVE_INFINITY);
    expect(() => rateMetrics(-1, 8, 8, 1, 30)).toThrow(/bytes/);
    expect(() => rateMetrics(1.5, 8, 8, 1, 30)).toThrow(/bytes/);
    expect(() => rateMetrics(10, 0, 8, 1, 30)).toThrow(/width/);
    expect(() => rateMetrics(10, 8, 8, 0, 30)).toThrow(/frames/);
    expect(() => rateMetrics(10, 8, 8, 1, Number.NaN)).toThrow(/fps/);
  });
});
