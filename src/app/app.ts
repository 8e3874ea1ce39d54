/**
 * The Probot application: webhook handlers that only persist a job and
 * return (GitHub waits at most 10 s; we answer in milliseconds), the worker
 * that runs jobs one repository at a time, and the schedule ticker.
 */
import { randomUUID } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ApplicationFunction, ApplicationFunctionOptions, Probot } from "probot";
import type { Config } from "../config/schema.js";
import type { Proposer } from "../evolve/proposers/proposer.js";
import type { GitHubClient } from "../github/client.js";
import { chooseProposer } from "./choose-proposer.js";
import { JobQueue } from "./job-queue.js";
import { runJob } from "./run-job.js";
import { startScheduleTicker } from "./schedule/schedule-ticker.js";
import { webhookAckHandler } from "./webhook-ack.js";
import { verifySignature } from "./webhook-signature.js";

export interface CodecEvolveAppOptions {
  /** Where the queue and the replica id live (CODEC_EVOLVE_STATE_DIR). */
  stateDir: string;
  /** This App's id (APP_ID): its check runs and PRs are the trusted ones. */
  appId: number;
  env: NodeJS.ProcessEnv;
  /** Schedule tick period; 0 turns the schedule off. */
  scheduleIntervalMs: number;
  clock?: () => Date;
  proposer?: (config: Config) => Proposer;
  /** WEBHOOK_SECRET, to check signatures without Web Crypto (webhook-signature.ts); else Probot's check. */
  webhookSecret?: string;
  /** The path GitHub posts webhooks to (WEBHOOK_PATH); default /api/github/webhooks. */
  webhookPath?: string;
  /** Tests and the bench get the queue and a stop function once the app is loaded. */
  onReady?: (handle: AppHandle) => void;
}

export interface AppHandle {
  queue: JobQueue;
  stop: () => void;
}

/** Where GitHub posts webhooks unless WEBHOOK_PATH says otherwise (Probot's default). */
export const DEFAULT_WEBHOOK_PATH = "/api/github/webhooks";

/** The replica's persistent id: who holds a schedule lease. */
async function replicaId(stateDir: string): Promise<string> {
  const path = join(stateDir, "replica-id");
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    const id = `replica-${randomUUID()}`;
    await mkdir(stateDir, { recursive: true });
    await writeFile(path, `${id}\n`);
    return id;
  }
}

/** Build the Probot application function. */
export function codecEvolveApp(options: CodecEvolveAppOptions): ApplicationFunction {
  return async (app: Probot, { addHandler }: ApplicationFunctionOptions) => {
    const clock = options.clock ?? (() => new Date());
    let slug: string | null = null;
    const appIdentity = async () => {
      if (!slug) {
        const gh = (await app.auth()) as GitHubClient;
        slug = (await gh.rest.apps.getAuthenticated()).data?.slug ?? "codec-evolve";
      }
      return { id: options.appId, slug };
    };
    const holder = await replicaId(options.stateDir);
    const queue = new JobQueue({
      dir: options.stateDir,
      log: { info: (m) => app.log.info(m), error: (m) => app.log.error(m) },
      run: async (stored) =>
        runJob(
          {
            client: async (id) => (await app.auth(id)) as GitHubClient,
            app: await appIdentity(),
            replicaId: holder,
            clock,
            proposer: options.proposer ?? ((config) => chooseProposer(config, options.env)),
            dispatchAfterOpen: false,
            log: { info: (m) => app.log.info(m), error: (m) => app.log.error(m) },
          },
          stored,
        ),
    });
    await queue.start();

    // The webhook endpoint answers once the job is durable; Probot's own route is not used (webhook-ack.ts).
    addHandler(
      webhookAckHandler({
        path: options.webhookPath ?? DEFAULT_WEBHOOK_PATH,
        verify: async (body, signature) =>
          options.webhookSecret
            ? verifySignature(options.webhookSecret, body, signature)
            : app.webhooks.verify(body, signature),
        queue,
        log: { error: (m) => app.log.error(m) },
      }),
    );

    let stopTicker = () => {};
    if (options.scheduleIntervalMs > 0) {
      stopTicker = startScheduleTicker(
        {
          installations: async () => {
            const gh = (await app.auth()) as GitHubClient;
            const list = await gh.paginate(gh.rest.apps.listInstallations, { per_page: 100 });
            return Promise.all(
              list.map(async (i) => ({ id: i.id, gh: (await app.auth(i.id)) as GitHubClient })),
            );
          },
          queue,
          clock,
          log: { info: (m) => app.log.info(m), error: (m) => app.log.error(m) },
        },
        options.scheduleIntervalMs,
      );
    }
    options.onReady?.({ queue, stop: stopTicker });
  };
}
