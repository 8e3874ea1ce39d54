/**
 * Mode `report`, the trusted job (workflow_run; checks: write, pull-requests:
 * write, actions: read). It never runs candidate code: it reads the untrusted
 * job's artifact (or a results file) as hostile data, finds the PR and head
 * SHA from the event and the API, applies the trust rule through the API, and
 * posts the check run, the sticky comment and the job summary.
 */
import * as core from "@actions/core";
import { z } from "zod";
import { loadConfig } from "../config/load-config.js";
import {
  headline,
  renderMarkdown,
  verdictKind,
  type VerdictKind,
} from "../evaluate/report/markdown.js";
import { escapeMarkdown } from "../evaluate/report/markdown-escape.js";
import { annotationsFor } from "../github/annotations.js";
import { renderCheckResult, type CheckResult } from "../github/check-result.js";
import { upsertCheckRun, type CheckRunOutput } from "../github/check-run.js";
import { checkTrust, type TrustVerdict } from "../github/check-trust.js";
import { downloadResults } from "../github/download-results.js";
import {
  findPullRequestAt,
  findPullRequest,
  workflowRunEventSchema,
  type PullRequestInfo,
  type WorkflowRunEvent,
} from "../github/find-pull-request.js";
import { parseHiddenBlock } from "../github/hidden-block.js";
import { CHECK_SUMMARY_LIMIT } from "../evaluate/report/markdown.js";
import { parseEvaluateRunName } from "../github/names.js";
import { createGitHubClient, type GitHubClient } from "../github/octokit.js";
import {
  readResultsFile,
  ResultsRejected,
  type ResultsArtifact,
} from "../github/results-artifact.js";
import { upsertStickyComment } from "../github/sticky-comment.js";
import { verifyResults } from "../github/verify-results.js";
import type { ActionInputs } from "./inputs.js";
import { currentRepo, readEvent } from "./read-event.js";

export interface ReportOutcome {
  verdict: VerdictKind | "refused";
  trusted: boolean;
  checkRunId: number | null;
  results: ResultsArtifact | null;
  markdown: string;
}

const pullRequestEventSchema = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha: z.string() }),
  }),
});

const metaSchema = z.object({ candidate: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/) });

/** The run and commit this report is about, from the event alone. */
function reportTarget(
  name: string,
  payload: unknown,
): {
  runId: number | null;
  /** The evaluated head; null for a dispatched run until the artifact names it. */
  headSha: string | null;
  event: z.infer<typeof workflowRunEventSchema> | null;
  prNumber: number | null;
  /** A workflow_dispatch run: its head_sha is the default branch's, never the PR's. */
  dispatched: boolean;
} {
  if (name === "workflow_run" || (payload as { workflow_run?: unknown }).workflow_run) {
    const parsed = workflowRunEventSchema.safeParse(payload);
    if (!parsed.success)
      throw new Error(
        `the workflow_run event payload is not as expected: ${parsed.error.issues[0]?.message}`,
      );
    const run = parsed.data.workflow_run;
    const dispatched = run.event === "workflow_dispatch";
    return {
      runId: run.id,
      headSha: dispatched ? null : run.head_sha,
      event: parsed.data,
      prNumber: dispatched ? parseEvaluateRunName(run.display_title) : null,
      dispatched,
    };
  }
  const pr = pullRequestEventSchema.safeParse(payload);
  if (pr.success)
    return {
      runId: null,
      headSha: pr.data.pull_request.head.sha,
      event: null,
      prNumber: pr.data.pull_request.number,
      dispatched: false,
    };
  throw new Error(
    `mode report needs a workflow_run event (or a pull_request event with results-path); this run's event is "${name || "none"}"`,
  );
}

/** Run mode report. */
export async function reportMain(inputs: ActionInputs): Promise<ReportOutcome> {
  // 1. The event says which run and head commit; GITHUB_SHA is the default branch's here.
  const token = inputs["github-token"] ?? process.env.GITHUB_TOKEN ?? "";
  if (!token)
    throw new Error(
      'input "github-token" is empty: pass ${{ github.token }} (the default) or an App token',
    );
  const repo = currentRepo();
  const github = createGitHubClient({ token, log: (line) => core.warning(line) });
  const event = await readEvent();
  const target = reportTarget(event.name, event.payload);
  const root = inputs["working-directory"] ?? process.env.GITHUB_WORKSPACE ?? process.cwd();
  const { config } = await loadConfig(root, inputs.config);

  // 2. The results, as untrusted data.
  let artifact: ResultsArtifact | null = null;
  let refusal: string | null = null;
  try {
    artifact = inputs["results-path"]
      ? await readResultsFile(inputs["results-path"], config.codec)
      : target.runId !== null
        ? await downloadResults({
            token,
            ...repo,
            runId: target.runId,
            fallbackCodecPath: config.codec,
          })
        : null;
    if (!artifact)
      throw new ResultsRejected("no results: give results-path, or run on workflow_run");
    if (target.dispatched) {
      // The run names its PR (run-name); the artifact says which head was evaluated. Both are checked against the API below.
      if (artifact.pullRequest === null || artifact.headSha === null)
        throw new ResultsRejected(
          "the results of a dispatched run must name the pull request and the evaluated head",
        );
      if (target.prNumber !== null && artifact.pullRequest !== target.prNumber)
        throw new ResultsRejected(
          `the results claim PR #${artifact.pullRequest} but the run was dispatched for #${target.prNumber}`,
        );
    } else if (artifact.headSha !== null && artifact.headSha !== target.headSha) {
      // A head SHA that is not the run's means these results are about another commit.
      throw new ResultsRejected(
        `the results claim head ${artifact.headSha} but the evaluated run is at ${target.headSha}`,
      );
    }
    // The figures must add up: BD-rates and the verdict recomputed from the artifact's own rungs.
    const check = verifyResults(artifact.results, config.adoption);
    core.info(`recomputed from the results' rungs: ${check.checked}`);
    if (check.problems.length > 0) {
      throw new ResultsRejected(
        `the results do not add up, so they were not written by the evaluator as shipped: ` +
          check.problems.slice(0, 5).join("; "),
      );
    }
  } catch (error) {
    if (
      !(error instanceof ResultsRejected) &&
      !/not ?found/i.test(String((error as Error).message))
    )
      throw error;
    refusal = (error as Error).message;
    artifact = null;
  }

  // 3. The PR, found from the event and the API and checked against the head SHA.
  let pr: PullRequestInfo | null = null;
  let headSha: string;
  if (target.dispatched) {
    const found = await dispatchedTarget(github, repo, target.prNumber, artifact);
    if (!found) {
      if (refusal) throw new ResultsRejected(refusal);
      return {
        verdict: kind(artifact),
        trusted: false,
        checkRunId: null,
        results: artifact,
        markdown: "",
      };
    }
    ({ pr, headSha } = found);
  } else {
    headSha = target.headSha!;
    if (target.event)
      pr = await findPullRequest(github, repo, target.event, artifact?.pullRequest ?? null);
    else if (target.prNumber)
      pr = await findPullRequestAt(
        github,
        repo,
        target.prNumber,
        headSha,
        "the pull_request event",
      );
  }
  core.info(
    pr
      ? `PR #${pr.number} (found by ${pr.foundBy}), head ${pr.headSha}`
      : `no open PR has head ${headSha}`,
  );

  // 4. Trust, through the API.
  const trust: TrustVerdict = pr
    ? await checkTrust(github, repo, pr, {
        codecPaths: inputs["codec-paths"]
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean),
        appSlug: inputs["app-slug"],
      })
    : {
        trusted: false,
        problems: ["no pull request found for this commit"],
        changedFiles: [],
        currentFiles: [],
      };
  const dispatchProblem =
    target.event && target.dispatched ? dispatchedOffDefault(target.event) : null;
  if (dispatchProblem) {
    trust.trusted = false;
    trust.problems.push(dispatchProblem);
  }
  const notices = trust.trusted
    ? []
    : trust.problems.map((p) => `Not trusted for adoption: this PR ${p}. Left to a human.`);

  // 5. Check run: conclusion, title, summary with the result block first, annotations.
  const verdict = kind(artifact);
  const meta = metaSchema.safeParse(parseHiddenBlock(pr?.body ?? "", "meta"));
  let markdown: string;
  let output: CheckRunOutput;
  if (artifact) {
    const results = artifact.results;
    const block = pr
      ? renderCheckResult(
          checkResultOf(
            results,
            verdict as VerdictKind,
            pr,
            trust,
            meta.success ? meta.data.candidate : null,
            artifact,
          ),
        )
      : "";
    const subject = pr
      ? `PR #${pr.number} at ${pr.headSha.slice(0, 7)} vs ${pr.baseRef} at ${pr.baseSha.slice(0, 7)}`
      : `commit ${headSha.slice(0, 7)}`;
    markdown = renderMarkdown(results, {
      subject,
      rule: config.adoption,
      notices,
      maxChars: CHECK_SUMMARY_LIMIT - block.length - 2,
      fullResultsAt: `the ${"codec-evolve-results"} artifact of the evaluate run`,
    });
    output = {
      headSha,
      conclusion:
        verdict === "failed"
          ? "failure"
          : verdict === "adopt" && trust.trusted
            ? "success"
            : "neutral",
      title: `${trust.trusted ? "" : "[not trusted] "}${headline(results)}`,
      summary: block ? `${block}\n\n${markdown}` : markdown,
      annotations: annotationsFor(results, artifact.codecPath),
    };
  } else {
    markdown = `## ⚠️ Evaluation results refused\n\n${escapeMarkdown(refusal ?? "unknown", 2000)}\n\nThe evaluate job's output was not used. Nothing was adopted.`;
    output = {
      headSha,
      conclusion: "neutral",
      title: "results refused",
      summary: markdown,
      annotations: [],
    };
  }
  const check = await upsertCheckRun(github, repo, output);
  core.info(
    `check run ${check.id} ${check.created ? "created" : "updated"} (${output.conclusion}; ${output.annotations.length} annotations in ${check.annotationRequests} request(s))`,
  );

  // 6. Sticky comment and job summary.
  if (pr) {
    const outcome = await upsertStickyComment(
      github,
      repo,
      pr.number,
      markdown,
      inputs.comment,
      inputs["comment-author"],
    );
    core.info(`PR comment: ${outcome}`);
  }
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(output.summary).write();
  if (refusal) throw new ResultsRejected(refusal);
  return {
    verdict,
    trusted: trust.trusted,
    checkRunId: check.id,
    results: artifact,
    markdown,
  };
}

function kind(artifact: ResultsArtifact | null): VerdictKind | "refused" {
  return artifact ? verdictKind(artifact.results) : "refused";
}

/**
 * The PR and evaluated head of a dispatched run: the PR its run-name names
 * (else the artifact's hint), at the head the artifact says was evaluated,
 * kept only when the API's head is that commit. Results that were refused are
 * reported on the named PR's current head. Null: nothing to post on (logged).
 */
async function dispatchedTarget(
  github: GitHubClient,
  repo: { owner: string; repo: string },
  runNamed: number | null,
  artifact: ResultsArtifact | null,
): Promise<{ pr: PullRequestInfo; headSha: string } | null> {
  const number = runNamed ?? artifact?.pullRequest ?? null;
  if (number === null) {
    core.warning(
      "this dispatched run names no pull request (run-name) and its results name none: nothing posted",
    );
    return null;
  }
  const foundBy = runNamed !== null ? "the dispatched run's name" : "the artifact's hint";
  if (!artifact) {
    // Refused results: say so on the PR the run was for, at its head now.
    const { data } = await github.rest.pulls.get({ ...repo, pull_number: number });
    const pr = await findPullRequestAt(github, repo, number, data.head.sha, foundBy);
    return pr ? { pr, headSha: pr.headSha } : null;
  }
  const headSha = artifact.headSha!;
  const pr = await findPullRequestAt(
    github,
    repo,
    number,
    headSha,
    `${foundBy}, checked against the API`,
  );
  if (!pr) {
    // Not an error of this run: the PR moved on (its new head is evaluated on its own) or closed.
    core.warning(
      `PR #${number} is not at the evaluated head ${headSha} any more (or does not exist): these results are obsolete, nothing posted`,
    );
    return null;
  }
  return { pr, headSha };
}

/** A dispatched run ran the workflow file of the branch it was dispatched on: only the default branch's is the trusted one. */
function dispatchedOffDefault(event: WorkflowRunEvent): string | null {
  const branch = event.workflow_run.head_branch;
  const main = event.repository.default_branch;
  if (main && branch === main) return null;
  return `was evaluated by a run dispatched on ${branch ?? "an unknown branch"}, not on the default branch${main ? ` ${main}` : ""}`;
}

function checkResultOf(
  results: ResultsArtifact["results"],
  kind: VerdictKind,
  pr: PullRequestInfo,
  trust: TrustVerdict,
  candidate: string | null,
  artifact: ResultsArtifact,
): CheckResult {
  const bdRate: Record<string, number | null> = {};
  for (const [name, value] of Object.entries(results.summary?.bdRate ?? {})) {
    if (/^[a-z0-9-]{1,32}$/.test(name)) bdRate[name] = value;
  }
  return {
    version: 1,
    candidate,
    pullRequest: pr.number,
    headSha: pr.headSha,
    // The base the evaluate job checked out (the API's base may have moved since); null when unknown.
    parentSha: artifact.baseSha,
    verdict: kind,
    reason: (results.verdict?.reason ?? results.failure?.message ?? "").slice(0, 500),
    trusted: trust.trusted,
    trustProblems: trust.problems.map((p) => p.slice(0, 300)).slice(0, 20),
    bdRate,
    failure: results.failure
      ? { category: results.failure.category, line: results.failure.line }
      : null,
  };
}
