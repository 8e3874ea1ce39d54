/**
 * The loop's evaluator over the real evaluation engine: the same clips,
 * ladder, baselines and sandbox for every candidate, and the current best as
 * the parent, from its stored result when that is comparable (same clips, no
 * synthetic ones, which are re-seeded) or else run again on the same frames.
 * Either way its file is timed side by side with the candidate for the speed rules.
 */
import type { AdoptionConfig } from "../config/schema.js";
import { frameCountOf } from "../evaluate/clips/clip-stream.js";
import { evaluateCodec, type EvaluationRequest } from "../evaluate/evaluator.js";
import type { EvaluationResult } from "../evaluate/results.js";
import type { CandidateEvaluator } from "./loop.js";

export type EvaluationSettings = Omit<EvaluationRequest, "codecPath" | "parent" | "adoption">;

/** A CandidateEvaluator with fixed settings; `evaluate` is injectable for tests. */
export function candidateEvaluator(
  settings: EvaluationSettings,
  adoption: AdoptionConfig,
  evaluate: (request: EvaluationRequest) => Promise<EvaluationResult> = evaluateCodec,
): CandidateEvaluator {
  const comparable = (stored: EvaluationResult) =>
    !settings.clips.some((clip) => clip.source.kind === "synthetic") &&
    (settings.heldOutClips ?? []).length === 0 &&
    settings.clips.every((clip) =>
      stored.clips.some((c) => c.name === clip.name && c.frames === frameCountOf(clip)),
    );
  return async (request) => {
    const parent = request.parent
      ? request.parent.result && comparable(request.parent.result)
        ? // Its file still runs once, briefly: timed side by side with the candidate (paired-timing.ts).
          { result: request.parent.result, timingCodecPath: request.parent.codecPath }
        : { codecPath: request.parent.codecPath }
      : null;
    return evaluate({
      ...settings,
      codecPath: request.codecPath,
      parent,
      ...(parent ? { adoption } : {}),
    });
  };
}

/** A key that changes whenever the clips or settings would make stored results incomparable. */
export function evaluationKey(settings: EvaluationSettings): string {
  return JSON.stringify({
    clips: settings.clips.map((clip) => [
      clip.name,
      clip.width,
      clip.height,
      frameCountOf(clip),
      clip.source,
    ]),
    heldOut: (settings.heldOutClips ?? []).map((clip) => [
      clip.width,
      clip.height,
      frameCountOf(clip),
      clip.source,
    ]),
    qualities: settings.qualities ?? null,
    baselines: settings.baselines ?? null,
    codecParams: settings.codecParams ?? {},
    qualityFloorDb: settings.qualityFloorDb ?? null,
  });
}
