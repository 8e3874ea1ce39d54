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
 * with halves rounded up, i.e. floor((299 R + 587 G + 114 B + 500) / 1000).
 * Computed as trunc((n + 0.5) · 0.001) for the integer n = 299 R + 587 G + 114 B + 500:
 * (n + 0.5) / 1000 is at least 0.0005 away from an integer while the product's
 * rounding error is below 1e-13, so this is exact and avoids a division.
 */
export function lumaOfPackedRgb(rgb: Uint8Array, out: Uint8Array): Uint8Array {
  const n = out.length;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    out[i] = ((299 * rgb[p]! + 587 * rgb[p + 1]! + 114 * rgb[p + 2]! + 500.5) * 0.001) | 0;
  }
  return out;
}

/** `lumaOfPackedRgb` of two frames in one loop (one loop is measurably faster than two). */
export function lumaOfPackedRgbPair(
  first: Uint8Array,
  second: Uint8Array,
  firstLuma: Uint8Array,
  secondLuma: Uint8Array,
): void {
  const n = firstLuma.length;
  for (let i = 0, p = 0; i < n; i++, p += 3) {
    firstLuma[i] =
      ((299 * first[p]! + 587 * first[p + 1]! + 114 * first[p + 2]! + 500.5) * 0.001) | 0;
    secondLuma[i] =
      ((299 * second[p]! + 587 * second[p + 1]! + 114 * second[p + 2]! + 500.5) * 0.001) | 0;
  }
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
 * x264/ffmpeg SSIM and the sum of squared errors of one 8-bit component stored
 * with `step` samples per pixel starting at `offset` (step 1 = a plane, step 3 =
 * one channel of packed RGB24). Writes out[slot] = SSIM, out[slot + 1] = SSE.
 *
 * SSIM mirrors ffmpeg 5.1 `vf_ssim.c` for 8-bit input: sums over
 * non-overlapping 4×4 blocks (integers), each SSIM window is 2×2 blocks = 8×8
 * pixels stepping by 4, the per-window formula is evaluated in single precision
 * exactly as `ssim_end1` (C `float` arithmetic, emulated with Math.fround), and
 * the plane score is the mean over the (w/4 − 1)·(h/4 − 1) windows. Pixels
 * beyond the last full 4×4 block are ignored, as in ffmpeg. The SSE comes free
 * from the same block sums (Σ(a − b)² = Σa² + Σb² − 2Σab) plus the pixels
 * outside the full blocks, added separately.
 */
export function componentStats(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  offset: number,
  step: number,
  out: Float64Array,
  slot: number,
): void {
  const blocksX = width >> 2;
  const blocksY = height >> 2;
  const rowStride = width * step;
  let current = new Int32Array(4 * blocksX);
  let previous = new Int32Array(4 * blocksX);
  let ssim = 0;
  let sse = 0;
  for (let blockRow = 0; blockRow < blocksY; blockRow++) {
    const swap = previous;
    previous = current;
    current = swap;
    // Sums of one row of 4×4 blocks; the four pixel rows are read side by side.
    const row0 = blockRow * 4 * rowStride + offset;
    const row1 = row0 + rowStride;
    const row2 = row1 + rowStride;
    const row3 = row2 + rowStride;
    let rowSse = 0;
    for (let bx = 0, k = 0, p = 0; bx < blocksX; bx++, k += 4) {
      let s1 = 0;
      let s2 = 0;
      let ss = 0;
      let s12 = 0;
      for (let x = 0; x < 4; x++, p += step) {
        let va = a[row0 + p]!;
        let vb = b[row0 + p]!;
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
        va = a[row1 + p]!;
        vb = b[row1 + p]!;
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
        va = a[row2 + p]!;
        vb = b[row2 + p]!;
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
        va = a[row3 + p]!;
        vb = b[row3 + p]!;
        s1 += va;
        s2 += vb;
        ss += va * va + vb * vb;
        s12 += va * vb;
      }
      current[k] = s1;
      current[k + 1] = s2;
      current[k + 2] = ss;
      current[k + 3] = s12;
      rowSse += ss - 2 * s12;
    }
    sse += rowSse;
    if (blockRow > 0) ssim += ssimWindowLine(previous, current, blocksX - 1);
  }
  // Squared errors of the pixels no full block covers: right-hand columns, then bottom rows.
  const coveredWidth = blocksX * 4;
  const coveredHeight = blocksY * 4;
  for (let y = 0; y < height && coveredWidth < width; y++) {
    for (let x = coveredWidth, p = y * rowStride + x * step + offset; x < width; x++, p += step) {
      const d = a[p]! - b[p]!;
      sse += d * d;
    }
  }
  for (let y = coveredHeight; y < height; y++) {
    for (let x = 0, p = y * rowStride + offset; x < coveredWidth; x++, p += step) {
      const d = a[p]! - b[p]!;
      sse += d * d;
    }
  }
  out[slot] = ssim / ((blocksY - 1) * (blocksX - 1));
  out[slot + 1] = sse;
}

/** SSIM only, as `componentStats` computes it. */
export function ssimOfComponent(
  a: Uint8Array,
  b: Uint8Array,
  width: number,
  height: number,
  offset: number,
  step: number,
): number {
  const out = new Float64Array(2);
  componentStats(a, b, width, height, offset, step, out, 0);
  return out[0]!;
}

/**
 * Sum of the SSIM of `windows` 8×8 windows, each made of blocks (i, i+1) of two
 * consecutive rows of 4×4 block sums ([s1, s2, ss, s12] per block), with
 * ffmpeg's `ssim_end1` evaluated in C float arithmetic.
 */
export function ssimWindowLine(upper: Int32Array, lower: Int32Array, windows: number): number {
  // ffmpeg: ssim_c1 = (int)(.01*.01*255*255*64 + .5), ssim_c2 = (int)(.03*.03*255*255*64*63 + .5)
  const c1 = 416;
  const c2 = 235963;
  const fround = Math.fround;
  let line = 0;
  for (let i = 0, k = 0; i < windows; i++, k += 4) {
    const s1 = upper[k]! + upper[k + 4]! + lower[k]! + lower[k + 4]!;
    const s2 = upper[k + 1]! + upper[k + 5]! + lower[k + 1]! + lower[k + 5]!;
    const ss = upper[k + 2]! + upper[k + 6]! + lower[k + 2]! + lower[k + 6]!;
    const s12 = upper[k + 3]! + upper[k + 7]! + lower[k + 3]! + lower[k + 7]!;
    // All intermediates fit int32 for 8-bit input (max ≈ 5.4e8), so doubles hold them exactly;
    // each float product or quotient of floats, rounded once by fround, is exactly C's float result.
    const vars = ss * 64 - s1 * s1 - s2 * s2;
    const covar = s12 * 64 - s1 * s2;
    const numerator = fround(fround(2 * s1 * s2 + c1) * fround(2 * covar + c2));
    const denominator = fround(fround(s1 * s1 + s2 * s2 + c1) * fround(vars + c2));
    line += fround(numerator / denominator);
  }
  return line;
}

/**
 * Everything `measureQuality` needs from one frame pair of packed RGB24:
 * [SSE over R,G,B samples, SSIM R, SSIM G, SSIM B, SSE of luma, SSIM of luma].
 * `scratch` (at least 2·width·height bytes) holds the luma planes; pass one to
 * reuse it across frames.
 */
export function frameQualitySums(
  source: Uint8Array,
  decoded: Uint8Array,
  width: number,
  height: number,
  scratch: Uint8Array = new Uint8Array(2 * width * height),
): number[] {
  const pixels = width * height;
  const lumaSource = scratch.subarray(0, pixels);
  const lumaDecoded = scratch.subarray(pixels, 2 * pixels);
  lumaOfPackedRgbPair(source, decoded, lumaSource, lumaDecoded);
  // [ssim, sse] of R, G, B, Y at slots 0, 2, 4, 6.
  const stats = new Float64Array(8);
  componentStats(source, decoded, width, height, 0, 3, stats, 0);
  componentStats(source, decoded, width, height, 1, 3, stats, 2);
  componentStats(source, decoded, width, height, 2, 3, stats, 4);
  componentStats(lumaSource, lumaDecoded, width, height, 0, 1, stats, 6);
  return [stats[1]! + stats[3]! + stats[5]!, stats[0]!, stats[2]!, stats[4]!, stats[7]!, stats[6]!];
}

/** The kernels in dependency order, for building the worker's source text. */
export const FRAME_KERNELS = [
  lumaOfPackedRgb,
  lumaOfPackedRgbPair,
  sumSquaredDifferences,
  ssimWindowLine,
  componentStats,
  ssimOfComponent,
  frameQualitySums,
] as const;
