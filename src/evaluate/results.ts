/**
 * The results JSON (DESIGN.md "Results JSON"). Field names are a public
 * contract read by the Action, the App and the ledger: add, never rename.
 */

import type { Failure } from "../contract/failure.js";

// The results JSON carries the contract's failure record; readers of the results contract import it from here too.
export { FAILURE_CATEGORIES, type Failure, type FailureCategory } from "../contract/failure.js";

/** Quality figures of decoded frames against the source frames. */
export interface QualityMetrics {
  psnrRgb: number;
  ssimRgb: number;
  psnrY: number;
  ssimY: number;
}

/** Rate figures of a whole clip at one rung. */
export interface RateMetrics {
  bytes: number;
  bitsPerPixel: number;
  mbps: number;
  mbps1080p30: number;
  compressionRatio: number;
}

/** One point on a rate–distortion curve. */
export interface Rung extends RateMetrics, QualityMetrics {
  /** The codec's quality knob (0–100) or, for a baseline, its own setting. */
  quality: number;
  /** Frames per second of the codec's own encode / decode calls. */
  encodeFps: number;
  decodeFps: number;
  /** Baselines: the encoder setting that produced this rung, e.g. "crf=28". */
  setting?: string;
}

export interface BaselineResult {
  /** Encoder identity, e.g. "x265 3.5 (ffmpeg 5.1.6), preset medium, tune psnr". */
  encoder: string;
  rungs: Rung[];
}

export interface ClipResult {
  name: string;
  width: number;
  height: number;
  frames: number;
  fps: number;
  source?: string;
  rungs: Rung[];
  baselines: Record<string, BaselineResult>;
  /** BD-rate (%) of the candidate against each baseline, on PSNR-RGB; null when not computable. */
  bdRate: Record<string, number | null>;
  /** Why a BD-rate could not be computed, per baseline. */
  bdRateNotes?: Record<string, string>;
}

export interface Verdict {
  adopt: boolean;
  reason: string;
}

/** Aggregate figures of the held-out clips: never their names. */
export interface HeldOutSummary {
  clips: number;
  frames: number;
  meanBitsPerPixel: number;
  meanPsnrRgb: number;
  bdRate: Record<string, number | null>;
}

export interface EvaluationResult {
  codec: string;
  status: "ok" | "failed";
  failure: Failure | null;
  clips: ClipResult[];
  verdict: Verdict | null;
  /** Mean BD-rate over the shown clips against each baseline (clips where it could be computed). */
  summary?: { bdRate: Record<string, number | null> };
  /** Held-out clips, aggregated. */
  heldOut?: HeldOutSummary;
  /** How the codec was contained, stated in every report. */
  sandbox?: { isolation: string; warnings: string[] };
  /** Tool versions and settings needed to reproduce the numbers. */
  environment?: Record<string, string>;
}
