import { sumSquaredDifferences } from "./frame-kernels.js";

/** Sum of squared sample differences of two equally long 8-bit arrays. */
export function sumSquaredError(a: Uint8Array, b: Uint8Array): number {
  if (a.length !== b.length) {
    throw new Error(`sumSquaredError: arrays differ in length (${a.length} vs ${b.length})`);
  }
  return sumSquaredDifferences(a, b);
}

/** 10·log10(255²/mse); +Infinity when mse is 0. */
export function psnrFromMse(mse: number): number {
  if (!(mse >= 0) || !Number.isFinite(mse)) {
    throw new Error(`psnrFromMse: mse must be a finite number >= 0, got ${mse}`);
  }
  return mse === 0 ? Number.POSITIVE_INFINITY : 10 * Math.log10((255 * 255) / mse);
}
