/**
 * Adoption on a completed `codec-evolve / evaluation` check run (DESIGN.md
 * "Trust"), through the same judge and adopt steps as the CLI
 * (src/evolve/steps/{judge,adopt}.ts) over the data-branch LedgerStore and the
 * pull-request CandidateStore. The App checks what only GitHub knows: the run
 * must come from the expected app, the result block must name the PR's head,
 * the PR's author must be this App and its changed files (read through the
 * API, never from the artifact) only codec paths. Then the steps decide:
 * failed / rejected → ledger record, PR labelled and closed with the reason;
 * adoptable → version reserved in the pending attempt, version commit moved onto
 * self-improved-framework by compare-and-swap, tag, ledger record. A winner whose
 * base moved (found before, or by the compare-and-swap itself) is rebuilt on
 * the new tip and evaluated again: two winners go one at a time. Every step is
 * safe to repeat.
 */
import type { Config } from "../../config/schema.js";
import { FAILURE_CATEGORIES } from "../../evaluate/results.js";
import type { AttemptFailure } from "../../evolve/edits/proposal-failure.js";
import type { LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { LEDGER_SCHEMA } from "../../evolve/ledger/ledger-record.js";
import { updateLedger } from "../../evolve/ledger/ledger-store.js";
import type { PendingAttempt } from "../../evolve/ledger/pending-attempt.js";
import { currentBest } from "../../evolve/population/population.js";
import { adopt } from "../../evolve/steps/adopt.js";
import { judgeDecided, recordJudgement, type DecidedEvaluation } from "../../evolve/steps/judge.js";
import type { CandidateMeta } from "../../github/candidate-meta.js";
import { GitHubCandidateStore, type CandidatePull } from "../../github/candidate-store.js";
import { parseCheckResult, type CheckResult } from "../../github/check-result.js";
import { changedPathsOf, codecPathGlobs, trustProblems } from "../../github/check-trust.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { readBranch } from "../../github/git-data.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";
import { CHECK_RUN_NAME, EVOLUTION_BRANCH, LABELS, versionTag } from "../../github/names.js";
import { renderCandidateBody } from "../../github/pr-body.js";

export interface JudgeDeps {
  gh: GitHubClient;
  repo: RepoRef;
  config: Config;
  clock: () => Date;
  /** This App: its id (check runs it posted) and its bot login (PR author). */
  app: { id: number; slug: string };
  /** Called after a stale winner is rebuilt, to start its evaluation again when nothing else will. */
  reevaluate?: (pr: number, headSha: string) => Promise<void>;
}

export type JudgeOutcome =
  | { kind: "ignored"; reason: string }
  | { kind: "needs-review"; pr: number; reason: string }
  | { kind: "adopted"; pr: number; version: number; commit: string }
  | { kind: "rejected" | "failed"; pr: number; reason: string }
  | { kind: "awaiting-maintainer"; pr: number }
  | { kind: "re-evaluating"; pr: number; headSha: string };

type CandidateStage = PendingAttempt & { candidate: { record: LedgerRecord } };

/** The apps whose evaluation check runs are believed: this App, or GitHub Actions (a workflow's GITHUB_TOKEN). */
export function isExpectedCheckApp(
  app: { id?: number; slug?: string } | null | undefined,
  self: { id: number },
): boolean {
  return Boolean(app && (app.id === self.id || app.slug === "github-actions"));
}

/** Judge the check run `checkRunId`; `adoptedBy` is a maintainer's /adopt (framework and rollback PRs too). */
export async function judgeCheckRun(
  deps: JudgeDeps,
  input: { checkRunId: number; adoptedBy: string | null },
): Promise<JudgeOutcome> {
  const { gh, repo, config } = deps;
  const { data: run } = await gh.rest.checks.get({ ...repo, check_run_id: input.checkRunId });
  if (run.name !== CHECK_RUN_NAME)
    return { kind: "ignored", reason: `check run "${run.name}" is not ${CHECK_RUN_NAME}` };
  if (run.status !== "completed")
    return { kind: "ignored", reason: "the check run is not completed" };
  if (!isExpectedCheckApp(run.app, deps.app)) {
    return {
      kind: "ignored",
      reason: `check run posted by app ${run.app?.slug ?? "?"}, not by this App or GitHub Actions`,
    };
  }
  const candidates = new GitHubCandidateStore(gh, repo, { codecPath: config.codec });
  const pulls = (await candidates.listCandidatePulls()).filter((p) => p.headSha === run.head_sha);
  const pull = pulls.find((p) => p.state === "open") ?? pulls.find((p) => p.merged);
  if (!pull)
    return { kind: "ignored", reason: `no candidate PR has head ${run.head_sha.slice(0, 10)}` };
  const ledger = new GitHubLedgerStore(gh, repo);
  const stepDeps = { ledger, candidates, clock: deps.clock };

  const say = (body: string) =>
    gh.rest.issues.createComment({ ...repo, issue_number: pull.number, body });
  const label = (name: string) =>
    gh.rest.issues.addLabels({ ...repo, issue_number: pull.number, labels: [name] });
  const review = async (reason: string): Promise<JudgeOutcome> => {
    await label(LABELS.untrusted);
    await say(`codec-evolve cannot act on this evaluation: ${reason}. Left to a maintainer.`);
    return { kind: "needs-review", pr: pull.number, reason };
  };
  const announce = async (record: LedgerRecord): Promise<JudgeOutcome> => {
    const { data: commit } = await gh.rest.git.getCommit({
      ...repo,
      commit_sha: record.versionCommit!,
    });
    const message = commit.message;
    await label(LABELS.adopted);
    await say(
      `Adopted as **v${record.version}** (\`${record.versionCommit!.slice(0, 10)}\`, tag \`${versionTag(record.version!)}\`).\n\n\`\`\`\n${message.trim()}\n\`\`\``,
    );
    return {
      kind: "adopted",
      pr: pull.number,
      version: record.version!,
      commit: record.versionCommit!,
    };
  };

  const meta = pull.meta;
  if (!meta) return review("the PR body has no valid codec-evolve:meta block");
  const state = await ledger.read();
  let pending = state.pending.find((p) => p.id === meta.candidate) ?? null;
  if (pending?.adoption) {
    // The version was reserved (and maybe committed) before a crash: finish it with the same number.
    const finished = await adopt(
      { record: pending.adoption.record, previousBest: null, pending },
      stepDeps,
    );
    if (finished.ok) return announce(finished.record);
    // The branch moved meanwhile: the step released the number; judge again below (stale → rebuilt).
    const { adoption: _released, ...waiting } = pending;
    pending = waiting;
  }
  if (pull.merged || state.records.some((r) => r.id === meta.candidate)) {
    return {
      kind: "ignored",
      reason: `${meta.candidate} (PR #${pull.number}) is already recorded`,
    };
  }

  const parsed = parseCheckResult(run.output.summary ?? "");
  if (!parsed.ok)
    return review(`the check run's result block is ${parsed.problem}: ${parsed.detail}`);
  const result = parsed.result;
  if (result.headSha !== run.head_sha) {
    return review(
      `the result block names head ${result.headSha.slice(0, 10)}, the check run is on ${run.head_sha.slice(0, 10)}`,
    );
  }
  const files = await gh.paginate(gh.rest.pulls.listFiles, {
    ...repo,
    pull_number: pull.number,
    per_page: 100,
  });
  const paths = files.map((f) => f.filename);
  if (!input.adoptedBy) {
    // The same rule as the Action's report (src/github/check-trust.ts); a framework PR may touch
    // any path, but only a maintainer's /adopt can merge it.
    const problems = trustProblems(
      changedPathsOf(files),
      { login: pull.author, type: pull.authorType },
      {
        codecPaths: meta.kind === "codec" ? codecPathGlobs(config.codec) : ["**"],
        appSlug: deps.app.slug,
      },
    );
    // In a code span: the problems quote file names, which may hold markdown or @mentions.
    if (problems.length > 0)
      return review(
        `the PR does not meet the trust rule: \`${problems.join("; ").replace(/`/g, "'")}\``,
      );
    // The report job's own trust rule failed (e.g. its app-slug is not this App's, or the run was
    // dispatched off the default branch): its neutral conclusion says nothing about the codec.
    if (!result.trusted)
      return review(
        // In a code span: the problems quote file names, which may hold markdown or @mentions.
        `the evaluation did not trust this PR: \`${(result.trustProblems.join("; ") || "no reason given").replace(/`/g, "'")}\``,
      );
  }

  // The PR's head is what was evaluated (a rebuilt winner has a new one), and its meta the current parent.
  const attempt = candidateStage(pending, meta, pull);
  const evaluation = decidedEvaluation(run, result, meta, input.adoptedBy);
  const judgement = judgeDecided({ pending: attempt, evaluation, now: deps.clock() });
  if (!judgement.adopt) {
    const record = await recordJudgement(judgement, stepDeps);
    const kind = record.status === "failed" ? "failed" : "rejected";
    return { kind, pr: pull.number, reason: judgement.verdict.reason };
  }
  if (meta.kind !== "codec" && !input.adoptedBy) {
    await say(
      `The evaluation passed the adoption rule. This ${meta.kind} PR is never merged automatically: a maintainer can merge it with \`/adopt\`.`,
    );
    return { kind: "awaiting-maintainer", pr: pull.number };
  }

  const expectedTip = result.parentSha ?? meta.parentSha;
  const tip = await readBranch(gh, repo, EVOLUTION_BRANCH);
  if (tip !== expectedTip) return rebuildOnTip(deps, candidates, pull, meta, paths, tip!);
  const note = [
    run.output.title ?? "",
    Object.entries(result.bdRate)
      .map(
        ([ref, value]) =>
          `BD-rate vs ${ref}: ${value === null ? "n/a" : `${value > 0 ? "+" : ""}${value.toFixed(2)}%`}`,
      )
      .join(", "),
    `Evaluation: ${run.html_url ?? `check run ${run.id}`}`,
    input.adoptedBy ? `Adopted by @${input.adoptedBy} with /adopt.` : "",
  ]
    .filter(Boolean)
    .join("\n");
  // The pending attempt in the ledger is where the version is reserved; a legacy PR has none.
  const inLedger = pending ? { ...pending, candidate: attempt.candidate } : null;
  const adopted = await adopt(
    {
      record: judgement.record,
      previousBest: currentBest(state.records),
      pending: inLedger,
      expectedTip,
      note,
    },
    stepDeps,
  );
  if (!adopted.ok) return rebuildOnTip(deps, candidates, pull, meta, paths, adopted.tip);
  return announce(adopted.record);
}

/** What the check run decided, in the judge step's terms (the Action applied the adoption rule). */
function decidedEvaluation(
  run: { conclusion: string | null; output: { title: string | null } },
  result: CheckResult,
  meta: CandidateMeta,
  adoptedBy: string | null,
): DecidedEvaluation {
  const conclusion = run.conclusion ?? "neutral";
  if (conclusion === "failure" || result.verdict === "failed") {
    // An unknown category (a newer Action, or a forged block) is kept in the message, recorded as runtime.
    const category = result.failure?.category ?? "";
    const known = (FAILURE_CATEGORIES as readonly string[]).includes(category);
    const failure = {
      category: known ? category : "runtime",
      message: `${known ? "" : `(${category || "uncategorised"}) `}${result.reason || run.output.title || "the evaluation failed"}`,
      line: result.failure?.line ?? null,
    } as AttemptFailure;
    const where = failure.line ? ` (line ${failure.line})` : "";
    return {
      status: "failed",
      failure,
      verdict: { adopt: false, reason: `failed: ${failure.category}: ${failure.message}${where}` },
      metrics: null,
    };
  }
  const reason = result.reason || run.output.title || `conclusion ${conclusion}`;
  const adoptable = conclusion === "success" && result.verdict === "adopt";
  // A maintainer's /adopt takes a valid framework or rollback PR even when it is not better.
  const byMaintainer = Boolean(adoptedBy) && conclusion === "neutral" && meta.kind !== "codec";
  return {
    status: "ok",
    failure: null,
    verdict: {
      adopt: adoptable || byMaintainer,
      reason: adoptable ? reason : byMaintainer ? `adopted by @${adoptedBy}: ${reason}` : reason,
    },
    metrics: null,
  };
}

/**
 * The attempt at its candidate stage, as the PR now is: the pending attempt the
 * propose step saved (its commit replaced by the PR's head, which a rebuild
 * moves), or for a PR the ledger holds no attempt of, one read from its meta block.
 */
function candidateStage(
  pending: PendingAttempt | null,
  meta: CandidateMeta,
  pull: CandidatePull,
): CandidateStage {
  const comparedToVersion = Number(meta.parent.slice(1));
  if (pending?.candidate) {
    const record = { ...pending.candidate.record, commit: pull.headSha, comparedToVersion };
    return { ...pending, comparedToVersion, candidate: { record } };
  }
  const record: LedgerRecord = {
    schema: LEDGER_SCHEMA,
    id: meta.candidate,
    parentId: meta.parentId,
    comparedToVersion,
    version: null,
    status: "invalid",
    runId: meta.trigger ?? "github-pr",
    generation: 1,
    proposer: meta.proposer,
    hypothesis: meta.hypothesis,
    rationale: meta.rationale,
    edits: meta.edits,
    codeHash: meta.codeHash,
    commit: pull.headSha,
    branch: pull.branch,
    versionCommit: null,
    failure: null,
    verdict: null,
    metrics: null,
    usage: meta.usage,
    startedAt: meta.startedAt,
    finishedAt: meta.startedAt,
  };
  return {
    id: meta.candidate,
    runId: record.runId,
    generation: 1,
    attempt: 1,
    parentId: meta.parentId ?? "c0000",
    comparedToVersion,
    startedAt: meta.startedAt,
    // Only the record is used from here on; a seed never has a PR.
    proposerKind: meta.proposer.kind === "seed" ? "rollback" : meta.proposer.kind,
    proposal: {
      answerText: "",
      usage: meta.usage ?? { promptTokens: 0, completionTokens: 0, costUsd: 0 },
      model: meta.proposer.model,
      label: meta.proposer.label,
    },
    candidate: { record },
  };
}

/**
 * The versions branch moved since the evaluation (another winner was adopted
 * first): rebuild the candidate's one commit on the new tip with the same
 * files, move its branch, update the meta block and the pending attempt, and
 * have it evaluated again.
 */
async function rebuildOnTip(
  deps: JudgeDeps,
  candidates: GitHubCandidateStore,
  pull: CandidatePull,
  meta: CandidateMeta,
  paths: readonly string[],
  tip: string,
): Promise<JudgeOutcome> {
  const { gh, repo } = deps;
  const ledger = new GitHubLedgerStore(gh, repo);
  const best = currentBest((await ledger.read()).records);
  const version = best?.version ?? 1;
  const commit = await candidates.rebuildOnTip(
    pull,
    paths,
    tip,
    `codec-evolve ${meta.candidate}: rebuilt on v${version} for re-evaluation\n`,
  );
  const updated: CandidateMeta = { ...meta, parentSha: tip, parent: `v${version}` };
  await gh.rest.pulls.update({
    ...repo,
    pull_number: pull.number,
    body: renderCandidateBody(updated),
  });
  await updateLedger(ledger, (state) => {
    const pending = state.pending.find((p) => p.id === meta.candidate);
    if (!pending?.candidate) return null;
    const record = { ...pending.candidate.record, commit, comparedToVersion: version };
    return {
      change: { putPending: [{ ...pending, comparedToVersion: version, candidate: { record } }] },
      value: true,
    };
  });
  await gh.rest.issues.createComment({
    ...repo,
    issue_number: pull.number,
    body: `Adoptable, but self-improved-framework moved to v${version} since this was evaluated against ${meta.parent}. The candidate was rebuilt on the new tip (\`${commit.slice(0, 10)}\`) and is evaluated again.`,
  });
  await deps.reevaluate?.(pull.number, commit);
  return { kind: "re-evaluating", pr: pull.number, headSha: commit };
}
