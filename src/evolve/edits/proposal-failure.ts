/**
 * Why a proposal was refused before evaluation, in the same shape as a codec
 * failure so the ledger and the failure report treat both alike.
 */
import type { FailureCategory } from "../../evaluate/results.js";

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

export interface AttemptFailure {
  category: AttemptFailureCategory;
  message: string;
  line: number | null;
  traceback?: string;
  stage?: string;
  clip?: string;
  quality?: number;
}
