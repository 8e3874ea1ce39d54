/**
 * The authenticated GitHub client every src/github function takes: Probot's
 * Octokit (REST methods, pagination, retry, and throttling that waits out
 * secondary rate limits), whether it holds an installation token or a
 * workflow's GITHUB_TOKEN.
 */
import type { ProbotOctokit } from "probot";

export type GitHubClient = InstanceType<typeof ProbotOctokit>;

/** One repository. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** "owner/repo", for logs and messages. */
export function repoName(ref: RepoRef): string {
  return `${ref.owner}/${ref.repo}`;
}

/** The HTTP status of an Octokit RequestError, or undefined for anything else. */
export function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === "number" ? status : undefined;
}
