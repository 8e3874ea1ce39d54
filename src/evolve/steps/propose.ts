/**
 * The propose step: ledger state → parent and prompt → proposer → saved
 * pending attempt → answer parsed, edits applied, syntax and duplicate
 * checks → a candidate in the CandidateStore, or a recorded refusal.
 *
 * Three public parts, so a caller can stop between them (the CLI runs them
 * back to back; the App may plan and ask in one job and check in another):
 * `planProposal` (pure but for reading parent sources), `requestProposal`
 * (asks once, then saves before anything else), `checkProposal` (safe to
 * call again on the same pending attempt after a crash).
 */
import type { AdoptionConfig, EvolveConfig } from "../../config/schema.js";
import type { EvaluationResult } from "../../evaluate/results.js";
import { parseAnswer } from "../answer/parse-answer.js";
import { codeHash } from "../code-hash.js";
import { applyEdits, type EditSummary } from "../edits/apply-edits.js";
import { checkPythonSyntax } from "../edits/check-python-syntax.js";
import type { AttemptFailure } from "../edits/proposal-failure.js";
import { nextCandidateId } from "../ledger/allocation.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "../ledger/ledger-record.js";
import { updateLedger, type LedgerState, type LedgerStore } from "../ledger/ledger-store.js";
import type { PendingAttempt } from "../ledger/pending-attempt.js";
import { chooseParent, currentBest, type ParentChoice } from "../population/population.js";
import { seededRandom } from "../population/seeded-random.js";
import { buildPrompt } from "../prompt/build-prompt.js";
import { renderSystemPrompt } from "../prompt/load-system-prompt.js";
import {
  ProposerError,
  type AttemptOutcome,
  type ProposalContext,
  type Proposer,
} from "../proposers/proposer.js";
import { buildFailureReport, renderFailureReport } from "../report/failure-report.js";
import type { CandidateRef, CandidateStore } from "../store/candidate-store.js";
import { recordCommit } from "./record-commit.js";

/** Python syntax check of an edited file; null when it parses. */
export type SyntaxCheck = (path: string, source: string) => Promise<AttemptFailure | null>;

/** The settings every proposal is made under (from the repository config). */
export interface ProposeSettings {
  /** Repository-relative path of the codec being evolved. */
  codecPath: string;
  adoption: AdoptionConfig;
  evolve: Pick<
    EvolveConfig,
    "historyInPrompt" | "maxPromptChars" | "failureWindow" | "exploreFraction"
  >;
  allowedImports: readonly string[];
  systemPromptTemplate: string;
  focus: string | null;
  /** Seeds the parent choice (with the attempt number) and the offline search. */
  seed: number;
}

export interface ProposeDeps {
  proposer: Proposer;
  ledger: LedgerStore;
  candidates: CandidateStore;
  clock: () => Date;
  /** Default: Python's own parser (check-python-syntax.ts). */
  checkSyntax?: SyntaxCheck;
}

/** A parent chosen and a prompt built; nothing asked or written yet. */
export interface ProposalPlan {
  /** The id the proposal will get unless another writer takes it first (allocated again when saved). */
  id: string;
  /** Global attempt number (1-based). */
  attempt: number;
  parent: LedgerRecord;
  from: ParentChoice["from"];
  best: LedgerRecord;
  /** What the proposer is given. */
  context: ProposalContext;
  /** Records passed over as parent or inspiration because their code cannot be read here. */
  unavailable: UnavailableRecord[];
}

/**
 * A ledger record whose codec cannot be read at its commit: a local candidate
 * branch deleted, or a clone that has the ledger but never had the branch.
 */
export interface UnavailableRecord {
  id: string;
  commit: string;
}

export interface PlanInput {
  state: LedgerState;
  /** The stored evaluation of a record, for the parent's RD table in the prompt; null when none. */
  resultOf: (record: LedgerRecord) => Promise<EvaluationResult | null>;
  /** USD left in the run's budget, null when unlimited. */
  budgetLeftUsd: number | null;
}

/** Choose the parent and build the prompt from the ledger state (needs a version in the ledger). */
export async function planProposal(
  input: PlanInput,
  candidates: Pick<CandidateStore, "readFile">,
  settings: ProposeSettings,
): Promise<ProposalPlan> {
  const records = input.state.records;
  const best = currentBest(records);
  if (!best) throw new Error("the ledger has no version yet; measure the starting codec first");
  const attempt = records.length + 1;
  // A parent whose code is gone is passed over and the choice made again without it (the same
  // seed, so still reproducible): an empty parent would turn the proposer's answer into a
  // failure that is not its fault.
  const unavailable: UnavailableRecord[] = [];
  let choice: ParentChoice;
  let parentSource: string | null;
  for (;;) {
    const gone = new Set(unavailable.map((u) => u.id));
    choice = chooseParent(
      records.filter((r) => !gone.has(r.id)),
      seededRandom(settings.seed, "parent", attempt),
      {
        exploreFraction: settings.evolve.exploreFraction,
        maxEncodeSlowdown: settings.adoption.maxEncodeSlowdown,
      },
    );
    const commit = recordCommit(choice.parent);
    parentSource = await candidates.readFile(commit, settings.codecPath);
    if (parentSource !== null) break;
    if (choice.parent.id === best.id)
      throw new Error(
        `cannot read ${settings.codecPath} of the current best v${best.version} (${best.id}) at commit ${commit}: fetch the versions branch into this clone`,
      );
    unavailable.push({ id: choice.parent.id, commit });
  }
  const inspirations = [];
  for (const record of choice.inspirations) {
    const commit = recordCommit(record);
    const source = await candidates.readFile(commit, settings.codecPath);
    if (source !== null) inspirations.push({ record, source });
    else unavailable.push({ id: record.id, commit });
  }
  const report = buildFailureReport(
    records,
    settings.evolve.failureWindow,
    settings.allowedImports,
  );
  const prompt = buildPrompt({
    system: renderSystemPrompt(settings.systemPromptTemplate, {
      codecPath: settings.codecPath,
      allowedImports: settings.allowedImports,
    }),
    codecPath: settings.codecPath,
    parent: {
      record: choice.parent,
      source: parentSource,
      result: await input.resultOf(choice.parent),
    },
    best,
    recent: records.filter((r) => r.generation > 0).slice(-settings.evolve.historyInPrompt),
    failureReport: renderFailureReport(report),
    inspirations,
    focus: settings.focus,
    targetSavingPercent: settings.adoption.minBitSavingPercent,
    maxChars: settings.evolve.maxPromptChars,
  });
  return {
    id: nextCandidateId(input.state),
    attempt,
    parent: choice.parent,
    from: choice.from,
    best,
    context: {
      attempt,
      seed: settings.seed,
      codecPath: settings.codecPath,
      parentSource,
      prompt,
      history: attemptOutcomes(records),
      knownCodeHashes: knownCodeHashes(input.state),
      budgetLeftUsd: input.budgetLeftUsd,
    },
    unavailable,
  };
}

export type RequestOutcome =
  | { ok: true; pending: PendingAttempt }
  /** The proposer cannot go on for a reason that ends a run cleanly (budget spent, answers used up). */
  | { ok: false; stop: "budget" | "exhausted"; reason: string };

/**
 * Ask the proposer once and save the answer as a pending attempt, allocating
 * its id in the same compare-and-swap write. Any other ProposerError is thrown.
 */
export async function requestProposal(
  plan: ProposalPlan,
  run: { runId: string; generation: number },
  deps: Pick<ProposeDeps, "proposer" | "ledger" | "clock">,
): Promise<RequestOutcome> {
  const startedAt = deps.clock().toISOString();
  let proposal;
  try {
    proposal = await deps.proposer.propose(plan.context);
  } catch (error) {
    if (
      error instanceof ProposerError &&
      (error.reason === "budget" || error.reason === "exhausted")
    )
      return { ok: false, stop: error.reason, reason: error.message };
    throw error;
  }
  const { value } = await updateLedger(deps.ledger, (state) => {
    const pending: PendingAttempt = {
      id: nextCandidateId(state),
      runId: run.runId,
      generation: run.generation,
      attempt: plan.attempt,
      parentId: plan.parent.id,
      comparedToVersion: plan.best.version!,
      startedAt,
      proposerKind: deps.proposer.kind,
      proposal,
    };
    return { change: { putPending: [pending] }, value: pending };
  });
  return { ok: true, pending: value! };
}

export interface CheckOptions {
  /** Code already seen outside the ledger (e.g. closed pull requests' code hashes). */
  extraCodeHashes?: ReadonlySet<string>;
  /**
   * Save the candidate stage in the pending attempt (default true). A caller that
   * evaluates at once, with an idempotent createCandidate, may skip this write:
   * after a crash the checks simply run again and find the same candidate.
   */
  saveCandidateStage?: boolean;
  /**
   * The caller's rule on the changed paths once the edits applied (the App refuses
   * paths outside the codec unless github.frameworkChanges). `refuse` turns the
   * proposal down as protected-path; `framework: true` accepts a change outside the
   * codec, which is then not refused as a duplicate when the codec itself is unchanged.
   */
  classifyPaths?: (paths: readonly string[]) => { refuse: string } | { framework: boolean };
}

export type CheckOutcome =
  /** Every check passed; the candidate exists and the pending attempt says so. */
  | {
      ok: true;
      pending: PendingAttempt & { candidate: { record: LedgerRecord } };
      candidate: CandidateRef;
    }
  /** Refused before evaluation (status invalid or duplicate); the record is in the ledger. */
  | { ok: false; record: LedgerRecord };

/**
 * Parse the saved answer, apply its edits to the parent, check Python syntax
 * and duplicates, then create the candidate, or record why not. Calling it
 * again for the same attempt gives the same outcome without a second candidate.
 */
export async function checkProposal(
  pending: PendingAttempt,
  deps: Pick<ProposeDeps, "ledger" | "candidates" | "clock" | "checkSyntax">,
  settings: Pick<ProposeSettings, "codecPath">,
  options: CheckOptions = {},
): Promise<CheckOutcome> {
  const extraCodeHashes = options.extraCodeHashes ?? new Set<string>();
  const state = await deps.ledger.read();
  const done = state.records.find((r) => r.id === pending.id);
  if (done) {
    // Recorded before a crash that came before the pending attempt was removed.
    await forgetPending(deps.ledger, pending.id);
    return { ok: false, record: done };
  }
  if (pending.candidate) {
    const record = pending.candidate.record;
    return {
      ok: true,
      pending: { ...pending, candidate: pending.candidate },
      candidate: { id: pending.id, commit: record.commit!, branch: record.branch!, url: null },
    };
  }
  const checkSyntax = deps.checkSyntax ?? ((path, source) => checkPythonSyntax(path, source));
  const base = baseRecord(pending, deps.clock());
  const parent = state.records.find((r) => r.id === pending.parentId);
  if (!parent)
    throw new Error(
      `pending attempt ${pending.id} names parent ${pending.parentId}, which is not in ${deps.ledger.location}`,
    );
  const parentCommit = recordCommit(parent);
  const refuse = (failure: AttemptFailure) => recordRefusal(base, failure, deps);

  const parsed = parseAnswer(pending.proposal.answerText);
  if (!parsed.ok) {
    return refuse({
      category: "malformed-answer",
      message: parsed.message,
      line: null,
      stage: "parse",
    });
  }
  base.hypothesis = parsed.answer.hypothesis;
  base.rationale = parsed.answer.rationale.slice(0, 2000);
  const applied = await applyEdits(parsed.answer.files, (path) =>
    deps.candidates.readFile(parentCommit, path),
  );
  if (!applied.ok) return refuse(applied.failure);
  base.edits = applied.summary;
  if (applied.editTolerance !== "exact") base.editTolerance = applied.editTolerance;
  const paths = options.classifyPaths?.(applied.files.map((f) => f.path)) ?? { framework: false };
  if ("refuse" in paths) {
    return refuse({ category: "protected-path", message: paths.refuse, line: null, stage: "edit" });
  }
  for (const file of applied.files.filter((f) => f.path.endsWith(".py"))) {
    const failure = await checkSyntax(file.path, file.after);
    if (failure) return refuse(failure);
  }

  const codecSource =
    applied.files.find((f) => f.path === settings.codecPath)?.after ??
    (await deps.candidates.readFile(parentCommit, settings.codecPath)) ??
    "";
  base.codeHash = codeHash(codecSource);
  const twin =
    state.records.find((r) => r.codeHash === base.codeHash) ??
    state.pending.find((p) => p.id !== pending.id && p.candidate?.record.codeHash === base.codeHash)
      ?.candidate?.record;
  const codecChanged = applied.files.some((f) => f.path === settings.codecPath);
  if ((twin || extraCodeHashes.has(base.codeHash)) && (codecChanged || !paths.framework)) {
    return refuse({
      category: "duplicate",
      message: twin
        ? `the resulting ${settings.codecPath} is identical to ${twin.id}'s, which was already ${twin.status}; not evaluated again`
        : `the resulting ${settings.codecPath} is identical to a candidate already proposed; not evaluated again`,
      line: null,
      stage: "edit",
    });
  }

  const candidate = await deps.candidates.createCandidate({
    id: pending.id,
    parentCommit,
    files: applied.files,
    message: candidateCommitMessage(pending, base.hypothesis, applied.summary),
    description: {
      hypothesis: base.hypothesis,
      rationale: base.rationale,
      parentId: pending.parentId,
      comparedToVersion: pending.comparedToVersion,
      proposerLabel: pending.proposal.label,
      model: pending.proposal.model,
      edits: applied.summary,
    },
    attempt: {
      runId: base.runId,
      proposer: base.proposer,
      usage: base.usage,
      codeHash: base.codeHash,
      startedAt: base.startedAt,
    },
  });
  base.commit = candidate.commit;
  base.branch = candidate.branch;
  const saved = { ...pending, candidate: { record: base } };
  if (options.saveCandidateStage === false) return { ok: true, pending: saved, candidate };
  await updateLedger(deps.ledger, (now) =>
    now.records.some((r) => r.id === pending.id)
      ? null
      : { change: { putPending: [saved] }, value: true },
  );
  return { ok: true, pending: saved, candidate };
}

export type ProposeOutcome =
  | {
      kind: "candidate";
      pending: PendingAttempt & { candidate: { record: LedgerRecord } };
      candidate: CandidateRef;
    }
  | { kind: "refused"; record: LedgerRecord }
  | { kind: "stopped"; stop: "budget" | "exhausted"; reason: string };

/** The whole step: plan, ask, save, check. */
export async function propose(
  input: PlanInput & { runId: string; generation: number },
  deps: ProposeDeps,
  settings: ProposeSettings,
  options?: CheckOptions,
): Promise<ProposeOutcome> {
  const plan = await planProposal(input, deps.candidates, settings);
  const asked = await requestProposal(plan, input, deps);
  if (!asked.ok) return { kind: "stopped", stop: asked.stop, reason: asked.reason };
  const checked = await checkProposal(asked.pending, deps, settings, options);
  return checked.ok
    ? { kind: "candidate", pending: checked.pending, candidate: checked.candidate }
    : { kind: "refused", record: checked.record };
}

/** The ledger record of a pending attempt before any check: status invalid until decided. */
export function baseRecord(pending: PendingAttempt, now: Date): LedgerRecord {
  return {
    schema: LEDGER_SCHEMA,
    id: pending.id,
    parentId: pending.parentId,
    comparedToVersion: pending.comparedToVersion,
    version: null,
    status: "invalid",
    runId: pending.runId,
    generation: pending.generation,
    proposer: {
      kind: pending.proposerKind,
      label: pending.proposal.label,
      model: pending.proposal.model,
      ...(pending.proposal.source !== undefined ? { source: pending.proposal.source } : {}),
    },
    hypothesis: "",
    rationale: "",
    edits: [],
    codeHash: null,
    commit: null,
    branch: null,
    versionCommit: null,
    failure: null,
    verdict: null,
    metrics: null,
    usage: pending.proposal.usage,
    startedAt: pending.startedAt,
    finishedAt: now.toISOString(),
  };
}

/** Remove a pending attempt whose record is already in the ledger. */
export async function forgetPending(ledger: LedgerStore, id: string): Promise<void> {
  await updateLedger(ledger, (state) =>
    state.pending.some((p) => p.id === id)
      ? { change: { removePending: [id] }, value: true }
      : null,
  );
}

/** Every code hash already seen: records, and candidates in flight. */
function knownCodeHashes(state: LedgerState): Set<string> {
  const hashes = [
    ...state.records.map((r) => r.codeHash),
    ...state.pending.map((p) => p.candidate?.record.codeHash ?? null),
  ];
  return new Set(hashes.filter((h): h is string => h !== null));
}

/** What earlier attempts taught the proposer (used by the offline step-size rule). */
function attemptOutcomes(records: readonly LedgerRecord[]): AttemptOutcome[] {
  return records
    .filter((r) => r.generation > 0)
    .map((r) => ({
      proposerKind: r.proposer.kind,
      evaluated: r.status === "adopted" || r.status === "rejected" || r.status === "failed",
      improved: r.status === "adopted" || (r.metrics?.bdRateParent ?? 0) < 0,
      ...(r.proposer.source !== undefined ? { source: r.proposer.source } : {}),
    }));
}

async function recordRefusal(
  base: LedgerRecord,
  failure: AttemptFailure,
  deps: Pick<ProposeDeps, "ledger" | "clock">,
): Promise<CheckOutcome> {
  const record: LedgerRecord = {
    ...base,
    status: failure.category === "duplicate" ? "duplicate" : "invalid",
    failure,
    finishedAt: deps.clock().toISOString(),
  };
  const { state } = await updateLedger(deps.ledger, (now) =>
    now.records.some((r) => r.id === record.id)
      ? null
      : { change: { append: [record], removePending: [record.id] }, value: true },
  );
  return { ok: false, record: state.records.find((r) => r.id === record.id) ?? record };
}

function candidateCommitMessage(
  pending: PendingAttempt,
  hypothesis: string,
  edits: readonly EditSummary[],
): string {
  const files = edits.map((e) => `${e.path} (+${e.linesAdded} -${e.linesRemoved})`).join(", ");
  return [
    `codec-evolve candidate ${pending.id}: ${hypothesis.replace(/\s+/g, " ").trim().slice(0, 200) || "(no hypothesis)"}`,
    "",
    `Parent: ${pending.parentId}`,
    `Proposer: ${pending.proposal.label}`,
    ...(pending.proposal.source ? [`Answer file: ${pending.proposal.source}`] : []),
    `Files: ${files}`,
    "",
  ].join("\n");
}
