/**
 * Bjøntegaard delta rate with PCHIP interpolation (the JCT-VC/JVET practice
 * since VTM's spreadsheet; also what the `bjontegaard` Python package does):
 * each curve's ln(rate) as a PCHIP of quality, both integrated exactly over the
 * quality interval the curves share, BD-rate = (e^(mean difference) − 1)·100.
 * `scripts/bd-rate-golden.py` computes the same with SciPy for the tests.
 */
import { Pchip } from "./pchip.js";

/** One rate–quality point: rate in any consistent unit (bits, bpp), quality in dB. */
export interface RdPoint {
  rate: number;
  quality: number;
}

export type BdRateFailure = "too-few-points" | "no-overlap" | "not-monotone" | "invalid";

/** BD-rate is undefined for these curves; `reason` says why, the message says how to read it. */
export class BdRateError extends Error {
  constructor(
    readonly reason: BdRateFailure,
    message: string,
  ) {
    super(message);
    this.name = "BdRateError";
  }
}

/** Fewest points per curve: a cubic fit through fewer says little about the curve. */
export const BD_RATE_MIN_POINTS = 4;

/** Bjøntegaard delta rate (%) of `test` against `anchor`: PCHIP of log-rate over quality, exact integral over the overlapping quality interval; negative = test needs fewer bits. */
export function bdRate(anchor: readonly RdPoint[], test: readonly RdPoint[]): number {
  const a = prepareCurve(anchor, "anchor");
  const t = prepareCurve(test, "test");
  const lo = Math.max(a.quality[0]!, t.quality[0]!);
  const hi = Math.min(a.quality[a.quality.length - 1]!, t.quality[t.quality.length - 1]!);
  if (!(hi > lo)) {
    throw new BdRateError(
      "no-overlap",
      `the quality ranges do not overlap: anchor ${describeRange(a.quality)} dB, test ${describeRange(t.quality)} dB`,
    );
  }
  const anchorArea = new Pchip(a.quality, a.logRate).integral(lo, hi);
  const testArea = new Pchip(t.quality, t.logRate).integral(lo, hi);
  return (Math.exp((testArea - anchorArea) / (hi - lo)) - 1) * 100;
}

/** Sorts a curve by rate and checks it is a usable RD curve; returns quality and ln(rate). */
function prepareCurve(
  points: readonly RdPoint[],
  label: string,
): { quality: number[]; logRate: number[] } {
  points.forEach(({ rate, quality }, i) => {
    if (!Number.isFinite(rate) || rate <= 0 || !Number.isFinite(quality)) {
      throw new BdRateError(
        "invalid",
        `${label} point ${i} (rate ${rate}, quality ${quality}) needs a finite positive rate and a finite quality`,
      );
    }
  });
  if (points.length < BD_RATE_MIN_POINTS) {
    throw new BdRateError(
      "too-few-points",
      `${label} curve has ${points.length} points; BD-rate needs at least ${BD_RATE_MIN_POINTS}`,
    );
  }
  const sorted = [...points].sort((p, q) => p.rate - q.rate);
  for (let i = 1; i < sorted.length; i++) {
    const previous = sorted[i - 1]!;
    const current = sorted[i]!;
    if (!(current.rate > previous.rate) || !(current.quality > previous.quality)) {
      throw new BdRateError(
        "not-monotone",
        `${label} curve is not monotone: rate ${previous.rate} gives ${previous.quality} dB but rate ${current.rate} gives ${current.quality} dB (quality must rise strictly with rate)`,
      );
    }
  }
  return {
    quality: sorted.map((p) => p.quality),
    logRate: sorted.map((p) => Math.log(p.rate)),
  };
}

function describeRange(values: readonly number[]): string {
  return `${values[0]!.toFixed(3)}..${values[values.length - 1]!.toFixed(3)}`;
}
