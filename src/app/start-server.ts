/**
 * `codec-evolve app` / `npm start`: Probot's own server (`run`), configured
 * from the environment as any Probot app is (APP_ID, PRIVATE_KEY or
 * PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST and GHE_PROTOCOL, PORT, HOST,
 * LOG_LEVEL), plus OPENAI_API_KEY for the proposer, CODEC_EVOLVE_STATE_DIR
 * for the queue and CODEC_EVOLVE_SCHEDULE_INTERVAL_MS for the schedule tick.
 */
import { resolve } from "node:path";
import { run } from "probot";
import { codecEvolveApp } from "./app.js";

/** Start the server; resolves once it listens. */
export async function startAppServer(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const appId = Number(env.APP_ID);
  if (!Number.isInteger(appId) || appId <= 0) {
    throw new Error("APP_ID is not set: register the App from app.yml first (README, \"Run the App\")");
  }
  const interval = env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS === undefined ? 60_000 : Number(env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS);
  if (!Number.isFinite(interval) || interval < 0) {
    throw new Error(`CODEC_EVOLVE_SCHEDULE_INTERVAL_MS="${env.CODEC_EVOLVE_SCHEDULE_INTERVAL_MS}" is not a number of milliseconds (0 = no schedule)`);
  }
  await run(
    codecEvolveApp({
      stateDir: resolve(env.CODEC_EVOLVE_STATE_DIR ?? ".codec-evolve/app"),
      appId,
      env,
      scheduleIntervalMs: interval,
    }),
  );
}
