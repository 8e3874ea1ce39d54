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
  /** Frames per second of the codec's own encode / decode calls, wall clock. */
  encodeFps: number;
  decodeFps: number;
  /**
   * Frames per CPU second of the sandboxed encoder process (every thread); far less
   * sensitive to the machine's load than encodeFps. Absent for baselines and older results.
   */
  encodeCpuFps?: number;
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

/**
 * Parent and candidate encoders timed side by side on the same frames (paired-timing.ts):
 * chunks of frames encoded by one, then the other, the order flipped every chunk, so that
 * a change of the machine's load falls on both alike. `unavailable` says why there is none.
 */
export type PairedTiming =
  | {
      status: "ok";
      /** The first timed clip (the only one in results written before segments existed). */
      clip: string;
      /** What was timed, in order: each shown clip's first frames at one rung. */
      segments?: { clip: string; quality: number; frames: number }[];
      /** The rungs (codec quality) timed: low, middle and high of the ladder. */
      qualities: number[];
      /** Frames encoded per side, over all timed rungs. */
      frames: number;
      /** Chunks per side; each chunk is one parent/candidate pair. */
      chunks: number;
      parentCpuSeconds: number;
      candidateCpuSeconds: number;
      /** Parent's CPU seconds over the candidate's: above 1, the candidate is faster. */
      speedup: number;
      /** Smallest, median and largest per-chunk speed-up: the spread of the pairs. */
      chunkSpeedups: { min: number; median: number; max: number };
    }
  | { status: "unavailable"; reason: string };

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
  /** Encode speed of candidate vs parent, timed side by side (present when a parent file ran). */
  pairedTiming?: PairedTiming;
  /** Tool versions and settings needed to reproduce the numbers. */
  environment?: Record<string, string>;
  /** Present only on the result of `evaluate --shard I/N`: what merge-results needs (see shard.ts). */
  shard?: ShardInfo;
}

/**
 * One shard's part of an evaluation. Its `clips` hold only the rungs it owns
 * (bdRate empty, no summary, no verdict); merge-results puts the shards
 * together and computes BD-rates and the verdict once.
 */
export interface ShardInfo {
  index: number;
  count: number;
  /** Everything that must be equal for shards to belong together (merge-results refuses otherwise). */
  identity: ShardIdentity;
  /** Names of the work units this shard ran (shard.ts unitName). */
  units: string[];
  /** Held-out clips' partial results, in order, named only by number. */
  heldOutClips: ClipResult[];
  /** Per clip position (shown, then held-out): the candidate rates (bpp, ladder order) its baselines were chosen from. */
  baselineTargets: Record<string, number[]>;
  /** Per clip position: the parent's rungs this shard measured, by ladder position; null where the parent failed. */
  parentRungs: Record<string, Record<string, Rung | null>>;
  /** The parent's encoder identity string, when a parent ran. */
  parentEncoder: string | null;
}

/** The inputs of an evaluation, hashed where they are files. */
export interface ShardIdentity {
  codecSha256: string;
  parentSha256: string | null;
  /** Shown clips by name, size, frame count, rate and source (synthetic sources include their seed). */
  clips: string[];
  /** Held-out clips by sha256 of the same description: never their names. */
  heldOut: string[];
  qualities: number[];
  baselines: string[];
  /** codecParams, qualityFloorDb and the adoption rule, as JSON. */
  settings: string;
  /** The scoring code's fingerprint and the evaluator's version. */
  evaluator: string;
}
