/**
 * The judge step: a candidate's evaluation result, compared with the current
 * best's, becomes its ledger record and a verdict. `judge` is pure; a
 * candidate that is not adopted is then written down by `recordJudgement`
 * (and closed in the CandidateStore), an adoptable one goes to `adopt`.
 */
import type { AdoptionConfig } from "../../config/schema.js";
import type { EvaluationResult, Verdict } from "../../evaluate/results.js";
import { decideVerdict } from "../../evaluate/verdict.js";
import type { LedgerRecord } from "../ledger/ledger-record.js";
import { updateLedger, type LedgerStore } from "../ledger/ledger-store.js";
import type { PendingAttempt } from "../ledger/pending-attempt.js";
import { summarizeMetrics } from "../ledger/summarize-metrics.js";
import type { MetricsSummary } from "../ledger/ledger-record.js";
import type { AttemptFailure } from "../edits/proposal-failure.js";
import type { CandidateStore } from "../store/candidate-store.js";

export interface JudgeInput {
  /** The attempt, past its checks: `candidate.record` carries commit, edits and code hash. */
  pending: PendingAttempt & { candidate: { record: LedgerRecord } };
  /** The candidate's evaluation. Its own `verdict`, when the evaluator set one, is used as is. */
  result: EvaluationResult;
  /** The current best's evaluation to compare with; null when it has none. */
  bestResult: EvaluationResult | null;
  adoption: AdoptionConfig;
  now: Date;
}

export interface Judgement {
  /** Status "failed", "rejected", or "adopted" with no version yet (adopt allocates it). */
  record: LedgerRecord;
  verdict: Verdict;
  adopt: boolean;
}

/**
 * An evaluation decided elsewhere, as far as the judge needs it: on GitHub the
 * Action's check run says failed / adopt / reject and the App keeps the figures
 * it carries; locally `judge` builds it from the EvaluationResult.
 */
export interface DecidedEvaluation {
  /** "failed": the codec failed (its failure recorded); "ok": measured, `verdict` decides. */
  status: "ok" | "failed";
  failure: AttemptFailure | null;
  verdict: Verdict;
  metrics: MetricsSummary | null;
}

/** Decide: failed (the codec failed), rejected (not better by the rule) or adoptable. */
export function judge(input: JudgeInput): Judgement {
  const { result } = input;
  const metrics = summarizeMetrics(result);
  if (result.status !== "ok") {
    const failure = result.failure;
    return judgeDecided({
      pending: input.pending,
      now: input.now,
      evaluation: {
        status: "failed",
        failure: failure ? { ...failure, line: failure.line ?? null } : null,
        verdict: { adopt: false, reason: `failed: ${failure?.category}: ${failure?.message}` },
        metrics,
      },
    });
  }
  const verdict: Verdict =
    result.verdict ??
    (input.bestResult
      ? decideVerdict(result, input.bestResult, input.adoption)
      : { adopt: false, reason: "rejected: the current best has no measurement to compare with" });
  return judgeDecided({
    pending: input.pending,
    now: input.now,
    evaluation: { status: "ok", failure: null, verdict, metrics },
  });
}

/** The record and verdict of an evaluation whose outcome is already decided (failed, or a verdict). */
export function judgeDecided(input: {
  pending: PendingAttempt & { candidate: { record: LedgerRecord } };
  evaluation: DecidedEvaluation;
  now: Date;
}): Judgement {
  const { evaluation } = input;
  const record: LedgerRecord = {
    ...input.pending.candidate.record,
    metrics: evaluation.metrics,
    finishedAt: input.now.toISOString(),
  };
  if (evaluation.status === "failed") {
    const verdict = { adopt: false, reason: evaluation.verdict.reason };
    return {
      record: { ...record, status: "failed", failure: evaluation.failure, verdict },
      verdict,
      adopt: false,
    };
  }
  const verdict = evaluation.verdict;
  return {
    record: { ...record, status: verdict.adopt ? "adopted" : "rejected", verdict },
    verdict,
    adopt: verdict.adopt,
  };
}

/**
 * Write a judgement that is not an adoption: the record is appended and the
 * pending attempt removed in one write, then the store closes the candidate.
 * Idempotent: a record already in the ledger is not written again.
 */
export async function recordJudgement(
  judgement: Judgement,
  deps: { ledger: LedgerStore; candidates: Pick<CandidateStore, "closeCandidate"> },
): Promise<LedgerRecord> {
  if (judgement.adopt) throw new Error(`${judgement.record.id} is adoptable; adopt it instead`);
  const { record } = judgement;
  await updateLedger(deps.ledger, (state) =>
    state.records.some((r) => r.id === record.id)
      ? null
      : { change: { append: [record], removePending: [record.id] }, value: true },
  );
  await deps.candidates.closeCandidate({
    id: record.id,
    status: record.status,
    reason: judgement.verdict.reason,
  });
  return record;
}
