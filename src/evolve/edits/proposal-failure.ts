/**
 * Why a proposal was refused before evaluation, in the same shape as a codec
 * failure so the ledger and the failure report treat both alike.
 */
import type { Failure, FailureCategory } from "../../contract/failure.js";

/** Categories of a refused proposal, next to the evaluator's own failure categories. */
export const PROPOSAL_FAILURE_CATEGORIES = [
  "malformed-answer",
  "no-edits",
  "search-mismatch",
  "protected-path",
  "duplicate",
] as const;

export type ProposalFailureCategory = (typeof PROPOSAL_FAILURE_CATEGORIES)[number];

/** Any category a ledger record's failure can have. */
export type AttemptFailureCategory = FailureCategory | ProposalFailureCategory;

/** A codec failure (results.ts) or a proposal that never reached evaluation. */
export type AttemptFailure = Omit<Failure, "category"> & { category: AttemptFailureCategory };
