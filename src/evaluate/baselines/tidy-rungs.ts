/**
 * Turns measured baseline rungs into a rate–distortion curve BD-rate can use:
 * sorted by rate, one rung per distinct size (mozjpeg gives identical files
 * for several of its lowest qualities; a curve cannot hold two points at one
 * rate), and no rung with an infinite PSNR-RGB (a lossless encode, or content
 * such as a black clip that every setting reproduces exactly, has no place on
 * a log-rate/PSNR curve). Nothing else is touched: a curve that is still not
 * monotone is reported as such by the BD-rate code, not hidden here.
 */
import type { Rung } from "../results.js";

/** Rungs sorted by bytes, without duplicate sizes or non-finite PSNR-RGB. */
export function tidyRungs(rungs: readonly Rung[]): Rung[] {
  const sorted = rungs
    .filter((rung) => Number.isFinite(rung.psnrRgb))
    .sort((a, b) => a.bytes - b.bytes || a.quality - b.quality);
  return sorted.filter((rung, i) => i === 0 || rung.bytes !== sorted[i - 1]!.bytes);
}
