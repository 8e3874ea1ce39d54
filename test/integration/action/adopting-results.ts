/**
 * Results that honestly adopt, for report tests: the report job recomputes
 * BD-rates and the verdict from the rungs (src/github/verify-results.ts), so a
 * fixture cannot just flip `verdict.adopt`. The parent's bytes are scaled on
 * every rung and the figures recomputed by the evaluator's own functions.
 */
import { parentResultFrom } from "../../../src/evaluate/evaluator.js";
import { compareCurves, meanBdRate } from "../../../src/evaluate/rd/compare-curves.js";
import type { EvaluationResult } from "../../../src/evaluate/results.js";
import { adoptionSchema } from "../../../src/config/schema.js";
import { decideVerdict } from "../../../src/evaluate/verdict.js";

/** The default adoption rule (a report checkout without a config uses it). */
export const DEFAULT_RULE = adoptionSchema.parse({});

/** `results` with the parent's bytes times `factor` on every rung, BD-rates and verdict recomputed. */
export function withParentScaled(results: EvaluationResult, factor: number): EvaluationResult {
  for (const clip of results.clips) {
    const parent = clip.baselines.parent!;
    parent.rungs = parent.rungs.map((rung) => ({
      ...rung,
      bytes: Math.round(rung.bytes * factor),
      bitsPerPixel: rung.bitsPerPixel * factor,
      compressionRatio: rung.compressionRatio / factor,
    }));
    Object.assign(clip, compareCurves(clip.rungs, clip.baselines));
  }
  results.summary = { bdRate: meanBdRate(results.clips) };
  results.verdict = decideVerdict(results, parentResultFrom(results, []), DEFAULT_RULE);
  return results;
}

/** A copy of the starter's results against a parent that needed 25% more bytes: adopted. */
export function adoptingResults(starter: unknown): EvaluationResult {
  const results = withParentScaled(structuredClone(starter) as EvaluationResult, 1.25);
  if (!results.verdict?.adopt) throw new Error(`expected an adoption: ${results.verdict?.reason}`);
  return results;
}
