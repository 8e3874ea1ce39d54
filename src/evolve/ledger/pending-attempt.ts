/**
 * An attempt in flight: saved before anything is done with a proposal, so a
 * restart (or another replica of the App) finishes it instead of asking the
 * proposer again. It moves through three stages; each is saved before the
 * side effect it protects.
 */
import type { Proposal, ProposerKind } from "../proposers/proposer.js";
import type { LedgerRecord } from "./ledger-record.js";

export interface PendingAttempt {
  /** The candidate id, allocated by `nextCandidateId` (ledger/allocation.ts). */
  id: string;
  runId: string;
  /** Position in its run (1-based). */
  generation: number;
  /** Global attempt number (1-based); seeds the parent choice. */
  attempt: number;
  parentId: string;
  /** The best version when the proposal was asked for. */
  comparedToVersion: number;
  startedAt: string;
  /** "rollback": a candidate that restores an earlier version (the App's /rollback PR), not a proposal. */
  proposerKind: ProposerKind | "rollback";
  proposal: Proposal;
  /**
   * Set once the proposal passed every check and the candidate exists in the
   * CandidateStore (locally a branch; on GitHub an open pull request waiting
   * for its evaluation). The record is complete but for the evaluation.
   */
  candidate?: { record: LedgerRecord };
  /** Set once the verdict is "adopt": the version number is reserved here before the version commit. */
  adoption?: { record: LedgerRecord; message: string };
}
