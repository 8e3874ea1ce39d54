/**
 * How a codec run fails: the categories and the failure record. Part of the
 * codec contract that the sandbox produces and the evaluator, the results JSON
 * and the ledger carry, so it sits below all of them.
 */

/** Failure categories a codec evaluation can end in. */
export const FAILURE_CATEGORIES = [
  "syntax",
  "forbidden",
  "missing-function",
  "runtime",
  "timeout",
  "memory",
  "invalid-output",
  "nondeterministic",
  "sandbox-violation",
  "quality-floor",
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface Failure {
  category: FailureCategory;
  message: string;
  /** Line in the codec's own source, when known. */
  line: number | null;
  /** Last lines of the traceback, bounded in size. */
  traceback?: string;
  /** Which stage failed: "validate" | "encode" | "decode" | "score". */
  stage?: string;
  clip?: string;
  quality?: number;
  frameIndex?: number;
  /** The codec's own stdout/stderr, bounded (head and tail), when it printed anything. */
  log?: string;
}
