/**
 * The App's clock: every tick, for every repository of every installation,
 * read `github.schedule` from the default branch and queue the latest slot
 * that is due (looking back an hour, so a restart catches up a slot it
 * missed). The delivery key `schedule:<repo>:<slot>` keeps one replica from
 * queueing a slot twice; the lease on the data branch (claimed when the job
 * runs) keeps every replica, across restarts, from running it twice.
 */
import { latestSlot, parseCron } from "../../config/cron.js";
import type { GitHubClient } from "../../github/client.js";
import type { JobQueue } from "../job-queue.js";
import { loadRepoConfig } from "../repo-config.js";

export interface TickDeps {
  /** Installations of the App and a client for each. */
  installations: () => Promise<Array<{ id: number; gh: GitHubClient }>>;
  queue: JobQueue;
  clock: () => Date;
  log: { info(message: string): void; error(message: string): void };
}

/** One pass over every installed repository; returns the slots queued. */
export async function scheduleTick(deps: TickDeps): Promise<string[]> {
  const queued: string[] = [];
  const now = deps.clock();
  for (const installation of await deps.installations()) {
    const repos = await installation.gh.paginate(
      installation.gh.rest.apps.listReposAccessibleToInstallation,
      { per_page: 100 },
    );
    for (const r of repos) {
      const repo = { owner: r.owner.login, repo: r.name };
      try {
        const { config } = await loadRepoConfig(installation.gh, repo);
        if (!config.github.schedule) continue;
        const slot = latestSlot(parseCron(config.github.schedule, config.github.timezone), now, 60);
        if (!slot) continue;
        const key = `schedule:${repo.owner}/${repo.repo}:${slot.toISOString()}`;
        const outcome = await deps.queue.accept(key, installation.id, repo, {
          kind: "propose",
          trigger: `schedule-${slot.toISOString()}`,
          count: config.github.proposalsPerSlot,
          focus: null,
          slot: slot.toISOString(),
          reply: null,
        });
        if (outcome === "queued") queued.push(key);
      } catch (error) {
        deps.log.error(`schedule: ${repo.owner}/${repo.repo}: ${(error as Error).message}`);
      }
    }
  }
  return queued;
}

/** Tick now and then every `intervalMs`; returns a stop function. */
export function startScheduleTicker(deps: TickDeps, intervalMs: number): () => void {
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const queued = await scheduleTick(deps);
      for (const key of queued) deps.log.info(`queued ${key}`);
    } catch (error) {
      deps.log.error(`schedule tick failed: ${(error as Error).message}`);
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
