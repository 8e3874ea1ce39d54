/**
 * Actions-only mode (`codec-evolve app --once`, run by the shipped workflow
 * codec-evolve-propose.yml): the same worker code, once, without a server.
 * It first judges the open candidates whose evaluation has completed (no
 * check_run webhook reaches a workflow), then proposes for the schedule slot
 * that is due (or for this run when started by hand). With the workflow's
 * GITHUB_TOKEN, a PR it opens starts no workflow, so the evaluation is started
 * with workflow_dispatch; with APP_ID and PRIVATE_KEY set, it acts as the App.
 */
import { readFile } from "node:fs/promises";
import { Probot, ProbotOctokit } from "probot";
import { latestSlot, parseCron } from "../config/cron.js";
import type { GitHubClient, RepoRef } from "../github/client.js";
import { retrySecondaryRateLimit } from "../github/secondary-rate-limit.js";
import { GitHubCandidateStore } from "../github/candidate-store.js";
import { CHECK_RUN_NAME } from "../github/names.js";
import { chooseProposer } from "./choose-proposer.js";
import type { Job, StoredJob } from "./jobs/job.js";
import { loadRepoConfig } from "./repo-config.js";
import { runJob, type WorkerDeps } from "./run-job.js";

/** GitHub Actions' own app: the author of PRs and check runs made with GITHUB_TOKEN. */
export const ACTIONS_APP = { id: 15368, slug: "github-actions" };

export interface OnceOptions {
  env: NodeJS.ProcessEnv;
  clock?: () => Date;
  log: { info(message: string): void; error(message: string): void };
  /** How far back a due schedule slot is still run (scheduled workflows start late). */
  lookbackMinutes?: number;
}

/** The client and identity from the environment; throws naming the missing variable. */
async function connect(
  env: NodeJS.ProcessEnv,
  repo: RepoRef,
): Promise<{ gh: GitHubClient; app: WorkerDeps["app"]; viaActionsToken: boolean }> {
  const baseUrl = env.GITHUB_API_URL || "https://api.github.com";
  if (env.APP_ID && (env.PRIVATE_KEY || env.PRIVATE_KEY_PATH)) {
    const privateKey = env.PRIVATE_KEY
      ? env.PRIVATE_KEY.replace(/\\n/g, "\n")
      : await readFile(env.PRIVATE_KEY_PATH!, "utf8");
    const probot = new Probot({
      appId: Number(env.APP_ID),
      privateKey,
      baseUrl,
      Octokit: ProbotOctokit.plugin(retrySecondaryRateLimit),
    });
    const appClient = (await probot.auth()) as GitHubClient;
    const [{ data: installation }, { data: self }] = await Promise.all([
      appClient.rest.apps.getRepoInstallation({ ...repo }),
      appClient.rest.apps.getAuthenticated(),
    ]);
    const gh = (await probot.auth(installation.id)) as GitHubClient;
    return {
      gh,
      app: { id: Number(env.APP_ID), slug: self?.slug ?? "codec-evolve" },
      viaActionsToken: false,
    };
  }
  if (!env.GITHUB_TOKEN) {
    throw new Error(
      "Actions-only mode needs GITHUB_TOKEN (or APP_ID and PRIVATE_KEY for an App token) in the environment",
    );
  }
  const gh = new (ProbotOctokit.plugin(retrySecondaryRateLimit))({
    auth: { token: env.GITHUB_TOKEN },
    baseUrl,
  }) as GitHubClient;
  return { gh, app: ACTIONS_APP, viaActionsToken: true };
}

/** One pass: judge finished evaluations, then propose if a slot is due. Returns what was done. */
export async function runOnce(options: OnceOptions): Promise<string[]> {
  const { env, log } = options;
  const clock = options.clock ?? (() => new Date());
  const [owner, name] = (env.GITHUB_REPOSITORY ?? "").split("/");
  if (!owner || !name) throw new Error("GITHUB_REPOSITORY (owner/repo) is not set");
  const repo = { owner, repo: name };
  const { gh, app, viaActionsToken } = await connect(env, repo);
  const deps: WorkerDeps = {
    client: async () => gh,
    app,
    replicaId: `actions-${env.GITHUB_RUN_ID ?? "local"}`,
    clock,
    proposer: (config) => chooseProposer(config, env),
    dispatchAfterOpen: viaActionsToken,
    log,
  };
  const done: string[] = [];
  const run = async (delivery: string, job: Job) => {
    const stored: StoredJob = {
      seq: 0,
      delivery,
      installationId: 0,
      owner,
      repo: name,
      receivedAt: clock().toISOString(),
      attempts: 0,
      job,
    };
    await runJob(deps, stored);
    done.push(delivery);
  };

  const { config } = await loadRepoConfig(gh, repo);
  const candidates = new GitHubCandidateStore(gh, repo, { codecPath: config.codec });
  for (const pull of await candidates.listCandidatePulls()) {
    if (pull.state !== "open") continue;
    const { data } = await gh.rest.checks.listForRef({
      ...repo,
      ref: pull.headSha,
      check_name: CHECK_RUN_NAME,
    });
    const finished = data.check_runs.find((r) => r.status === "completed");
    if (finished)
      await run(`check-run-${finished.id}`, {
        kind: "check-run",
        checkRunId: finished.id,
        headSha: pull.headSha,
        adoptedBy: null,
      });
  }

  if (env.GITHUB_EVENT_NAME === "workflow_dispatch") {
    const trigger = `run-${env.GITHUB_RUN_ID ?? clock().getTime()}`;
    await run(trigger, {
      kind: "propose",
      trigger,
      count: config.github.proposalsPerSlot,
      focus: env.CODEC_EVOLVE_FOCUS || null,
      slot: null,
      reply: null,
    });
  } else if (config.github.schedule) {
    const slot = latestSlot(
      parseCron(config.github.schedule, config.github.timezone),
      clock(),
      options.lookbackMinutes ?? 180,
    );
    if (slot) {
      const at = slot.toISOString();
      await run(`schedule-${at}`, {
        kind: "propose",
        trigger: `schedule-${at}`,
        count: config.github.proposalsPerSlot,
        focus: null,
        slot: at,
        reply: null,
      });
    } else log.info(`no slot of "${config.github.schedule}" (${config.github.timezone}) is due`);
  } else
    log.info(
      "github.schedule is not set in .github/codec-evolve.yml: nothing to propose on schedule",
    );
  return done;
}
