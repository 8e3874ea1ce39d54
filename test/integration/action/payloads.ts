/**
 * Webhook payloads shaped like GitHub's own examples (@octokit/webhooks-examples):
 * `pull_request` (opened) and `workflow_run` (completed) for a same-repository
 * PR, whose `pull_requests` lists it, for a fork PR, whose list is empty,
 * and for a run dispatched with workflow_dispatch on the default branch.
 */
import { evaluateRunName } from "../../../src/github/names.js";

const repository = (owner: string, name: string, id: number) => ({
  id,
  node_id: "R_kgDOabc",
  name,
  full_name: `${owner}/${name}`,
  private: false,
  owner: { login: owner, id: id + 1, type: "User" },
  html_url: `https://github.com/${owner}/${name}`,
  fork: owner !== "octo",
  url: `https://api.github.com/repos/${owner}/${name}`,
  default_branch: "main",
});

export interface PayloadOptions {
  owner?: string;
  repo?: string;
  number: number;
  headSha: string;
  baseSha: string;
  headRef: string;
  /** Owner of the head repository; differs from `owner` for a fork. */
  headOwner?: string;
  runId?: number;
}

/** A completed evaluate run started with workflow_dispatch (input pr) on the default branch. */
export interface DispatchOptions {
  owner?: string;
  repo?: string;
  /** The PR the run was dispatched for (its run-name); null for a run whose name names none. */
  number: number | null;
  /** The default branch's tip: a dispatched run's head_sha. */
  defaultSha: string;
  /** The branch it was dispatched on; default "main" (the default branch). */
  branch?: string;
  runId?: number;
}

/** `pull_request` opened, as the evaluate job sees it. */
export function pullRequestPayload(o: PayloadOptions) {
  const owner = o.owner ?? "octo";
  const repo = o.repo ?? "codecs";
  const headOwner = o.headOwner ?? owner;
  return {
    action: "opened",
    number: o.number,
    pull_request: {
      url: `https://api.github.com/repos/${owner}/${repo}/pulls/${o.number}`,
      id: 1_000_000 + o.number,
      number: o.number,
      state: "open",
      title: "codec: tweak",
      user: { login: "codec-evolve[bot]", type: "Bot" },
      body: "",
      head: {
        label: `${headOwner}:${o.headRef}`,
        ref: o.headRef,
        sha: o.headSha,
        repo: repository(headOwner, repo, 2),
      },
      base: {
        label: `${owner}:self-improved-framework`,
        ref: "self-improved-framework",
        sha: o.baseSha,
        repo: repository(owner, repo, 1),
      },
    },
    repository: repository(owner, repo, 1),
    sender: { login: headOwner, type: "User" },
  };
}

/** `workflow_run` completed for a dispatched evaluate run: head_sha and head_branch are the default branch's, no pull_requests. */
export function workflowDispatchRunPayload(o: DispatchOptions) {
  const owner = o.owner ?? "octo";
  const repo = o.repo ?? "codecs";
  const runId = o.runId ?? 30433643;
  return {
    action: "completed",
    workflow_run: {
      id: runId,
      name: "codec-evolve evaluate",
      node_id: "WFR_kwLOabd",
      head_branch: o.branch ?? "main",
      head_sha: o.defaultSha,
      path: ".github/workflows/codec-evolve-evaluate.yml",
      display_title: o.number === null ? "codec-evolve evaluate" : evaluateRunName(o.number),
      run_number: 8,
      event: "workflow_dispatch",
      status: "completed",
      conclusion: "success",
      workflow_id: 159038,
      url: `https://api.github.com/repos/${owner}/${repo}/actions/runs/${runId}`,
      pull_requests: [],
      head_commit: { id: o.defaultSha, message: "Merge pull request #3" },
      repository: repository(owner, repo, 1),
      head_repository: repository(owner, repo, 1),
    },
    workflow: {
      id: 159038,
      name: "codec-evolve evaluate",
      path: ".github/workflows/codec-evolve-evaluate.yml",
    },
    repository: repository(owner, repo, 1),
    sender: { login: "codec-evolve[bot]", type: "Bot" },
  };
}

/** `workflow_run` completed for the evaluate workflow, as the report job sees it. */
export function workflowRunPayload(o: PayloadOptions) {
  const owner = o.owner ?? "octo";
  const repo = o.repo ?? "codecs";
  const headOwner = o.headOwner ?? owner;
  const fork = headOwner !== owner;
  return {
    action: "completed",
    workflow_run: {
      id: o.runId ?? 30433642,
      name: "codec-evolve evaluate",
      node_id: "WFR_kwLOabc",
      head_branch: o.headRef,
      head_sha: o.headSha,
      path: ".github/workflows/codec-evolve-evaluate.yml",
      display_title: evaluateRunName(o.number),
      run_number: 7,
      event: "pull_request",
      status: "completed",
      conclusion: "success",
      workflow_id: 159038,
      url: `https://api.github.com/repos/${owner}/${repo}/actions/runs/${o.runId ?? 30433642}`,
      // GitHub leaves this empty for PRs from forks.
      pull_requests: fork
        ? []
        : [
            {
              url: `https://api.github.com/repos/${owner}/${repo}/pulls/${o.number}`,
              id: 1_000_000 + o.number,
              number: o.number,
              head: { ref: o.headRef, sha: o.headSha, repo: { id: 1, name: repo } },
              base: { ref: "self-improved-framework", sha: o.baseSha, repo: { id: 1, name: repo } },
            },
          ],
      head_commit: { id: o.headSha, message: "codec: tweak" },
      repository: repository(owner, repo, 1),
      head_repository: repository(headOwner, repo, fork ? 2 : 1),
    },
    workflow: {
      id: 159038,
      name: "codec-evolve evaluate",
      path: ".github/workflows/codec-evolve-evaluate.yml",
    },
    repository: repository(owner, repo, 1),
    sender: { login: "octocat", type: "User" },
  };
}
