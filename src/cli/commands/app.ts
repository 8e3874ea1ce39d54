/** `codec-evolve app`: the GitHub App's server, or with --once one Actions-only pass. */
import { runOnce } from "../../app/actions-only.js";
import { startAppServer } from "../../app/start-server.js";
import type { CliIo } from "../cli-io.js";
import { EXIT } from "../exit-error.js";
import { defineCommand, flag } from "../flags.js";

/** The app command's flags; its usage text is generated from them. */
export const APP = defineCommand({
  name: "app",
  args: "",
  positionals: { min: 0, max: 0 },
  description: `Without options: start the GitHub App (Probot's server) with APP_ID,
PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, OPENAI_API_KEY, and GHE_HOST
for GitHub Enterprise. See README "Run the App".`,
  flags: {
    once: flag.boolean(
      "Actions-only mode: judge finished evaluations and propose for the\n" +
        "schedule slot that is due, then exit (GITHUB_REPOSITORY, GITHUB_TOKEN\n" +
        "or APP_ID + PRIVATE_KEY). Used by codec-evolve-propose.yml.",
    ),
  },
});

/** Run the app command; the server keeps the process alive until SIGINT. */
export async function appCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values } = APP.parse(argv);
  if (help) {
    io.stdout.write(`${APP.usage}\n`);
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
