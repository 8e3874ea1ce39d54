import { ssimOfComponent } from "./frame-kernels.js";

/** Smallest plane side the 8×8 windows of the ssim filter can cover. */
export const SSIM_MIN_SIDE = 8;

/** SSIM of one 8-bit plane exactly as ffmpeg's ssim filter computes it (x264's 4x4-sum, 8x8 overlapping windows). */
export function ssimPlane(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  assertSsimPlaneSize(width, height);
  const expected = width * height;
  if (a.length !== expected || b.length !== expected) {
    throw new Error(
      `ssimPlane: planes have ${a.length} and ${b.length} samples, expected ${expected} for ${width}x${height}`,
    );
  }
  return ssimOfComponent(a, b, width, height, 0, 1);
}

/** Throws unless a width x height plane holds at least one 8×8 SSIM window. */
export function assertSsimPlaneSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height)) {
    throw new Error(`SSIM: width and height must be integers, got ${width}x${height}`);
  }
  if (width < SSIM_MIN_SIDE || height < SSIM_MIN_SIDE) {
    throw new Error(
      `SSIM needs planes of at least ${SSIM_MIN_SIDE}x${SSIM_MIN_SIDE} pixels (one 8x8 window), got ${width}x${height}`,
    );
  }
}
