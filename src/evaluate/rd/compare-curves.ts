/** BD-rate of a candidate curve against each reference curve of a clip, with reasons when undefined. */
import type { BaselineResult, ClipResult, Rung } from "../results.js";
import { BD_RATE_MIN_POINTS, BdRateError, bdRate, type RdPoint } from "./bd-rate.js";

/** Rate in bits per pixel against PSNR-RGB: the curve BD-rate is computed on. */
export function rdPoints(rungs: readonly Rung[]): RdPoint[] {
  return rungs.map((rung) => ({ rate: rung.bitsPerPixel, quality: rung.psnrRgb }));
}

/** BD-rate (%) of the candidate against every reference; null plus a note where it is undefined. */
export function compareCurves(
  candidate: readonly Rung[],
  references: Record<string, BaselineResult>,
): Pick<ClipResult, "bdRate" | "bdRateNotes"> {
  const bd: Record<string, number | null> = {};
  const notes: Record<string, string> = {};
  // A short ladder (`--quality 50`) is a normal request: measured and reported, with no BD-rate.
  const tooFew = tooFewRungsNote(candidate.length);
  for (const [name, reference] of Object.entries(references)) {
    if (tooFew) {
      bd[name] = null;
      notes[name] = tooFew;
      continue;
    }
    try {
      bd[name] = bdRate(rdPoints(reference.rungs), rdPoints(candidate));
    } catch (error) {
      if (!(error instanceof BdRateError)) throw error;
      bd[name] = null;
      notes[name] = error.message;
    }
  }
  return Object.keys(notes).length > 0 ? { bdRate: bd, bdRateNotes: notes } : { bdRate: bd };
}

/** Why no BD-rate can come from a ladder of `rungs` rungs, or null when it is long enough. */
export function tooFewRungsNote(rungs: number): string | null {
  return rungs < BD_RATE_MIN_POINTS
    ? `the candidate has ${rungs} rung${rungs === 1 ? "" : "s"}; BD-rate needs at least ${BD_RATE_MIN_POINTS} rungs (e.g. --quality 20,35,50,65,80)`
    : null;
}

/**
 * Mean BD-rate per reference over the clips where it is defined; null where it
 * is defined nowhere, or, with `requireAll`, where any clip lacks it (held-out
 * clips are not shown one by one, so a codec must not hide a loss there by
 * making its curve incomparable).
 */
export function meanBdRate(
  clips: readonly ClipResult[],
  { requireAll = false }: { requireAll?: boolean } = {},
): Record<string, number | null> {
  const names = new Set(clips.flatMap((clip) => Object.keys(clip.bdRate)));
  const mean: Record<string, number | null> = {};
  for (const name of names) {
    const values = clips
      .map((clip) => clip.bdRate[name])
      .filter((value): value is number => typeof value === "number");
    const complete = values.length === clips.length;
    mean[name] =
      values.length && (complete || !requireAll)
        ? values.reduce((a, b) => a + b, 0) / values.length
        : null;
  }
  return mean;
}
