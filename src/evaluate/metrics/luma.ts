import type { Frame } from "../clips/clip.js";
import { lumaOfPackedRgb } from "./frame-kernels.js";

/**
 * Luma plane from packed RGB24 with BT.601 weights, full range:
 * Y = round(0.299 R + 0.587 G + 0.114 B), halves rounded up, computed exactly in
 * integers as floor((299 R + 587 G + 114 B + 500) / 1000); always 0..255.
 */
export function rgbToLuma(frame: Frame): Uint8Array {
  const pixels = frame.width * frame.height;
  if (frame.data.length !== pixels * 3) {
    throw new Error(
      `rgbToLuma: frame data has ${frame.data.length} bytes, expected ${pixels * 3} for ${frame.width}x${frame.height} RGB24`,
    );
  }
  return lumaOfPackedRgb(frame.data, new Uint8Array(pixels));
}
