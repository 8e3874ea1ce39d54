/**
 * One comment command, run by the worker: 👀 on receipt; write permission or
 * more (repos.getCollaboratorPermissionLevel, read from `user.permissions`
 * as slash-command-dispatch does, since the top-level `permission` maps
 * maintain to write and triage to read); then the command; 🚀 when done, 😕
 * with a reply when refused or failed.
 */
import type { Config } from "../../config/schema.js";
import type { Proposer } from "../../evolve/proposers/proposer.js";
import { GitHubCandidateStore } from "../../github/candidate-store.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";
import { CHECK_RUN_NAME } from "../../github/names.js";
import { COMMAND_HELP } from "../../github/pr-body.js";
import { judgeCheckRun, type JudgeOutcome } from "../jobs/judge-check-run.js";
import { openRollback } from "../jobs/open-rollback.js";
import { proposeCandidate, type ProposeOutcome } from "../jobs/propose-candidate.js";
import { parseCommand } from "./parse-command.js";
import { renderStatusMarkdown } from "./render-status.js";

export interface CommandDeps {
  gh: GitHubClient;
  repo: RepoRef;
  config: Config;
  clock: () => Date;
  app: { id: number; slug: string };
  proposer: () => Proposer;
  /** Start the evaluation workflow for a PR (workflow_dispatch). */
  dispatchEvaluation: (pr: number) => Promise<void>;
}

export interface CommentInput {
  issue: number;
  isPull: boolean;
  commentId: number;
  user: string;
  body: string;
}

/** True when a permission answer grants write or more. */
export function canWrite(data: {
  permission?: string;
  user?: { permissions?: Record<string, boolean> } | null;
}): boolean {
  const p = data.user?.permissions;
  if (p) return Boolean(p.admin || p.maintain || p.push);
  return data.permission === "admin" || data.permission === "write";
}

export const HELP_TEXT = [
  "codec-evolve commands (first line of a comment, write permission needed):",
  "",
  ...COMMAND_HELP.map((c) => `- ${c}`),
].join("\n");

/** Run the command in a comment; returns what was replied (for logs and tests). */
export async function runCommand(deps: CommandDeps, input: CommentInput): Promise<string> {
  const { gh, repo } = deps;
  const command = parseCommand(input.body);
  if (!command) return "";
  const react = (content: "eyes" | "rocket" | "confused") =>
    gh.rest.reactions.createForIssueComment({ ...repo, comment_id: input.commentId, content });
  const reply = async (body: string) => {
    await gh.rest.issues.createComment({
      ...repo,
      issue_number: input.issue,
      body: `@${input.user} ${body}`,
    });
    return body;
  };
  await react("eyes");
  const { data: permission } = await gh.rest.repos.getCollaboratorPermissionLevel({
    ...repo,
    username: input.user,
  });
  if (!canWrite(permission)) {
    await react("confused");
    return reply(
      `codec-evolve commands need write permission on ${repo.owner}/${repo.repo}; yours is ${permission.role_name ?? permission.permission}.`,
    );
  }
  try {
    const answer = await dispatch(deps, input, command);
    await react(answer.ok ? "rocket" : "confused");
    return reply(answer.text);
  } catch (error) {
    await react("confused");
    await reply(`the command failed: ${(error as Error).message}`);
    throw error;
  }
}

async function dispatch(
  deps: CommandDeps,
  input: CommentInput,
  command: NonNullable<ReturnType<typeof parseCommand>>,
): Promise<{ ok: boolean; text: string }> {
  const { gh, repo, config } = deps;
  switch (command.name) {
    case "help":
      return { ok: true, text: HELP_TEXT };
    case "unknown":
      return { ok: false, text: `${command.problem}.\n\n${HELP_TEXT}` };
    case "status": {
      const [records, pulls] = await Promise.all([
        new GitHubLedgerStore(gh, repo).records(),
        new GitHubCandidateStore(gh, repo, { codecPath: config.codec }).listCandidatePulls(),
      ]);
      return { ok: true, text: `\n\n${renderStatusMarkdown(records, pulls, config)}` };
    }
    case "evolve": {
      const lines: string[] = [];
      let opened = 0;
      for (let i = 0; i < command.count; i++) {
        const outcome = await proposeCandidate(
          { gh, repo, config, proposer: deps.proposer(), clock: deps.clock },
          { trigger: `comment-${input.commentId}-${i}`, focus: command.focus },
        );
        lines.push(`- ${describeProposal(outcome)}`);
        if (outcome.kind === "opened") opened++;
        if (outcome.kind === "limited") break;
      }
      return {
        ok: opened > 0,
        text: `/evolve ${command.count}${command.focus ? ` (focus: ${command.focus})` : ""}:\n${lines.join("\n")}`,
      };
    }
    case "evaluate": {
      if (!input.isPull) return { ok: false, text: "/evaluate works on a pull request." };
      await deps.dispatchEvaluation(input.issue);
      return {
        ok: true,
        text: `evaluation of #${input.issue} started (${config.github.evaluateWorkflow}).`,
      };
    }
    case "adopt": {
      if (!input.isPull) return { ok: false, text: "/adopt works on a pull request." };
      const { data: pr } = await gh.rest.pulls.get({ ...repo, pull_number: input.issue });
      const { data: runs } = await gh.rest.checks.listForRef({
        ...repo,
        ref: pr.head.sha,
        check_name: CHECK_RUN_NAME,
      });
      const run = runs.check_runs.find((r) => r.status === "completed");
      if (!run)
        return {
          ok: false,
          text: `#${input.issue} has no completed \`${CHECK_RUN_NAME}\` check on ${pr.head.sha.slice(0, 10)}; evaluate it first (/evaluate).`,
        };
      const outcome = await judgeCheckRun(
        {
          gh,
          repo,
          config,
          clock: deps.clock,
          app: deps.app,
          reevaluate: (n) => deps.dispatchEvaluation(n),
        },
        { checkRunId: run.id, adoptedBy: input.user },
      );
      return {
        ok: outcome.kind === "adopted" || outcome.kind === "re-evaluating",
        text: describeJudgement(outcome),
      };
    }
    case "rollback":
      return openRollback(deps, {
        version: command.version,
        trigger: `comment-${input.commentId}`,
      });
  }
}

/** One line about a proposal's outcome. */
export function describeProposal(outcome: ProposeOutcome): string {
  switch (outcome.kind) {
    case "opened":
      return `opened #${outcome.number} (${outcome.candidate}${outcome.framework ? ", framework change: never merged automatically" : ""})`;
    case "already-opened":
      return `already opened as #${outcome.number}`;
    case "limited":
      return `not now: ${outcome.reason}`;
    case "refused":
      return `${outcome.candidate} refused before any PR: ${outcome.reason}`;
  }
}

function describeJudgement(outcome: JudgeOutcome): string {
  switch (outcome.kind) {
    case "adopted":
      return `adopted as v${outcome.version} (${outcome.commit.slice(0, 10)}).`;
    case "re-evaluating":
      return `the versions branch moved; the candidate was rebuilt on it and is evaluated again.`;
    case "rejected":
    case "failed":
      return `not adoptable: ${outcome.reason}`;
    case "needs-review":
      return `cannot adopt: ${outcome.reason}`;
    case "awaiting-maintainer":
      return `waiting for a maintainer.`;
    case "ignored":
      return `nothing to do: ${outcome.reason}`;
  }
}
