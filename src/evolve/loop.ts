/**
 * The CLI's evolution loop: the public steps (steps/propose.ts, judge.ts,
 * adopt.ts) composed one generation at a time over the file LedgerStore and
 * the git-worktree CandidateStore:
 * choose parent → prompt → propose → checks → candidate commit → evaluate →
 * judge → (adopt: version commit) → ledger record.
 *
 * Crash safety comes from the steps: the proposal is saved as a pending
 * attempt before anything else is done with it, the version number is
 * reserved there before the version commit, and the ledger record is written
 * last. A restart finishes a pending attempt from where it stopped: no
 * proposal is asked for twice, no record is lost or written twice, no
 * version is created twice.
 *
 * Everything that talks to the outside (proposer, evaluator, git, clock) is
 * injected, so tests drive the loop with fakes and the CLI with the real ones.
 */
import { join } from "node:path";
import type { AdoptionConfig, EvolveConfig } from "../config/schema.js";
import type { EvaluationResult } from "../evaluate/results.js";
import { codeHash } from "./code-hash.js";
import type { ChangedFile } from "./edits/apply-edits.js";
import { nextCandidateId } from "./ledger/allocation.js";
import { fileLedgerStore } from "./ledger/file-ledger-store.js";
import { readJsonFile, repairTornTail, writeJsonAtomic } from "./ledger/ledger-file.js";
import { acquireLedgerLock } from "./ledger/ledger-lock.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "./ledger/ledger-record.js";
import { updateLedger, type LedgerState, type LedgerStore } from "./ledger/ledger-store.js";
import type { PendingAttempt } from "./ledger/pending-attempt.js";
import { summarizeMetrics } from "./ledger/summarize-metrics.js";
import { currentBest, exploreFractionFor } from "./population/population.js";
import type { Proposer } from "./proposers/proposer.js";
import { ensureStateDir, statePaths, type StatePaths } from "./state-paths.js";
import { adopt, finishAdoption, type AdoptOutcome } from "./steps/adopt.js";
import { judge, recordJudgement } from "./steps/judge.js";
import {
  checkProposal,
  forgetPending,
  planProposal,
  requestProposal,
  type ProposeSettings,
  type SyntaxCheck,
  type UnavailableRecord,
} from "./steps/propose.js";
import { recordCommit } from "./steps/record-commit.js";
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
  checkSyntax?: SyntaxCheck;
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

/** exhausted: the proposer has nothing left to propose (the answers proposer's files are used up). */
export type StopReason = "generations" | "budget" | "interrupted" | "exhausted";

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
      /** Records passed over because their code cannot be read in this repository. */
      unavailable: UnavailableRecord[];
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
  | { type: "stopped"; reason: StopReason; detail: string | null };

export interface EvolutionSummary {
  runId: string;
  resumed: boolean;
  stoppedBy: StopReason;
  /** Why, in words, when the proposer said so (e.g. "no answer file left in answers/"). */
  stopDetail: string | null;
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

/** Run (or resume) an evolution run; returns what was tried and adopted. */
export async function runEvolution(
  deps: EvolutionDeps,
  options: EvolutionOptions,
): Promise<EvolutionSummary> {
  const paths = statePaths(options.repoDir);
  await ensureStateDir(paths);
  const release = await acquireLedgerLock(paths.lock, deps.clock());
  try {
    return await new EvolutionRun(deps, options, paths, fileLedgerStore(paths)).run();
  } finally {
    await release();
  }
}

class EvolutionRun {
  private state!: LedgerState;
  private best!: LedgerRecord;
  private bestResult: EvaluationResult | null = null;
  private bestCheckout: Checkout | null = null;
  private runState!: RunState;
  private readonly emit: (event: EvolutionEvent) => void;
  private readonly settings: ProposeSettings;

  constructor(
    private readonly deps: EvolutionDeps,
    private readonly options: EvolutionOptions,
    private readonly paths: StatePaths,
    private readonly ledger: LedgerStore,
  ) {
    this.emit = options.onEvent ?? (() => {});
    this.settings = {
      codecPath: options.codecPath,
      adoption: options.adoption,
      evolve: {
        ...options.evolve,
        exploreFraction: exploreFractionFor(deps.proposer.kind, options.evolve.exploreFraction),
      },
      allowedImports: options.allowedImports,
      systemPromptTemplate: options.systemPromptTemplate,
      focus: options.focus,
      seed: options.seed,
    };
  }

  private get records(): readonly LedgerRecord[] {
    return this.state.records;
  }

  async run(): Promise<EvolutionSummary> {
    const torn = await repairTornTail(this.paths.ledger, this.deps.clock());
    this.state = await this.ledger.read();
    const { tip } = await this.deps.store.prepare();
    const resumed = await this.startOrResumeRun();
    // A resumed run keeps its seed: the parent choices it already made were drawn from it.
    this.settings.seed = this.runState.seed;
    this.emit({
      type: "run-start",
      runId: this.runState.runId,
      resumed,
      target: this.runState.target,
      done: this.runRecords().length,
      tornLineMovedTo: torn,
    });

    try {
      const pending = this.state.pending[0] ?? null;
      if (!currentBest(this.records)) await this.measureSeed(tip, pending);
      this.best = currentBest(this.records)!;
      // The best's figures first: a pending candidate is judged against them.
      await this.loadBestResult();
      if (pending) await this.finishPending(pending);

      let stoppedBy: StopReason = "generations";
      let stopDetail: string | null = null;
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
        const stop = await this.generation(done + 1);
        if (stop) {
          stoppedBy = stop.reason;
          stopDetail = stop.detail;
          break;
        }
      }
      if (stoppedBy !== "interrupted") {
        await writeJsonAtomic(this.paths.run, { ...this.runState, finished: true, stoppedBy });
      }
      this.emit({ type: "stopped", reason: stoppedBy, detail: stopDetail });
      return {
        runId: this.runState.runId,
        resumed,
        stoppedBy,
        stopDetail,
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
    const finishedAt = this.deps.clock().toISOString();
    const { state } = await updateLedger(this.ledger, (now) => {
      const id = nextCandidateId(now);
      const record: LedgerRecord = {
        schema: LEDGER_SCHEMA,
        id,
        parentId: null,
        comparedToVersion: null,
        version,
        status: "seed",
        runId: this.runState.runId,
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
        finishedAt,
      };
      return { change: { append: [record] }, value: record };
    });
    this.state = state;
    const seed = currentBest(state.records)!;
    await this.ledger.writeResult(seed.id, { key: this.options.evaluationKey, result });
  }

  /** The best's stored result under the current evaluation key, else a fresh measurement. */
  private async loadBestResult(): Promise<void> {
    const stored = await this.ledger.readResult(this.best.id);
    if (stored && stored.key === this.options.evaluationKey) {
      this.bestResult = stored.result;
      return;
    }
    const result = await this.evaluateCommit(
      recordCommit(this.best),
      `best-${this.best.id}`,
      null,
      `v${this.best.version} (re-measured)`,
    );
    this.bestResult = result.status === "ok" ? result : null;
    if (this.bestResult) {
      await this.ledger.writeResult(this.best.id, { key: this.options.evaluationKey, result });
    }
  }

  /** One generation: plan, ask, then process the saved proposal; a reason when the run must stop. */
  private async generation(
    generation: number,
  ): Promise<{ reason: StopReason; detail: string } | null> {
    this.state = await this.ledger.read();
    const plan = await planProposal(
      {
        state: this.state,
        resultOf: async (record) =>
          record.id === this.best.id
            ? this.bestResult
            : ((await this.ledger.readResult(record.id))?.result ?? null),
        budgetLeftUsd:
          this.options.budgetUsd === null ? null : this.options.budgetUsd - this.spend(),
      },
      this.deps.store,
      this.settings,
    );
    this.emit({
      type: "generation-start",
      generation,
      target: this.runState.target,
      id: plan.id,
      parentId: plan.parent.id,
      from: plan.from,
      unavailable: plan.unavailable,
    });
    const asked = await requestProposal(
      plan,
      { runId: this.runState.runId, generation },
      { proposer: this.deps.proposer, ledger: this.ledger, clock: this.deps.clock },
    );
    if (!asked.ok) return { reason: asked.stop, detail: asked.reason };
    const { proposal } = asked.pending;
    this.emit({
      type: "proposed",
      id: asked.pending.id,
      label: proposal.label,
      costUsd: proposal.usage.costUsd,
    });
    await this.finishPending(asked.pending);
    return null;
  }

  /** Process a saved proposal to its ledger record; safe to call again after a crash. */
  private async finishPending(pending: PendingAttempt): Promise<void> {
    const stepDeps = {
      ledger: this.ledger,
      candidates: this.deps.store,
      clock: this.deps.clock,
      ...(this.deps.checkSyntax ? { checkSyntax: this.deps.checkSyntax } : {}),
    };
    if (this.records.some((r) => r.id === pending.id)) {
      await forgetPending(this.ledger, pending.id);
      this.state = await this.ledger.read();
      return;
    }
    if (pending.adoption) return this.adopted(await finishAdoption(pending, stepDeps));

    // Evaluated right away and createCandidate is idempotent locally: one fsync'd write fewer per attempt.
    const checked = await checkProposal(pending, stepDeps, this.settings, {
      saveCandidateStage: false,
    });
    if (!checked.ok) return this.recorded(checked.record);

    this.emit({ type: "evaluating", id: pending.id });
    const bestCheckout = await this.ensureBestCheckout();
    const result = await this.evaluateCommit(
      checked.candidate.commit,
      pending.id,
      { codecPath: join(bestCheckout.dir, this.options.codecPath), result: this.bestResult },
      `candidate ${pending.id}`,
    );
    await this.ledger.writeResult(pending.id, { key: this.options.evaluationKey, result });
    const judgement = judge({
      pending: checked.pending,
      result,
      bestResult: this.bestResult,
      adoption: this.options.adoption,
      now: this.deps.clock(),
    });
    if (!judgement.adopt) return this.recorded(await recordJudgement(judgement, stepDeps));
    return this.adopted(
      await adopt(
        { record: judgement.record, previousBest: this.best, pending: checked.pending },
        stepDeps,
      ),
    );
  }

  private async adopted(outcome: AdoptOutcome): Promise<void> {
    // Locally nothing else moves the versions branch while the lock is held.
    if (!outcome.ok) throw new Error(`the versions branch moved to ${outcome.tip} during adoption`);
    await this.recorded(outcome.record);
    this.best = outcome.record;
    await this.bestCheckout?.release();
    this.bestCheckout = null;
    const stored = await this.ledger.readResult(outcome.record.id);
    this.bestResult = stored && stored.key === this.options.evaluationKey ? stored.result : null;
  }

  /** A record was written by a step: refresh the state and report it. */
  private async recorded(record: LedgerRecord): Promise<void> {
    this.state = await this.ledger.read();
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
    this.bestCheckout ??= await this.deps.store.checkout(recordCommit(this.best), "best");
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
}

export type { ChangedFile };
