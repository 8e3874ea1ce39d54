/**
 * The report job's check that the untrusted job's figures add up: BD-rates
 * per clip and their means are recomputed from the artifact's own rungs
 * (src/evaluate/rd, pure), and the verdict from those rungs by the trusted
 * config's adoption rule (src/evaluate/verdict.ts, pure). A claim that
 * disagrees means the artifact was not written by the evaluator as shipped:
 * the caller refuses it.
 *
 * What cannot be recomputed: the rungs themselves (only re-running the codec
 * could), and held-out clips, which the artifact carries only as aggregates;
 * with held-out clips the verdict is not recomputed, and the result says so.
 */
import type { AdoptionConfig } from "../config/schema.js";
import { parentResultFrom } from "../evaluate/evaluator.js";
import { compareCurves, meanBdRate } from "../evaluate/rd/compare-curves.js";
import type { EvaluationResult } from "../evaluate/results.js";
import { decideVerdict } from "../evaluate/verdict.js";

export interface ResultsCheck {
  /** Claims that differ from the recomputed figures; empty when everything adds up. */
  problems: string[];
  /** What was recomputed, for the log. */
  checked: string;
}

/** Equal as the evaluator would have written them (same code, same inputs): exact up to rounding noise. */
function same(a: number | null | undefined, b: number | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) {
    return (a ?? null) === (b ?? null);
  }
  return Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));
}

function show(value: number | null | undefined): string {
  return typeof value === "number" ? value.toFixed(4) : "none";
}

/** Recompute BD-rates and the verdict from the rungs of `results`; see the module comment. */
export function verifyResults(results: EvaluationResult, rule: AdoptionConfig): ResultsCheck {
  if (results.status !== "ok") return { problems: [], checked: "nothing (the codec failed)" };
  const problems: string[] = [];
  const recomputed = results.clips.map((clip) => ({
    ...clip,
    ...compareCurves(clip.rungs, clip.baselines),
  }));
  for (const [i, clip] of recomputed.entries()) {
    const claimed = results.clips[i]!.bdRate;
    for (const name of new Set([...Object.keys(clip.bdRate), ...Object.keys(claimed)])) {
      if (!same(clip.bdRate[name], claimed[name])) {
        problems.push(
          `clip ${i + 1}: BD-rate vs ${name} claimed ${show(claimed[name])}, recomputed ${show(clip.bdRate[name])}`,
        );
      }
    }
  }
  const mean = meanBdRate(recomputed);
  const claimedMean = results.summary?.bdRate ?? {};
  for (const name of new Set([...Object.keys(mean), ...Object.keys(claimedMean)])) {
    if (!same(mean[name], claimedMean[name])) {
      problems.push(
        `mean BD-rate vs ${name} claimed ${show(claimedMean[name])}, recomputed ${show(mean[name])}`,
      );
    }
  }

  const hasParent = recomputed.some((clip) => clip.baselines.parent);
  const heldOut = (results.heldOut?.clips ?? 0) > 0;
  let checked = `BD-rates of ${recomputed.length} clip(s) and their means`;
  if (hasParent && !heldOut) {
    const candidate: EvaluationResult = {
      ...results,
      clips: recomputed,
      summary: { bdRate: mean },
    };
    const verdict = decideVerdict(candidate, parentResultFrom(candidate, []), rule);
    const claimed = results.verdict;
    if (!claimed || claimed.adopt !== verdict.adopt) {
      problems.push(
        `verdict claimed ${claimed ? (claimed.adopt ? "adopt" : "reject") : "none"}, ` +
          `recomputed ${verdict.adopt ? "adopt" : "reject"} (${verdict.reason})`,
      );
    }
    checked += ", and the verdict by this repository's adoption rule";
  } else if (heldOut) {
    checked += "; the verdict is not recomputed (held-out clips are only aggregates here)";
  }
  return { problems, checked };
}
