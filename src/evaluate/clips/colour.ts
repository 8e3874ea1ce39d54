/**
 * The one YUV <-> RGB conversion of the project.
 *
 * Matrix: ITU-R BT.601 (Kr = 0.299, Kb = 0.114) for every clip. That is what
 * ffmpeg/swscale assumes for untagged standard-definition content and what Y4M
 * files (which carry no matrix tag) are in practice; using one fixed matrix
 * everywhere means a score never depends on which reader produced the frames.
 *
 * Range: "tv" (limited: Y 16..235, Cb/Cr 16..240) unless the source says full.
 *
 * Arithmetic: integers only (16-bit fixed-point coefficients, round half up,
 * clamp to 0..255), so the output is bit-reproducible on every platform.
 *
 * 4:2:0 chroma siting: centred between the four luma samples it covers
 * (JPEG / MPEG-1 / Y4M "420jpeg" siting). Upsampling to RGB is bilinear for
 * that siting: each luma position takes 9/16 of its own chroma sample, 3/16 of
 * each horizontal and vertical neighbour and 1/16 of the diagonal one (the
 * libjpeg "fancy upsampling" weights), edges replicated. Downsampling in
 * rgbToYuv is the plain average of each 2x2 block, which is the matching box
 * filter for the same siting.
 */
import type { Frame } from "./clip.js";

export type YuvPixFmt = "yuv420p" | "yuv444p";
export type YuvRange = "tv" | "pc";

const FRACTION_BITS = 16;
const ONE = 1 << FRACTION_BITS;

/** Fixed-point coefficients of one direction of the conversion for one range. */
interface YuvToRgbCoefficients {
  readonly yOffset: number;
  readonly y: number;
  readonly vToR: number;
  readonly uToG: number;
  readonly vToG: number;
  readonly uToB: number;
}

interface RgbToYuvCoefficients {
  readonly yOffset: number;
  readonly yr: number;
  readonly yg: number;
  readonly yb: number;
  readonly ur: number;
  readonly ug: number;
  readonly ub: number;
  readonly vr: number;
  readonly vg: number;
  readonly vb: number;
}

const KR = 0.299;
const KB = 0.114;
const KG = 1 - KR - KB;

/** Rounds a real coefficient to the fixed-point grid once, at module load. */
function fixed(value: number): number {
  return Math.round(value * ONE);
}

function yuvToRgbCoefficients(range: YuvRange): YuvToRgbCoefficients {
  // Limited range stretches 219 luma steps and 224 chroma steps to 255.
  const yScale = range === "tv" ? 255 / 219 : 1;
  const cScale = range === "tv" ? 255 / 224 : 1;
  return {
    yOffset: range === "tv" ? 16 : 0,
    y: fixed(yScale),
    vToR: fixed(cScale * 2 * (1 - KR)),
    uToG: fixed((-cScale * 2 * (1 - KB) * KB) / KG),
    vToG: fixed((-cScale * 2 * (1 - KR) * KR) / KG),
    uToB: fixed(cScale * 2 * (1 - KB)),
  };
}

function rgbToYuvCoefficients(range: YuvRange): RgbToYuvCoefficients {
  const yScale = range === "tv" ? 219 / 255 : 1;
  const cScale = range === "tv" ? 224 / 255 : 1;
  const uDen = 2 * (1 - KB);
  const vDen = 2 * (1 - KR);
  return {
    yOffset: range === "tv" ? 16 : 0,
    yr: fixed(yScale * KR),
    yg: fixed(yScale * KG),
    yb: fixed(yScale * KB),
    ur: fixed((-cScale * KR) / uDen),
    ug: fixed((-cScale * KG) / uDen),
    ub: fixed(cScale * 0.5),
    vr: fixed(cScale * 0.5),
    vg: fixed((-cScale * KG) / vDen),
    vb: fixed((-cScale * KB) / vDen),
  };
}

const TO_RGB: Record<YuvRange, YuvToRgbCoefficients> = {
  tv: yuvToRgbCoefficients("tv"),
  pc: yuvToRgbCoefficients("pc"),
};
const TO_YUV: Record<YuvRange, RgbToYuvCoefficients> = {
  tv: rgbToYuvCoefficients("tv"),
  pc: rgbToYuvCoefficients("pc"),
};

/** Width and height of one chroma plane. */
export function chromaSize(
  pixFmt: YuvPixFmt,
  width: number,
  height: number,
): { width: number; height: number } {
  return pixFmt === "yuv420p"
    ? { width: Math.ceil(width / 2), height: Math.ceil(height / 2) }
    : { width, height };
}

/** Byte size of one planar frame (chroma planes are ceil(w/2) x ceil(h/2) for 4:2:0). */
export function yuvFrameSize(pixFmt: YuvPixFmt, width: number, height: number): number {
  const c = chromaSize(pixFmt, width, height);
  return width * height + 2 * c.width * c.height;
}

function clampByte(value: number): number {
  return value < 0 ? 0 : value > 255 ? 255 : value;
}

function checkDimensions(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`frame size must be positive integers, got ${width}x${height}`);
  }
}

/**
 * Converts one planar 8-bit YUV frame (BT.601, given range) to packed RGB24.
 * 4:2:0 chroma is upsampled bilinearly with centred siting (see module doc).
 */
export function yuvToRgb(
  planes: Uint8Array,
  pixFmt: YuvPixFmt,
  width: number,
  height: number,
  range: YuvRange,
): Frame {
  checkDimensions(width, height);
  const expected = yuvFrameSize(pixFmt, width, height);
  if (planes.length !== expected) {
    throw new RangeError(
      `${pixFmt} ${width}x${height} frame needs ${expected} bytes, got ${planes.length}`,
    );
  }
  return pixFmt === "yuv444p"
    ? yuv444ToRgb(planes, width, height, TO_RGB[range])
    : yuv420ToRgb(planes, width, height, TO_RGB[range]);
}

function yuv444ToRgb(
  planes: Uint8Array,
  width: number,
  height: number,
  k: YuvToRgbCoefficients,
): Frame {
  const n = width * height;
  const out = new Uint8Array(n * 3);
  const half = ONE >> 1;
  for (let i = 0; i < n; i++) {
    const y = k.y * ((planes[i] as number) - k.yOffset) + half;
    const u = (planes[n + i] as number) - 128;
    const v = (planes[2 * n + i] as number) - 128;
    out[3 * i] = clampByte((y + k.vToR * v) >> FRACTION_BITS);
    out[3 * i + 1] = clampByte((y + k.uToG * u + k.vToG * v) >> FRACTION_BITS);
    out[3 * i + 2] = clampByte((y + k.uToB * u) >> FRACTION_BITS);
  }
  return { width, height, data: out };
}

/**
 * Chroma sample indices and weights (in 1/4) for each luma column or row:
 * luma 2i takes 3/4 of chroma i and 1/4 of chroma i-1; luma 2i+1 takes 3/4 of
 * chroma i and 1/4 of chroma i+1; indices clamped to the plane.
 */
function upsampleTaps(lumaSize: number, chromaLength: number): { near: Int32Array; far: Int32Array } {
  const near = new Int32Array(lumaSize);
  const far = new Int32Array(lumaSize);
  for (let x = 0; x < lumaSize; x++) {
    const i = x >> 1;
    const j = x & 1 ? i + 1 : i - 1;
    near[x] = i;
    far[x] = j < 0 ? 0 : j >= chromaLength ? chromaLength - 1 : j;
  }
  return { near, far };
}

function yuv420ToRgb(
  planes: Uint8Array,
  width: number,
  height: number,
  k: YuvToRgbCoefficients,
): Frame {
  const c = chromaSize("yuv420p", width, height);
  const n = width * height;
  const uBase = n;
  const vBase = n + c.width * c.height;
  const cols = upsampleTaps(width, c.width);
  const rows = upsampleTaps(height, c.height);
  const out = new Uint8Array(n * 3);
  // Upsampled chroma is kept in 1/16 units (9a + 3b + 3c + d), so the luma term
  // is scaled by 16 and one final shift of FRACTION_BITS + 4 does all rounding.
  const shift = FRACTION_BITS + 4;
  const half = 1 << (shift - 1);
  const centre = 128 * 16;
  for (let yPos = 0; yPos < height; yPos++) {
    const nearRow = (rows.near[yPos] as number) * c.width;
    const farRow = (rows.far[yPos] as number) * c.width;
    for (let xPos = 0; xPos < width; xPos++) {
      const nx = cols.near[xPos] as number;
      const fx = cols.far[xPos] as number;
      const a = nearRow + nx;
      const b = nearRow + fx;
      const d = farRow + nx;
      const e = farRow + fx;
      const u =
        9 * (planes[uBase + a] as number) +
        3 * ((planes[uBase + b] as number) + (planes[uBase + d] as number)) +
        (planes[uBase + e] as number) -
        centre;
      const v =
        9 * (planes[vBase + a] as number) +
        3 * ((planes[vBase + b] as number) + (planes[vBase + d] as number)) +
        (planes[vBase + e] as number) -
        centre;
      const i = yPos * width + xPos;
      const y = k.y * 16 * ((planes[i] as number) - k.yOffset) + half;
      out[3 * i] = clampByte((y + k.vToR * v) >> shift);
      out[3 * i + 1] = clampByte((y + k.uToG * u + k.vToG * v) >> shift);
      out[3 * i + 2] = clampByte((y + k.uToB * u) >> shift);
    }
  }
  return { width, height, data: out };
}

/**
 * Inverse of yuvToRgb: packed RGB24 to planar Y, U, V in one buffer (BT.601,
 * given range). For 4:2:0 each chroma sample is the rounded average of the
 * chroma of the (up to) four pixels of its 2x2 block.
 */
export function rgbToYuv(frame: Frame, pixFmt: YuvPixFmt, range: YuvRange): Uint8Array {
  const { width, height, data } = frame;
  checkDimensions(width, height);
  if (data.length !== width * height * 3) {
    throw new RangeError(
      `RGB24 ${width}x${height} frame needs ${width * height * 3} bytes, got ${data.length}`,
    );
  }
  const k = TO_YUV[range];
  const n = width * height;
  const out = new Uint8Array(yuvFrameSize(pixFmt, width, height));
  const half = ONE >> 1;
  const yOffset = k.yOffset * ONE + half;
  for (let i = 0; i < n; i++) {
    const r = data[3 * i] as number;
    const g = data[3 * i + 1] as number;
    const b = data[3 * i + 2] as number;
    out[i] = clampByte((k.yr * r + k.yg * g + k.yb * b + yOffset) >> FRACTION_BITS);
  }
  const centre = 128 * ONE;
  if (pixFmt === "yuv444p") {
    for (let i = 0; i < n; i++) {
      const r = data[3 * i] as number;
      const g = data[3 * i + 1] as number;
      const b = data[3 * i + 2] as number;
      out[n + i] = clampByte((k.ur * r + k.ug * g + k.ub * b + centre + half) >> FRACTION_BITS);
      out[2 * n + i] = clampByte((k.vr * r + k.vg * g + k.vb * b + centre + half) >> FRACTION_BITS);
    }
    return out;
  }
  const c = chromaSize("yuv420p", width, height);
  const vBase = n + c.width * c.height;
  for (let cy = 0; cy < c.height; cy++) {
    for (let cx = 0; cx < c.width; cx++) {
      let uSum = 0;
      let vSum = 0;
      let count = 0;
      for (let dy = 0; dy < 2; dy++) {
        const yPos = 2 * cy + dy;
        if (yPos >= height) continue;
        for (let dx = 0; dx < 2; dx++) {
          const xPos = 2 * cx + dx;
          if (xPos >= width) continue;
          const p = 3 * (yPos * width + xPos);
          const r = data[p] as number;
          const g = data[p + 1] as number;
          const b = data[p + 2] as number;
          uSum += k.ur * r + k.ug * g + k.ub * b;
          vSum += k.vr * r + k.vg * g + k.vb * b;
          count++;
        }
      }
      // Divide the fixed-point sum by count * ONE with round-half-up; Math.floor
      // keeps negative sums rounding the same way as positive ones.
      const denominator = count * ONE;
      const ci = cy * c.width + cx;
      out[n + ci] = clampByte(128 + Math.floor((uSum + denominator / 2) / denominator));
      out[vBase + ci] = clampByte(128 + Math.floor((vSum + denominator / 2) / denominator));
    }
  }
  return out;
}
