/**
 * The per-pixel loops of the quality metrics, written as self-contained
 * functions: no imports, no module state, no helpers other than each other and
 * JavaScript built-ins. `quality-pool.ts` ships their source text
 * (`Function.prototype.toString`) to worker threads, which is what lets the
 * same code run in workers both from the compiled `dist/` and under ts-jest
 * (where no compiled worker file exists). Keep them that way: a reference to
 * anything outside this list breaks the workers, and the pool test catches it.
 */

/**
 * BT.601 luma of packed RGB24, full range: Y = round(0.299 R + 0.587 G + 0.114 B)
 * with halves rounded up, computed exactly in integers as
 * floor((299 R + 587 G + 114 B + 500) / 1000). The weights sum to 1000, so Y ≤ 255.
 */
export function lumaOfPackedRgb(rgb: Uint8Array, out: Uint8Array): Uint8Array {
  const n = out.length;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = ((299 * rgb[p]! + 587 * rgb[p + 1]! + 114 * rgb[p + 2]! + 500) / 1000) | 0;
  }
  return out;
}

/** Sum of squared differences of two equally long sample arrays (exact below 2^53). */
export function sumSquaredDifferences(a: Uint8Array, b: Uint8Array): number {
  const n = a.length;
  let total = 0;
  // Row-sized integer partial sums stay exact in int32 arithmetic (4096·255² < 2^31).
  for (let start = 0; start < n; start += 4096) {
    const end = Math.min(n, start + 4096);
    let partial = 0;
    for (let i = start; i < end; i++) {
      const d = a[i]! - b[i]!;
      partial += d * d;
    }
    total += partial;
  }
  return total;
}

/**
 * x264/ffmpeg SSIM of one 8-bit component stored with `step` samples per pixel
 * starting at `offset` (step 1 = a plane, step 3 = one channel of packed RGB24).
 *
 * Mirrors ffmpeg 5.1 `vf_ssim.c` for 8-bit input: sums over non-overlapping 4×4
 * blocks (integers), each SSIM window is 2×2 blocks = 8×8 pixels stepping by 4,
 * the per-window formula is evaluated in single precision exactly as
 * `ssim_end1` (C `float` arithmetic, emulated with Math.fround), and the plane
 * score is the mean over the (w/4 − 1)·(h/4 − 1) windows. Pixels beyond the last
 * full 4×4 block are ignored, as in ffmpeg.
 */
export function ssimOfComponent(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  offset: number,
  step: number,
): number {
  const blocksX = width >> 2;
  const blocksY = height >> 2;
  const rowStride = width * step;
  // ffmpeg: ssim_c1 = (int)(.01*.01*255*255*64 + .5), ssim_c2 = (int)(.03*.03*255*255*64*63 + .5)
  const c1 = 416;
  const c2 = 235963;
  const fround = Math.fround;
  let current = new Int32Array(4 * blocksX);
  let previous = new Int32Array(4 * blocksX);
  let total = 0;

  for (let blockRow = 0; blockRow < blocksY; blockRow++) {
    const swap = previous;
    previous = current;
    current = swap;
    current.fill(0);
    // Accumulate the four pixel rows of this block row into per-block sums.
    for (let r = 0; r < 4; r++) {
      let p = (blockRow * 4 + r) * rowStride + offset;
      for (let bx = 0, k = 0; bx < blocksX; bx++, k += 4) {
        let s1 = 0;
        let s2 = 0;
        let ss = 0;
        let s12 = 0;
        for (let x = 0; x < 4; x++, p += step) {
          const va = a[p]!;
          const vb = b[p]!;
          s1 += va;
          s2 += vb;
          ss += va * va + vb * vb;
          s12 += va * vb;
        }
        current[k] = current[k]! + s1;
        current[k + 1] = current[k + 1]! + s2;
        current[k + 2] = current[k + 2]! + ss;
        current[k + 3] = current[k + 3]! + s12;
      }
    }
    if (blockRow === 0) continue;
    // One line of 8×8 windows: blocks (i, i+1) of this block row and the previous one.
    let line = 0;
    for (let i = 0, k = 0; i < blocksX - 1; i++, k += 4) {
      const s1 = previous[k]! + previous[k + 4]! + current[k]! + current[k + 4]!;
      const s2 = previous[k + 1]! + previous[k + 5]! + current[k + 1]! + current[k + 5]!;
      const ss = previous[k + 2]! + previous[k + 6]! + current[k + 2]! + current[k + 6]!;
      const s12 = previous[k + 3]! + previous[k + 7]! + current[k + 3]! + current[k + 7]!;
      // All intermediates fit int32 for 8-bit input (max ≈ 5.4e8), so doubles are exact here.
      const vars = ss * 64 - s1 * s1 - s2 * s2;
      const covar = s12 * 64 - s1 * s2;
      const numerator = fround(fround(2 * s1 * s2 + c1) * fround(2 * covar + c2));
      const denominator = fround(fround(s1 * s1 + s2 * s2 + c1) * fround(vars + c2));
      line += fround(numerator / denominator);
    }
    total += line;
  }
  return total / ((blocksY - 1) * (blocksX - 1));
}

/**
 * Everything `measureQuality` needs from one frame pair of packed RGB24:
 * [SSE over R,G,B samples, SSIM R, SSIM G, SSIM B, SSE of luma, SSIM of luma].
 */
export function frameQualitySums(
  source: Uint8Array,
  decoded: Uint8Array,
  width: number,
  height: number,
): number[] {
  const lumaSource = lumaOfPackedRgb(source, new Uint8Array(width * height));
  const lumaDecoded = lumaOfPackedRgb(decoded, new Uint8Array(width * height));
  return [
    sumSquaredDifferences(source, decoded),
    ssimOfComponent(source, decoded, width, height, 0, 3),
    ssimOfComponent(source, decoded, width, height, 1, 3),
    ssimOfComponent(source, decoded, width, height, 2, 3),
    sumSquaredDifferences(lumaSource, lumaDecoded),
    ssimOfComponent(lumaSource, lumaDecoded, width, height, 0, 1),
  ];
}

/** The kernels in dependency order, for building the worker's source text. */
export const FRAME_KERNELS = [
  lumaOfPackedRgb,
  sumSquaredDifferences,
  ssimOfComponent,
  frameQualitySums,
] as const;
