/**
 * `codec-evolve app` / `npm start`: Probot's own server (`run`), configured
 * from the environment as any Probot app is (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST and GHE_PROTOCOL, PORT, HOST,
 * LOG_LEVEL, WEBHOOK_PATH), plus OPENAI_API_KEY for the proposer, CODEC_EVOLVE_STATE_DIR
 * for the queue and CODEC_EVOLVE_SCHEDULE_INTERVAL_MS for the schedule tick.
 */
import { resolve } from "node:path";
import { ProbotOctokit, run } from "probot";
import { retrySecondaryRateLimit } from "../github/secondary-rate-limit.js";
import { codecEvolveApp, DEFAULT_WEBHOOK_PATH } from "./app.js";

/** Start the server; resolves once it listens. */
export async function startAppServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  // Without APP_ID Probot starts its setup page, which registers the App from ./app.yml
  // (GitHub's manifest flow) and writes APP_ID, PRIVATE_KEY and WEBHOOK_SECRET into .env.
  const appId = Number(env.APP_ID ?? 0);
  if (!Number.isInteger(appId) || appId < 0) {
    throw new Error(`APP_ID="${env.APP_ID}" is not a GitHub App id (a positive integer)`);
  }
  const interval =
    env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS === undefined
      ? 60_000
      : Number(env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS);
  if (!Number.isFinite(interval) || interval < 0) {
    throw new Error(
      `CODEC_EVOLVE_SCHEDULE_INTERVAL_MS="${env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS}" is not a number of milliseconds (0 = no schedule)`,
    );
  }
  const webhookPath = env.WEBHOOK_PATH || DEFAULT_WEBHOOK_PATH;
  await run(
    codecEvolveApp({
      stateDir: resolve(env.CODEC_EVOLVE_STATE_DIR ?? ".codec-evolve/app"),
      appId,
      env,
      scheduleIntervalMs: interval,
      webhookPath,
      ...(env.WEBHOOK_SECRET ? { webhookSecret: env.WEBHOOK_SECRET } : {}),
    }),
    {
      Octokit: ProbotOctokit.plugin(retrySecondaryRateLimit),
      // The App's own handler answers on webhookPath (webhook-ack.ts). Probot's server puts its
      // webhook route first, so that route is moved to a path GitHub never posts to.
      // A view, not a copy: run() loads .env into process.env first and reads it afterwards.
      env: new Proxy(env, {
        get: (target, key) =>
          key === "WEBHOOK_PATH"
            ? `${webhookPath.replace(/\/$/, "")}/probot-unused`
            : target[key as string],
      }),
    },
  );
}
