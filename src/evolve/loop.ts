/**
 * The evolution loop, one generation at a time:
 * choose parent → prompt → propose → edits → candidate commit → evaluate →
 * verdict → (adopt: version commit) → ledger record.
 *
 * Crash safety: the proposal is saved in `pending.json` before anything else
 * is done with it, and an adoption is saved there (with its version number)
 * before the version commit; the ledger record is appended last. A restart
 * finishes a pending attempt from where it stopped: no proposal is asked for
 * twice, no record is lost or written twice, no version is created twice.
 *
 * Everything that talks to the outside (proposer, evaluator, git, clock) is
 * injected, so tests drive the loop with fakes and the CLI with the real ones.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { AdoptionConfig, EvolveConfig } from "../config/schema.js";
import type { EvaluationResult, Verdict } from "../evaluate/results.js";
import { decideVerdict } from "../evaluate/verdict.js";
import { parseAnswer } from "./answer/parse-answer.js";
import { codeHash } from "./code-hash.js";
import { applyEdits, type ChangedFile, type EditSummary } from "./edits/apply-edits.js";
import { checkPythonSyntax } from "./edits/check-python-syntax.js";
import type { AttemptFailure } from "./edits/proposal-failure.js";
import {
  appendLedgerRecord,
  readJsonFile,
  readLedger,
  repairTornTail,
  writeJsonAtomic,
} from "./ledger/ledger-file.js";
import { acquireLedgerLock } from "./ledger/ledger-lock.js";
import { LEDGER_SCHEMA, type LedgerRecord, type ProposerInfo } from "./ledger/ledger-record.js";
import { summarizeMetrics } from "./ledger/summarize-metrics.js";
import { versionCommitMessage } from "./ledger/version-commit-message.js";
import { chooseParent, currentBest } from "./population/population.js";
import { seededRandom } from "./population/seeded-random.js";
import { buildPrompt } from "./prompt/build-prompt.js";
import { renderSystemPrompt } from "./prompt/load-system-prompt.js";
import {
  ProposerError,
  type AttemptOutcome,
  type Proposal,
  type Proposer,
  type ProposerKind,
} from "./proposers/proposer.js";
import { buildFailureReport, renderFailureReport } from "./report/failure-report.js";
import { ensureStateDir, statePaths, type StatePaths } from "./state-paths.js";
import type { CandidateStore, Checkout, CheckoutProvider } from "./store/candidate-store.js";

/** What the loop asks the evaluator: a candidate on disk and the current best to compare with. */
export interface CandidateEvaluationRequest {
  codecPath: string;
  /** The current best: its codec on disk and its stored result (null when not stored yet). */
  parent: { codecPath: string; result: EvaluationResult | null } | null;
  /** Which evaluation this is, for progress displays. */
  label: string;
}

export type CandidateEvaluator = (request: CandidateEvaluationRequest) => Promise<EvaluationResult>;

export interface EvolutionDeps {
  proposer: Proposer;
  evaluate: CandidateEvaluator;
  store: CandidateStore & CheckoutProvider;
  clock: () => Date;
  /** Python syntax check of an edited file; default: Python's own parser. */
  checkSyntax?: (path: string, source: string) => Promise<AttemptFailure | null>;
}

export interface EvolutionOptions {
  repoDir: string;
  /** Repository-relative path of the codec being evolved. */
  codecPath: string;
  generations: number;
  seed: number;
  focus: string | null;
  adoption: AdoptionConfig;
  evolve: Pick<
    EvolveConfig,
    "historyInPrompt" | "maxPromptChars" | "failureWindow" | "exploreFraction"
  >;
  budgetUsd: number | null;
  allowedImports: readonly string[];
  systemPromptTemplate: string;
  /** Identifies clips and settings; a stored best result is reused only under the same key. */
  evaluationKey: string;
  /** Start a new run even when the last one was interrupted. */
  newRun?: boolean;
  /** Aborting stops the loop after the current step. */
  signal?: AbortSignal;
  onEvent?: (event: EvolutionEvent) => void;
}

export type StopReason = "generations" | "budget" | "interrupted";

export type EvolutionEvent =
  | {
      type: "run-start";
      runId: string;
      resumed: boolean;
      target: number;
      done: number;
      tornLineMovedTo: string | null;
    }
  | { type: "seed"; message: string }
  | {
      type: "generation-start";
      generation: number;
      target: number;
      id: string;
      parentId: string;
      from: string;
    }
  | { type: "proposed"; id: string; label: string; costUsd: number }
  | { type: "evaluating"; id: string }
  | {
      type: "attempt-done";
      record: LedgerRecord;
      best: LedgerRecord;
      spendUsd: number;
      generation: number;
      target: number;
    }
  | { type: "stopped"; reason: StopReason };

export interface EvolutionSummary {
  runId: string;
  resumed: boolean;
  stoppedBy: StopReason;
  /** Records of this run (resumed parts included), in order. */
  attempts: LedgerRecord[];
  /** The best version when this run started (before its first generation), and now. */
  startBest: LedgerRecord;
  best: LedgerRecord;
  spendUsd: number;
}

interface RunState {
  runId: string;
  target: number;
  seed: number;
  startedAt: string;
  finished: boolean;
  stoppedBy?: StopReason;
}

/** A proposal saved before it is processed; with `adoption`, the decision to adopt as well. */
interface PendingAttempt {
  id: string;
  runId: string;
  generation: number;
  attempt: number;
  parentId: string;
  comparedToVersion: number;
  startedAt: string;
  proposerKind: ProposerKind;
  proposal: Proposal;
  adoption?: { record: LedgerRecord; message: string };
}

/** Run (or resume) an evolution run; returns what was tried and adopted. */
export async function runEvolution(
  deps: EvolutionDeps,
  options: EvolutionOptions,
): Promise<EvolutionSummary> {
  const paths = statePaths(options.repoDir);
  await ensureStateDir(paths);
  const release = await acquireLedgerLock(paths.lock, deps.clock());
  try {
    return await new EvolutionRun(deps, options, paths).run();
  } finally {
    await release();
  }
}

class EvolutionRun {
  private records: LedgerRecord[] = [];
  private best!: LedgerRecord;
  private bestResult: EvaluationResult | null = null;
  private bestCheckout: Checkout | null = null;
  private runState!: RunState;
  private readonly emit: (event: EvolutionEvent) => void;
  private readonly checkSyntax: (path: string, source: string) => Promise<AttemptFailure | null>;

  constructor(
    private readonly deps: EvolutionDeps,
    private readonly options: EvolutionOptions,
    private readonly paths: StatePaths,
  ) {
    this.emit = options.onEvent ?? (() => {});
    this.checkSyntax = deps.checkSyntax ?? ((path, source) => checkPythonSyntax(path, source));
  }

  async run(): Promise<EvolutionSummary> {
    const torn = await repairTornTail(this.paths.ledger, this.deps.clock());
    this.records = (await readLedger(this.paths.ledger)).records;
    const { tip } = await this.deps.store.prepare();
    const resumed = await this.startOrResumeRun();
    this.emit({
      type: "run-start",
      runId: this.runState.runId,
      resumed,
      target: this.runState.target,
      done: this.runRecords().length,
      tornLineMovedTo: torn,
    });

    try {
      const pending = await readJsonFile<PendingAttempt>(this.paths.pending);
      if (!currentBest(this.records)) await this.measureSeed(tip, pending);
      this.best = currentBest(this.records)!;
      // The best's figures first: a pending candidate is judged against them.
      await this.loadBestResult();
      if (pending) await this.finishPending(pending);

      let stoppedBy: StopReason = "generations";
      for (;;) {
        const done = this.runRecords().length;
        if (done >= this.runState.target) break;
        if (this.options.signal?.aborted) {
          stoppedBy = "interrupted";
          break;
        }
        if (this.options.budgetUsd !== null && this.spend() >= this.options.budgetUsd) {
          stoppedBy = "budget";
          break;
        }
        if (!(await this.generation(done + 1))) {
          stoppedBy = "budget";
          break;
        }
      }
      if (stoppedBy !== "interrupted") {
        await writeJsonAtomic(this.paths.run, { ...this.runState, finished: true, stoppedBy });
      }
      this.emit({ type: "stopped", reason: stoppedBy });
      return {
        runId: this.runState.runId,
        resumed,
        stoppedBy,
        attempts: this.runRecords(),
        startBest: this.startBest(),
        best: this.best,
        spendUsd: this.spend(),
      };
    } finally {
      await this.bestCheckout?.release();
    }
  }

  /** Continue an unfinished run (same target and seed) or start a new one. */
  private async startOrResumeRun(): Promise<boolean> {
    const previous = await readJsonFile<RunState>(this.paths.run);
    if (previous && !previous.finished && !this.options.newRun) {
      this.runState = previous;
      return true;
    }
    const now = this.deps.clock();
    const base = `run-${now.toISOString().replace(/[:.]/g, "-")}`;
    let runId = base;
    // Two runs started within the same millisecond (or by a fixed test clock) still get distinct ids.
    for (let n = 2; this.records.some((r) => r.runId === runId) || previous?.runId === runId; n++) {
      runId = `${base}-${n}`;
    }
    this.runState = {
      runId,
      target: this.options.generations,
      seed: this.options.seed,
      startedAt: now.toISOString(),
      finished: false,
    };
    await writeJsonAtomic(this.paths.run, this.runState);
    return false;
  }

  /** The best version before this run's first attempt. */
  private startBest(): LedgerRecord {
    const first = this.records.findIndex(
      (r) => r.runId === this.runState.runId && r.generation > 0,
    );
    return currentBest(first < 0 ? this.records : this.records.slice(0, first)) ?? this.best;
  }

  private runRecords(): LedgerRecord[] {
    return this.records.filter((r) => r.runId === this.runState.runId && r.generation > 0);
  }

  private spend(): number {
    return this.records
      .filter((r) => r.runId === this.runState.runId)
      .reduce((sum, r) => sum + (r.usage?.costUsd ?? 0), 0);
  }

  private nextId(): string {
    const max = this.records.reduce(
      (m, r) => Math.max(m, Number(/^c(\d+)$/.exec(r.id)?.[1] ?? 0)),
      0,
    );
    return `c${String(max + 1).padStart(4, "0")}`;
  }

  private nextVersion(): number {
    return this.records.reduce((m, r) => Math.max(m, r.version ?? 0), 0) + 1;
  }

  /** The starting codec, measured and recorded as the first version (or the branch's latest). */
  private async measureSeed(tip: string, pending: PendingAttempt | null): Promise<void> {
    if (pending)
      throw new Error(
        `${this.paths.pending} exists but the ledger has no version; remove it to start over`,
      );
    const versions = await this.deps.store.listVersions();
    const version = versions.length > 0 ? Math.max(...versions.map((v) => v.version)) : 1;
    this.emit({
      type: "seed",
      message: `measuring the starting codec at ${tip.slice(0, 10)} as v${version}`,
    });
    const source = await this.deps.store.readFile(tip, this.options.codecPath);
    if (source === null) {
      throw new Error(
        `${this.options.codecPath} does not exist at ${tip.slice(0, 10)}; set "codec" in the config`,
      );
    }
    const startedAt = this.deps.clock().toISOString();
    const result = await this.evaluateCommit(tip, "seed", null, "starting codec");
    if (result.status !== "ok") {
      const f = result.failure;
      throw new Error(
        `the starting codec ${this.options.codecPath} fails evaluation (${f?.category}: ${f?.message}); fix it before evolving`,
      );
    }
    const id = this.nextId();
    await writeJsonAtomic(this.paths.result(id), { key: this.options.evaluationKey, result });
    const record = this.record({
      id,
      parentId: null,
      comparedToVersion: null,
      version,
      status: "seed",
      generation: 0,
      proposer: { kind: "seed", label: "starting codec", model: null },
      hypothesis: "",
      rationale: "",
      edits: [],
      codeHash: codeHash(source),
      commit: tip,
      branch: null,
      versionCommit: tip,
      failure: null,
      verdict: null,
      metrics: summarizeMetrics(result),
      usage: null,
      startedAt,
    });
    await this.append(record);
  }

  /** The best's stored result under the current evaluation key, else a fresh measurement. */
  private async loadBestResult(): Promise<void> {
    const stored = await readJsonFile<{ key: string; result: EvaluationResult }>(
      this.paths.result(this.best.id),
    );
    if (stored && stored.key === this.options.evaluationKey) {
      this.bestResult = stored.result;
      return;
    }
    const result = await this.evaluateCommit(
      this.bestCommit(this.best),
      `best-${this.best.id}`,
      null,
      `v${this.best.version} (re-measured)`,
    );
    this.bestResult = result.status === "ok" ? result : null;
    if (this.bestResult) {
      await writeJsonAtomic(this.paths.result(this.best.id), {
        key: this.options.evaluationKey,
        result,
      });
    }
  }

  private bestCommit(record: LedgerRecord): string {
    return record.versionCommit ?? record.commit!;
  }

  /** One generation: choose a parent, ask the proposer, save the proposal, process it; false when the budget cannot pay for it. */
  private async generation(generation: number): Promise<boolean> {
    const id = this.nextId();
    const attempt = this.records.length + 1;
    const rng = seededRandom(this.runState.seed, "parent", attempt);
    const choice = chooseParent(this.records, rng, {
      exploreFraction: this.options.evolve.exploreFraction,
      maxEncodeSlowdown: this.options.adoption.maxEncodeSlowdown,
    });
    this.emit({
      type: "generation-start",
      generation,
      target: this.runState.target,
      id,
      parentId: choice.parent.id,
      from: choice.from,
    });

    const parentSource =
      (await this.deps.store.readFile(this.bestCommit(choice.parent), this.options.codecPath)) ??
      "";
    const inspirations = [];
    for (const record of choice.inspirations) {
      const source = await this.deps.store.readFile(
        this.bestCommit(record),
        this.options.codecPath,
      );
      if (source !== null) inspirations.push({ record, source });
    }
    const parentResult =
      choice.parent.id === this.best.id
        ? this.bestResult
        : ((await readJsonFile<{ result: EvaluationResult }>(this.paths.result(choice.parent.id)))
            ?.result ?? null);
    const report = buildFailureReport(
      this.records,
      this.options.evolve.failureWindow,
      this.options.allowedImports,
    );
    const prompt = buildPrompt({
      system: renderSystemPrompt(this.options.systemPromptTemplate, {
        codecPath: this.options.codecPath,
        allowedImports: this.options.allowedImports,
      }),
      codecPath: this.options.codecPath,
      parent: { record: choice.parent, source: parentSource, result: parentResult },
      best: this.best,
      recent: this.records
        .filter((r) => r.generation > 0)
        .slice(-this.options.evolve.historyInPrompt),
      failureReport: renderFailureReport(report),
      inspirations,
      focus: this.options.focus,
      targetSavingPercent: this.options.adoption.minBitSavingPercent,
      maxChars: this.options.evolve.maxPromptChars,
    });
    const startedAt = this.deps.clock().toISOString();
    const budgetLeft =
      this.options.budgetUsd === null ? null : this.options.budgetUsd - this.spend();
    let proposal: Proposal;
    try {
      proposal = await this.deps.proposer.propose({
        attempt,
        seed: this.runState.seed,
        codecPath: this.options.codecPath,
        parentSource,
        prompt,
        history: this.outcomes(),
        knownCodeHashes: new Set(
          this.records.map((r) => r.codeHash).filter((h): h is string => h !== null),
        ),
        budgetLeftUsd: budgetLeft,
      });
    } catch (error) {
      if (error instanceof ProposerError && error.reason === "budget") return false;
      throw error;
    }
    this.emit({ type: "proposed", id, label: proposal.label, costUsd: proposal.usage.costUsd });
    const pending: PendingAttempt = {
      id,
      runId: this.runState.runId,
      generation,
      attempt,
      parentId: choice.parent.id,
      comparedToVersion: this.best.version!,
      startedAt,
      proposerKind: this.deps.proposer.kind,
      proposal,
    };
    await writeJsonAtomic(this.paths.pending, pending);
    await this.finishPending(pending);
    return true;
  }

  /** What earlier attempts taught the proposer (used by the offline step-size rule). */
  private outcomes(): AttemptOutcome[] {
    return this.records
      .filter((r) => r.generation > 0)
      .map((r) => ({
        proposerKind: r.proposer.kind,
        evaluated: r.status === "adopted" || r.status === "rejected" || r.status === "failed",
        improved: r.status === "adopted" || (r.metrics?.bdRateParent ?? 0) < 0,
      }));
  }

  /** Process a saved proposal to its ledger record; safe to call again after a crash. */
  private async finishPending(pending: PendingAttempt): Promise<void> {
    if (this.records.some((r) => r.id === pending.id)) {
      await rm(this.paths.pending, { force: true });
      return;
    }
    if (pending.adoption) {
      await this.completeAdoption(pending.adoption.record, pending.adoption.message);
      return;
    }
    const base = this.baseRecord(pending);
    const parent = this.records.find((r) => r.id === pending.parentId);
    if (!parent)
      throw new Error(
        `pending attempt ${pending.id} names parent ${pending.parentId}, which is not in the ledger`,
      );
    const parentCommit = this.bestCommit(parent);

    const parsed = parseAnswer(pending.proposal.answerText);
    if (!parsed.ok) {
      return this.finishRefused(base, {
        category: "malformed-answer",
        message: parsed.message,
        line: null,
        stage: "parse",
      });
    }
    base.hypothesis = parsed.answer.hypothesis;
    base.rationale = parsed.answer.rationale.slice(0, 2000);
    const applied = await applyEdits(parsed.answer.files, (path) =>
      this.deps.store.readFile(parentCommit, path),
    );
    if (!applied.ok) return this.finishRefused(base, applied.failure);
    base.edits = applied.summary;
    for (const file of applied.files.filter((f) => f.path.endsWith(".py"))) {
      const failure = await this.checkSyntax(file.path, file.after);
      if (failure) return this.finishRefused(base, failure);
    }

    const codecSource =
      applied.files.find((f) => f.path === this.options.codecPath)?.after ??
      (await this.deps.store.readFile(parentCommit, this.options.codecPath)) ??
      "";
    base.codeHash = codeHash(codecSource);
    const twin = this.records.find((r) => r.codeHash === base.codeHash);
    if (twin) {
      return this.finishRefused(base, {
        category: "duplicate",
        message: `the resulting ${this.options.codecPath} is identical to ${twin.id}'s, which was already ${twin.status}; not evaluated again`,
        line: null,
        stage: "edit",
      });
    }

    const { commit, branch } = await this.deps.store.createCandidate({
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
    });
    base.commit = commit;
    base.branch = branch;

    this.emit({ type: "evaluating", id: pending.id });
    const bestCheckout = await this.ensureBestCheckout();
    const result = await this.evaluateCommit(
      commit,
      pending.id,
      {
        codecPath: join(bestCheckout.dir, this.options.codecPath),
        result: this.bestResult,
      },
      `candidate ${pending.id}`,
    );
    await writeJsonAtomic(this.paths.result(pending.id), {
      key: this.options.evaluationKey,
      result,
    });
    base.metrics = summarizeMetrics(result);
    if (result.status !== "ok") {
      base.status = "failed";
      base.failure = { ...result.failure!, line: result.failure?.line ?? null };
      base.verdict = {
        adopt: false,
        reason: `failed: ${result.failure?.category}: ${result.failure?.message}`,
      };
      return this.finishRecord(base);
    }
    const verdict: Verdict =
      result.verdict ??
      (this.bestResult
        ? decideVerdict(result, this.bestResult, this.options.adoption)
        : {
            adopt: false,
            reason: "rejected: the current best has no measurement to compare with",
          });
    base.verdict = verdict;
    if (!verdict.adopt) {
      base.status = "rejected";
      return this.finishRecord(base);
    }
    const version = this.nextVersion();
    base.status = "adopted";
    base.version = version;
    const message = versionCommitMessage(base, version, this.best, this.deps.clock());
    // Saved before the version commit: a restart completes this adoption with the same number.
    await writeJsonAtomic(this.paths.pending, { ...pending, adoption: { record: base, message } });
    await this.completeAdoption(base, message);
  }

  private async completeAdoption(record: LedgerRecord, message: string): Promise<void> {
    const adopted = await this.deps.store.adopt({
      version: record.version!,
      candidateId: record.id,
      sourceCommit: record.commit!,
      message,
    });
    if (!adopted.ok) throw new Error(`the versions branch moved to ${adopted.tip}`);
    record.versionCommit = adopted.commit;
    record.finishedAt = this.deps.clock().toISOString();
    await this.append(record);
    await rm(this.paths.pending, { force: true });
    this.best = record;
    await this.bestCheckout?.release();
    this.bestCheckout = null;
    const stored = await readJsonFile<{ key: string; result: EvaluationResult }>(
      this.paths.result(record.id),
    );
    this.bestResult = stored && stored.key === this.options.evaluationKey ? stored.result : null;
  }

  private async finishRefused(base: LedgerRecord, failure: AttemptFailure): Promise<void> {
    base.status = failure.category === "duplicate" ? "duplicate" : "invalid";
    base.failure = failure;
    return this.finishRecord(base);
  }

  private async finishRecord(record: LedgerRecord): Promise<void> {
    record.finishedAt = this.deps.clock().toISOString();
    await this.append(record);
    await rm(this.paths.pending, { force: true });
  }

  private async append(record: LedgerRecord): Promise<void> {
    await appendLedgerRecord(this.paths.ledger, record);
    this.records.push(record);
    if (record.generation > 0) {
      this.emit({
        type: "attempt-done",
        record,
        best: currentBest(this.records)!,
        spendUsd: this.spend(),
        generation: record.generation,
        target: this.runState.target,
      });
    }
  }

  private async ensureBestCheckout(): Promise<Checkout> {
    this.bestCheckout ??= await this.deps.store.checkout(this.bestCommit(this.best), "best");
    return this.bestCheckout;
  }

  private async evaluateCommit(
    commit: string,
    name: string,
    parent: CandidateEvaluationRequest["parent"],
    label: string,
  ): Promise<EvaluationResult> {
    const checkout = await this.deps.store.checkout(commit, name);
    try {
      return await this.deps.evaluate({
        codecPath: join(checkout.dir, this.options.codecPath),
        parent,
        label,
      });
    } finally {
      await checkout.release();
    }
  }

  private baseRecord(pending: PendingAttempt): LedgerRecord {
    const proposer: ProposerInfo = {
      kind: pending.proposerKind,
      label: pending.proposal.label,
      model: pending.proposal.model,
    };
    return this.record({
      id: pending.id,
      parentId: pending.parentId,
      comparedToVersion: pending.comparedToVersion,
      version: null,
      status: "invalid",
      generation: pending.generation,
      proposer,
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
      runId: pending.runId,
    });
  }

  private record(
    fields: Omit<LedgerRecord, "schema" | "runId" | "finishedAt"> & { runId?: string },
  ): LedgerRecord {
    return {
      schema: LEDGER_SCHEMA,
      ...fields,
      runId: fields.runId ?? this.runState.runId,
      finishedAt: this.deps.clock().toISOString(),
    };
  }
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
    `Files: ${files}`,
    "",
  ].join("\n");
}

export type { ChangedFile };
