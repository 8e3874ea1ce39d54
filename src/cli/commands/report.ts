/** `codec-evolve report --out DIR`: build the static dashboard from the ledger and the stored results. */
import { resolve } from "node:path";
import { buildSite } from "../../dashboard/build-site.js";
import { readLedger } from "../../evolve/ledger/ledger-file.js";
import { statePaths } from "../../evolve/state-paths.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, ExitError } from "../exit-error.js";
import { defineCommand, flag, rejectValue } from "../flags.js";

/** The report command's flags; its usage text is generated from them. */
export const REPORT = defineCommand({
  name: "report",
  args: "",
  positionals: { min: 0, max: 0 },
  description: `Builds a static dashboard (evolution timeline, RD curves per clip of every
version against its parent and x265, failures over time, lineage, tiers) that
works offline: open DIR/index.html, or serve DIR with any static web server.`,
  flags: {
    out: flag.string("DIR", "folder to write the site into (required)"),
    ledger: flag.string(
      "FILE",
      "ledger to read (default: .codec-evolve/ledger.jsonl of this repository)",
    ),
    results: flag.string("DIR", "stored results, <id>.json (default: .codec-evolve/results)"),
    "repo-url": flag.custom(
      "URL",
      "repository URL for diff links (default: from GITHUB_SERVER_URL and GITHUB_REPOSITORY)",
      (text, name) =>
        /^https?:\/\/\S+$/.test(text)
          ? text.replace(/\/+$/, "")
          : rejectValue(name, text, "an http(s) URL"),
    ),
  },
});

/** Run the report command; returns the exit code. */
export async function reportCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values } = REPORT.parse(argv);
  if (help) {
    io.stdout.write(`${REPORT.usage}\n`);
    return EXIT.ok;
  }
  if (!values.out) throw new ExitError(`--out DIR is required\n\n${REPORT.usage}`, EXIT.usage);
  // Only look for the repository when a default path needs it: the Pages workflow passes both.
  const paths = values.ledger && values.results ? null : statePaths(await repositoryRoot(io.cwd));
  const ledgerPath = values.ledger ? resolve(io.cwd, values.ledger) : paths!.ledger;
  const resultsDir = values.results
    ? resolve(io.cwd, values.results)
    : resolve(paths!.dir, "results");
  const { records, tornTail } = await readLedger(ledgerPath);
  if (tornTail !== null)
    io.stderr.write(`warning: ${ledgerPath} ends in a torn line; it is left out\n`);
  const env = io.env;
  const repoUrl =
    values["repo-url"] ??
    (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
      ? `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`
      : null);
  const site = await buildSite({
    records,
    resultsDir,
    outDir: resolve(io.cwd, values.out),
    repoUrl,
  });
  io.stderr.write(
    `dashboard of ${records.length} attempt(s) written to ${site.index}` +
      (site.missingResults.length
        ? `; ${site.missingResults.length} with figures but no readable results file (shown without curves)`
        : "") +
      "\n",
  );
  return EXIT.ok;
}
