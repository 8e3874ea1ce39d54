/**
 * The worker: one persisted job against one repository, with a client for
 * that repository (an installation token in the App, GITHUB_TOKEN or an App
 * token in Actions-only mode). Every kind of job is idempotent, so running it
 * again after a crash or on another replica does no harm.
 */
import type { Config } from "../config/schema.js";
import type { Proposer } from "../evolve/proposers/proposer.js";
import type { GitHubClient, RepoRef } from "../github/client.js";
import { runCommand } from "./commands/run-command.js";
import type { StoredJob } from "./jobs/job.js";
import { judgeCheckRun } from "./jobs/judge-check-run.js";
import { proposeCandidate } from "./jobs/propose-candidate.js";
import { describeProposal } from "./commands/run-command.js";
import { loadRepoConfig } from "./repo-config.js";
import { claimScheduleSlot } from "./schedule/schedule-lease.js";

export interface WorkerDeps {
  /** A client for the job's installation. */
  client: (installationId: number) => Promise<GitHubClient>;
  /** The identity whose PRs and check runs are trusted. */
  app: { id: number; slug: string };
  replicaId: string;
  clock: () => Date;
  proposer: (config: Config) => Proposer;
  /**
   * True when PRs this identity opens start no workflow by themselves (a
   * workflow's GITHUB_TOKEN): the evaluation is then started with workflow_dispatch.
   */
  dispatchAfterOpen: boolean;
  log: { info(message: string): void; error(message: string): void };
}

/** Start the evaluation workflow for a PR through workflow_dispatch (input `pr`). */
export async function dispatchEvaluation(
  gh: GitHubClient,
  repo: RepoRef,
  config: Config,
  defaultBranch: string,
  pr: number,
): Promise<void> {
  await gh.rest.actions.createWorkflowDispatch({
    ...repo,
    workflow_id: config.github.evaluateWorkflow,
    ref: defaultBranch,
    inputs: { pr: String(pr) },
  });
}

/** Run one stored job to its end. */
export async function runJob(deps: WorkerDeps, stored: StoredJob): Promise<void> {
  const gh = await deps.client(stored.installationId);
  const repo = { owner: stored.owner, repo: stored.repo };
  const { config, defaultBranch } = await loadRepoConfig(gh, repo);
  const dispatch = (pr: number) => dispatchEvaluation(gh, repo, config, defaultBranch, pr);
  const job = stored.job;
  const where = `${repo.owner}/${repo.repo}`;
  switch (job.kind) {
    case "propose": {
      if (job.slot && !config.github.schedule) {
        // Queued before the schedule was switched off in the config: not wanted any more.
        deps.log.info(`${where}: schedule slot ${job.slot} skipped: github.schedule is now off`);
        return;
      }
      if (
        job.slot &&
        !(await claimScheduleSlot(gh, repo, job.slot, deps.replicaId, deps.clock()))
      ) {
        deps.log.info(
          `${where}: schedule slot ${job.slot} was run already (or by another replica); skipped`,
        );
        return;
      }
      const lines: string[] = [];
      for (let i = 0; i < job.count; i++) {
        const outcome = await proposeCandidate(
          { gh, repo, config, proposer: deps.proposer(config), clock: deps.clock },
          { trigger: `${job.trigger}-${i}`, focus: job.focus },
        );
        lines.push(describeProposal(outcome));
        deps.log.info(`${where}: ${describeProposal(outcome)}`);
        if (outcome.kind === "opened" && deps.dispatchAfterOpen) await dispatch(outcome.number);
        if (outcome.kind === "limited") break;
      }
      if (job.reply) {
        await gh.rest.issues.createComment({
          ...repo,
          issue_number: job.reply.issue,
          body: lines.map((l) => `- ${l}`).join("\n"),
        });
      }
      return;
    }
    case "command": {
      const replied = await runCommand(
        {
          gh,
          repo,
          config,
          clock: deps.clock,
          app: deps.app,
          proposer: () => deps.proposer(config),
          dispatchEvaluation: dispatch,
        },
        job,
      );
      deps.log.info(
        `${where}#${job.issue}: ${job.body.split("\n")[0]} -> ${replied.split("\n")[0]}`,
      );
      return;
    }
    case "check-run": {
      const outcome = await judgeCheckRun(
        {
          gh,
          repo,
          config,
          clock: deps.clock,
          app: deps.app,
          reevaluate: (pr) => (deps.dispatchAfterOpen ? dispatch(pr) : Promise.resolve()),
        },
        { checkRunId: job.checkRunId, adoptedBy: job.adoptedBy },
      );
      deps.log.info(`${where}: check run ${job.checkRunId}: ${JSON.stringify(outcome)}`);
      return;
    }
  }
}
