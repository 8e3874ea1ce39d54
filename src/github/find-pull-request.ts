/**
 * Which pull request a `workflow_run` reports on, and at which head commit.
 * The head SHA comes from the event (never from GITHUB_SHA, which is the
 * default branch's in a workflow_run); the PR from the event's
 * `pull_requests` (same-repository PRs), else from the artifact's hint, else
 * from a search by the head repository and branch (fork PRs arrive with an
 * empty `pull_requests`), else from the commit's associated PRs. Every
 * candidate is fetched from the API and kept only if its head is that SHA.
 * A dispatched run (workflow_dispatch) is on the default branch: its PR is
 * the one its run-name names, at the head the artifact says was evaluated,
 * again kept only if the API agrees.
 */
import { z } from "zod";
import type { GitHubClient } from "./octokit.js";

/** The fields of a `workflow_run` event this module reads, validated. */
export const workflowRunEventSchema = z.object({
  workflow_run: z.object({
    id: z.number().int(),
    event: z.string(),
    /** The run-name; for a dispatched evaluate run, evaluateRunName(pr). */
    display_title: z.string().nullish(),
    head_sha: z.string().regex(/^[0-9a-f]{40}$/),
    head_branch: z.string().nullable(),
    conclusion: z.string().nullable(),
    head_repository: z
      .object({ full_name: z.string(), owner: z.object({ login: z.string() }) })
      .nullable(),
    pull_requests: z.array(z.object({ number: z.number().int().positive() })).default([]),
  }),
  repository: z.object({ full_name: z.string(), default_branch: z.string().nullish() }),
});
export type WorkflowRunEvent = z.infer<typeof workflowRunEventSchema>;

export interface PullRequestInfo {
  number: number;
  headSha: string;
  baseSha: string;
  baseRef: string;
  author: { login: string; type: string };
  /** owner/name of the head repository; differs from the base for a fork. */
  headRepo: string;
  body: string;
  /** How the PR was found, for the log. */
  foundBy: string;
}

interface Repo {
  owner: string;
  repo: string;
}

async function fetchIfHeadMatches(
  github: GitHubClient,
  repo: Repo,
  number: number,
  headSha: string,
  foundBy: string,
): Promise<PullRequestInfo | null> {
  let pr;
  try {
    ({ data: pr } = await github.rest.pulls.get({ ...repo, pull_number: number }));
  } catch (error) {
    // A hint may name a PR that does not exist: that is "not this one", not a failure.
    if ((error as { status?: number }).status === 404) return null;
    throw error;
  }
  if (pr.head.sha !== headSha) return null;
  return {
    number: pr.number,
    headSha: pr.head.sha,
    baseSha: pr.base.sha,
    baseRef: pr.base.ref,
    author: { login: pr.user?.login ?? "", type: pr.user?.type ?? "" },
    headRepo: pr.head.repo?.full_name ?? "",
    body: pr.body ?? "",
    foundBy,
  };
}

/** PR `number`, if its head is `headSha` (the evaluated commit); null otherwise. */
export async function findPullRequestAt(
  github: GitHubClient,
  repo: Repo,
  number: number,
  headSha: string,
  foundBy: string,
): Promise<PullRequestInfo | null> {
  return fetchIfHeadMatches(github, repo, number, headSha, foundBy);
}

/** Find the PR whose head is the run's head SHA; null when there is none (e.g. a push run). */
export async function findPullRequest(
  github: GitHubClient,
  repo: Repo,
  event: WorkflowRunEvent,
  hintNumber: number | null,
): Promise<PullRequestInfo | null> {
  const run = event.workflow_run;
  const headSha = run.head_sha;
  const tried = new Set<number>();
  const tryNumber = async (number: number, foundBy: string) => {
    if (tried.has(number)) return null;
    tried.add(number);
    return fetchIfHeadMatches(github, repo, number, headSha, foundBy);
  };
  for (const pr of run.pull_requests) {
    const found = await tryNumber(pr.number, "the event's pull_requests");
    if (found) return found;
  }
  if (hintNumber !== null) {
    const found = await tryNumber(hintNumber, "the artifact's hint, checked against the API");
    if (found) return found;
  }
  if (run.head_repository && run.head_branch) {
    const head = `${run.head_repository.owner.login}:${run.head_branch}`;
    const candidates = await github.paginate(github.rest.pulls.list, {
      ...repo,
      state: "open",
      head,
      per_page: 100,
    });
    for (const pr of candidates) {
      if (pr.head.sha !== headSha) continue;
      const found = await tryNumber(pr.number, `a search for head ${head}`);
      if (found) return found;
    }
  }
  const associated = await github.paginate(github.rest.repos.listPullRequestsAssociatedWithCommit, {
    ...repo,
    commit_sha: headSha,
    per_page: 100,
  });
  for (const pr of associated) {
    const found = await tryNumber(pr.number, "the commit's associated pull requests");
    if (found) return found;
  }
  return null;
}
