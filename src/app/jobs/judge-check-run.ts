/**
 * Adoption on a completed `codec-evolve / evaluation` check run (DESIGN.md
 * "Trust"): the run must come from the expected app, the result block must
 * name the PR's head, the PR's author must be this App and its changed files
 * (read through the API, never from the artifact) only codec paths. Then:
 * success and still fresh (the versions branch tip is the evaluated parent) →
 * squash-merge as "Autonomous Code Evolution - vN" with the figures, tag, ledger,
 * comment; success but stale → the candidate is rebuilt on the new tip and
 * evaluated again (two winners go one at a time); neutral → rejected, failure →
 * failed: ledger, close with the reason, label. Every step is safe to repeat.
 */
import type { Config } from "../../config/schema.js";
import type { LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { LEDGER_SCHEMA } from "../../evolve/ledger/ledger-record.js";
import { FAILURE_CATEGORIES } from "../../evaluate/results.js";
import { versionCommitMessage } from "../../evolve/ledger/version-commit-message.js";
import { currentBest } from "../../evolve/population/population.js";
import type { CandidateMeta } from "../../github/candidate-meta.js";
import { GitHubCandidateStore, type CandidatePull } from "../../github/candidate-store.js";
import { parseCheckResult, type CheckResult } from "../../github/check-result.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { createCommit, createRef, moveBranch, readBranch, readFileAt } from "../../github/git-data.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";
import { CHECK_RUN_NAME, EVOLUTION_BRANCH, LABELS, versionTag } from "../../github/names.js";
import { renderCandidateBody } from "../../github/pr-body.js";
import { onlyCodecPaths } from "./propose-candidate.js";

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

/** The apps whose evaluation check runs are believed: this App, or GitHub Actions (a workflow's GITHUB_TOKEN). */
export function isExpectedCheckApp(app: { id?: number; slug?: string } | null | undefined, self: { id: number }): boolean {
  return Boolean(app && (app.id === self.id || app.slug === "github-actions"));
}

/** Judge the check run `checkRunId`; `adoptedBy` is a maintainer's /adopt (framework and rollback PRs too). */
export async function judgeCheckRun(deps: JudgeDeps, input: { checkRunId: number; adoptedBy: string | null }): Promise<JudgeOutcome> {
  const { gh, repo } = deps;
  const { data: run } = await gh.rest.checks.get({ ...repo, check_run_id: input.checkRunId });
  if (run.name !== CHECK_RUN_NAME) return { kind: "ignored", reason: `check run "${run.name}" is not ${CHECK_RUN_NAME}` };
  if (run.status !== "completed") return { kind: "ignored", reason: "the check run is not completed" };
  if (!isExpectedCheckApp(run.app, deps.app)) {
    return { kind: "ignored", reason: `check run posted by app ${run.app?.slug ?? "?"}, not by this App or GitHub Actions` };
  }
  const store = new GitHubCandidateStore(gh, repo);
  const pulls = (await store.listCandidatePulls()).filter((p) => p.headSha === run.head_sha);
  const pull = pulls.find((p) => p.state === "open") ?? pulls.find((p) => p.merged);
  if (!pull) return { kind: "ignored", reason: `no candidate PR has head ${run.head_sha.slice(0, 10)}` };
  const ledger = new GitHubLedgerStore(gh, repo);
  if (pull.merged) return finishMergedAdoption(deps, store, ledger, pull);

  const say = (body: string) => gh.rest.issues.createComment({ ...repo, issue_number: pull.number, body });
  const label = (name: string) => gh.rest.issues.addLabels({ ...repo, issue_number: pull.number, labels: [name] });
  const review = async (reason: string): Promise<JudgeOutcome> => {
    await label(LABELS.untrusted);
    await say(`codec-evolve cannot act on this evaluation: ${reason}. Left to a maintainer.`);
    return { kind: "needs-review", pr: pull.number, reason };
  };

  const meta = pull.meta;
  if (!meta) return review("the PR body has no valid codec-evolve:meta block");
  const parsed = parseCheckResult(run.output.summary ?? "");
  if (!parsed.ok) return review(`the check run's result block is ${parsed.problem}: ${parsed.detail}`);
  const result = parsed.result;
  if (result.headSha !== run.head_sha) {
    return review(`the result block names head ${result.headSha.slice(0, 10)}, the check run is on ${run.head_sha.slice(0, 10)}`);
  }
  const files = await gh.paginate(gh.rest.pulls.listFiles, { ...repo, pull_number: pull.number, per_page: 100 });
  const paths = files.map((f) => f.filename);
  const botLogin = `${deps.app.slug}[bot]`;
  if (!input.adoptedBy) {
    if (pull.author !== botLogin) return review(`the PR's author is ${pull.author}, not ${botLogin}`);
    if (meta.kind === "codec" && !onlyCodecPaths(paths, deps.config)) {
      return review(`the PR changes paths outside the codec (${paths.filter((p) => !onlyCodecPaths([p], deps.config)).join(", ")})`);
    }
  }

  const conclusion = run.conclusion ?? "neutral";
  if (conclusion === "failure" || result.verdict === "failed") {
    // An unknown category (a newer Action, or a forged block) is kept in the message, recorded as runtime.
    const known = (FAILURE_CATEGORIES as readonly string[]).includes(result.failure?.category ?? "");
    const failure = {
      category: known ? result.failure!.category : "runtime",
      message: `${known ? "" : `(${result.failure?.category ?? "uncategorised"}) `}${result.reason || run.output.title || "the evaluation failed"}`,
      line: result.failure?.line ?? null,
    };
    const reason = `failed: ${failure.category}: ${failure.message}`;
    await ledger.append(
      ledgerRecord(meta, pull, result, "failed", deps.clock(), { failure: failure as LedgerRecord["failure"], verdict: { adopt: false, reason } }),
    );
    await closeWith(gh, repo, pull.number, LABELS.failed, `Closed: the candidate failed evaluation.\n\n> ${reason}${failure.line ? ` (line ${failure.line})` : ""}`);
    return { kind: "failed", pr: pull.number, reason };
  }
  const adoptable = conclusion === "success" && result.verdict === "adopt";
  if (!adoptable && !(input.adoptedBy && conclusion === "neutral" && meta.kind !== "codec")) {
    const reason = result.reason || run.output.title || `conclusion ${conclusion}`;
    await ledger.append(ledgerRecord(meta, pull, result, "rejected", deps.clock(), { verdict: { adopt: false, reason } }));
    await closeWith(gh, repo, pull.number, LABELS.rejected, `Closed: not adopted.\n\n> ${reason}`);
    return { kind: "rejected", pr: pull.number, reason };
  }
  if (meta.kind !== "codec" && !input.adoptedBy) {
    await say(
      `The evaluation passed${adoptable ? " the adoption rule" : ""}. This ${meta.kind} PR is never merged automatically: a maintainer can merge it with \`/adopt\`.`,
    );
    return { kind: "awaiting-maintainer", pr: pull.number };
  }

  const tip = await readBranch(gh, repo, EVOLUTION_BRANCH);
  const evaluatedParent = result.parentSha ?? meta.parentSha;
  if (tip !== evaluatedParent) return rebuildOnTip(deps, store, pull, meta, paths, tip!);

  const records = await ledger.records();
  const best = currentBest(records);
  const version = Math.max(0, ...records.map((r) => r.version ?? 0)) + 1;
  const record = ledgerRecord(meta, pull, result, "adopted", deps.clock(), {
    version,
    verdict: { adopt: true, reason: result.reason || run.output.title || "adopted" },
  });
  // The result block carries the headline and BD-rates, not the full metrics (those travel as the artifact).
  const note = [
    run.output.title ?? "",
    Object.entries(result.bdRate)
      .map(([ref, value]) => `BD-rate vs ${ref}: ${value === null ? "n/a" : `${value > 0 ? "+" : ""}${value.toFixed(2)}%`}`)
      .join(", "),
    `Evaluation: ${run.html_url ?? `check run ${run.id}`}`,
    input.adoptedBy ? `Adopted by @${input.adoptedBy} with /adopt.` : "",
  ]
    .filter(Boolean)
    .join("\n");
  const message = versionCommitMessage(record, version, best, deps.clock(), note);
  const [title, ...rest] = message.split("\n");
  const { data: merged } = await gh.rest.pulls.merge({
    ...repo,
    pull_number: pull.number,
    merge_method: "squash",
    sha: run.head_sha,
    commit_title: title!,
    commit_message: rest.join("\n").trim(),
  });
  record.versionCommit = merged.sha;
  await createRef(gh, repo, `tags/${versionTag(version)}`, merged.sha);
  await ledger.append(record);
  await label(LABELS.adopted);
  await say(`Adopted as **v${version}** (\`${merged.sha.slice(0, 10)}\`, tag \`${versionTag(version)}\`).\n\n\`\`\`\n${message.trim()}\n\`\`\``);
  return { kind: "adopted", pr: pull.number, version, commit: merged.sha };
}

/** A merge that happened before a crash: make sure the tag and the ledger record exist. */
async function finishMergedAdoption(
  deps: JudgeDeps,
  store: GitHubCandidateStore,
  ledger: GitHubLedgerStore,
  pull: CandidatePull,
): Promise<JudgeOutcome> {
  const { gh, repo } = deps;
  const meta = pull.meta;
  const records = await ledger.records();
  if (!meta || records.some((r) => r.id === meta.candidate && r.status === "adopted")) {
    return { kind: "ignored", reason: `PR #${pull.number} is already merged and recorded` };
  }
  const { data } = await gh.rest.pulls.get({ ...repo, pull_number: pull.number });
  const sha = data.merge_commit_sha!;
  const { data: commit } = await gh.rest.git.getCommit({ ...repo, commit_sha: sha });
  const version = Number(/Autonomous Code Evolution - v(\d+)/.exec(commit.message)?.[1] ?? NaN);
  if (!Number.isFinite(version)) return { kind: "ignored", reason: `PR #${pull.number} was merged by hand, not as a version` };
  if (!(await store.versionCommit(version))) await createRef(gh, repo, `tags/${versionTag(version)}`, sha);
  await ledger.append({
    ...ledgerRecord(meta, pull, null, "adopted", deps.clock(), { version, verdict: { adopt: true, reason: "adopted (recorded after a restart)" } }),
    versionCommit: sha,
  });
  return { kind: "adopted", pr: pull.number, version, commit: sha };
}

/**
 * The versions branch moved since the evaluation (another winner was adopted
 * first): rebuild the candidate's one commit on the new tip with the same
 * files, move its branch, update the meta block, and have it evaluated again.
 */
async function rebuildOnTip(
  deps: JudgeDeps,
  store: GitHubCandidateStore,
  pull: CandidatePull,
  meta: CandidateMeta,
  paths: readonly string[],
  tip: string,
): Promise<JudgeOutcome> {
  const { gh, repo } = deps;
  const files = [];
  for (const path of paths) files.push({ path, content: await readFileAt(gh, repo, pull.headSha, path) });
  const records = await new GitHubLedgerStore(gh, repo).records();
  const best = currentBest(records);
  const commit = await createCommit(gh, repo, {
    parent: tip,
    files,
    message: `codec-evolve ${meta.candidate}: rebuilt on v${best?.version ?? "?"} for re-evaluation\n`,
  });
  await moveBranch(gh, repo, pull.branch, commit, true);
  const updated: CandidateMeta = { ...meta, parentSha: tip, parent: `v${best?.version ?? 1}`, parentId: best?.id ?? meta.parentId };
  await gh.rest.pulls.update({ ...repo, pull_number: pull.number, body: renderCandidateBody(updated) });
  await gh.rest.issues.createComment({
    ...repo,
    issue_number: pull.number,
    body: `Adoptable, but self-improved-framework moved to v${best?.version ?? "?"} since this was evaluated against ${meta.parent}. The candidate was rebuilt on the new tip (\`${commit.slice(0, 10)}\`) and is evaluated again.`,
  });
  await deps.reevaluate?.(pull.number, commit);
  return { kind: "re-evaluating", pr: pull.number, headSha: commit };
}

async function closeWith(gh: GitHubClient, repo: RepoRef, number: number, label: string, body: string): Promise<void> {
  await gh.rest.issues.addLabels({ ...repo, issue_number: number, labels: [label] });
  await gh.rest.issues.createComment({ ...repo, issue_number: number, body });
  await gh.rest.pulls.update({ ...repo, pull_number: number, state: "closed" });
}


function ledgerRecord(
  meta: CandidateMeta,
  pull: CandidatePull,
  _result: CheckResult | null,
  status: LedgerRecord["status"],
  now: Date,
  fields: Partial<LedgerRecord>,
): LedgerRecord {
  return {
    schema: LEDGER_SCHEMA,
    id: meta.candidate,
    parentId: meta.parentId,
    comparedToVersion: Number(meta.parent.slice(1)),
    version: null,
    status,
    runId: `github-${meta.trigger ?? "pr"}`,
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
    finishedAt: now.toISOString(),
    ...fields,
  };
}
