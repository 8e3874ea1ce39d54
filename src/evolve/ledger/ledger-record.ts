/**
 * One line of `.codec-evolve/ledger.jsonl`: everything known about one
 * candidate. The later GitHub parts read the same file, so fields are added,
 * never renamed (`schema` says which shape a line has).
 */
import type { PairedTiming, Verdict } from "../../evaluate/results.js";
import type { EditSummary } from "../edits/apply-edits.js";
import type { EditTolerance } from "../edits/tolerant-match.js";
import type { AttemptFailure } from "../edits/proposal-failure.js";
import type { ProposalUsage, ProposerKind } from "../proposers/proposer.js";

export const LEDGER_SCHEMA = 1;

/**
 * seed: the starting codec, measured as v1; adopted: became the next version;
 * rejected: evaluated, not good enough; failed: the codec failed evaluation;
 * invalid: refused before evaluation (answer, edits, syntax); duplicate: code
 * already seen, not evaluated again.
 */
export type AttemptStatus = "seed" | "adopted" | "rejected" | "failed" | "invalid" | "duplicate";

export interface ClipMetrics {
  name: string;
  bdRateX265: number | null;
  /** Against x265 without B-frames; absent in records written before that baseline existed. */
  bdRateX265Ld?: number | null;
  bdRateParent: number | null;
  meanMbps: number;
  compressionRatio: number;
  meanPsnrRgb: number;
}

/** Figures of an evaluated candidate, averaged over the quality ladder of the shown clips. */
export interface MetricsSummary {
  meanMbps: number;
  meanMbps1080p30: number;
  /** Raw RGB24 bytes over payload bytes, all rungs of all shown clips together. */
  compressionRatio: number;
  meanBitsPerPixel: number;
  meanPsnrRgb: number;
  meanSsimRgb: number;
  meanEncodeFps: number;
  meanDecodeFps: number;
  /** Mean encode fps per CPU second; absent in older records or when a rung lacks it. */
  meanEncodeCpuFps?: number;
  /** Mean BD-rate (%) over the shown clips; null when not computable. */
  bdRateX265: number | null;
  /** Mean BD-rate (%) against low-delay x265 (no B-frames); absent in older records or when not measured. */
  bdRateX265Ld?: number | null;
  bdRateParent: number | null;
  clips: ClipMetrics[];
  /**
   * The encode speed against the parent timed side by side (paired-timing.ts), when the verdict
   * compared speeds; the figure the speed rules judged. Absent in older records.
   */
  pairedTiming?: PairedTiming;
  /** Held-out clips: aggregate only, never names. */
  heldOut?: {
    clips: number;
    bdRateX265: number | null;
    bdRateX265Ld?: number | null;
    bdRateParent: number | null;
  };
}

export interface ProposerInfo {
  kind: ProposerKind | "seed" | "rollback";
  label: string;
  model: string | null;
  /** The answers proposer's file the proposal was read from (a human-written or replayed answer). */
  source?: string;
}

export interface LedgerRecord {
  schema: number;
  id: string;
  /** The candidate whose code was edited; null for the seed. */
  parentId: string | null;
  /** The version the candidate was compared against (the best when it was proposed). */
  comparedToVersion: number | null;
  /** Set when adopted (or for the seed, v1). */
  version: number | null;
  status: AttemptStatus;
  runId: string;
  /** Position of this attempt in its run (1-based); 0 for seed and rollback records. */
  generation: number;
  proposer: ProposerInfo;
  hypothesis: string;
  rationale: string;
  edits: EditSummary[];
  /**
   * Set when a SEARCH block matched only with a tolerance (the most lenient any block
   * needed; per file in `edits[].tolerance`); absent when every block matched as written.
   */
  editTolerance?: Exclude<EditTolerance, "exact">;
  /** sha256 of the codec source after the edits; null when edits were refused. */
  codeHash: string | null;
  /** The candidate's commit on its own branch, and the version commit when adopted. */
  commit: string | null;
  branch: string | null;
  versionCommit: string | null;
  failure: AttemptFailure | null;
  verdict: Verdict | null;
  metrics: MetricsSummary | null;
  usage: ProposalUsage | null;
  startedAt: string;
  finishedAt: string;
}
