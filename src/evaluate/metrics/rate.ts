import type { RateMetrics } from "../results.js";

/**
 * bytes, bitsPerPixel, mbps (at the clip's fps), mbps1080p30, compressionRatio (raw RGB24 bytes / bytes).
 * Zero bytes gives compressionRatio +Infinity (JSON.stringify writes it as null).
 */
export function rateMetrics(
  bytes: number,
  width: number,
  height: number,
  frames: number,
  fps: number,
): RateMetrics {
  if (!Number.isSafeInteger(bytes) || bytes < 0) {
    throw new Error(`rateMetrics: bytes must be a non-negative integer, got ${bytes}`);
  }
  for (const [name, value] of [
    ["width", width],
    ["height", height],
    ["frames", frames],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new Error(`rateMetrics: ${name} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps <= 0) {
    throw new Error(`rateMetrics: fps must be a positive finite number, got ${fps}`);
  }
  const bits = bytes * 8;
  const bitsPerPixel = bits / (width * height * frames);
  return {
    bytes,
    bitsPerPixel,
    mbps: (bits * fps) / frames / 1e6,
    mbps1080p30: (bitsPerPixel * 1920 * 1080 * 30) / 1e6,
    compressionRatio: (width * height * 3 * frames) / bytes,
  };
}
