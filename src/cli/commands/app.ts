/** `codec-evolve app`: the GitHub App's server, or with --once one Actions-only pass. */
import { parseArgs } from "node:util";
import { runOnce } from "../../app/actions-only.js";
import { startAppServer } from "../../app/start-server.js";
import type { CliIo } from "../cli-io.js";
import { EXIT } from "../exit-error.js";

export const APP_USAGE = `usage: codec-evolve app [--once]

Without options: start the GitHub App (Probot's server) with APP_ID,
PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, OPENAI_API_KEY, and GHE_HOST
for GitHub Enterprise. See README "Run the App".

--once   Actions-only mode: judge finished evaluations and propose for the
         schedule slot that is due, then exit (GITHUB_REPOSITORY, GITHUB_TOKEN
         or APP_ID + PRIVATE_KEY). Used by codec-evolve-propose.yml.`;

/** Run the app command; the server keeps the process alive until SIGINT. */
export async function appCommand(argv: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { once: { type: "boolean" }, help: { type: "boolean", short: "h" } } });
  if (values.help) {
    io.stdout.write(`${APP_USAGE}\n`);
    return EXIT.ok;
  }
  if (values.once) {
    const done = await runOnce({
      env: process.env,
      log: { info: (m) => io.stdout.write(`${m}\n`), error: (m) => io.stderr.write(`${m}\n`) },
    });
    io.stdout.write(`done: ${done.join(", ") || "nothing to do"}\n`);
    return EXIT.ok;
  }
  await startAppServer(process.env);
  return EXIT.ok;
}
