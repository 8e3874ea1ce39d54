/** `codec-evolve history`: every version with its figures and the tier it reached against x265. */
import { readLedger } from "../../evolve/ledger/ledger-file.js";
import { renderAttemptsTable, renderVersionsTable } from "../../evolve/report/tables.js";
import { statePaths } from "../../evolve/state-paths.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import { painter, wantsColour } from "../../format/colour.js";
import type { CliIo } from "../cli-io.js";
import { EXIT } from "../exit-error.js";
import { defineCommand, flag } from "../flags.js";

/** The history command's flags; its usage text is generated from them. */
export const HISTORY = defineCommand({
  name: "history",
  args: "",
  positionals: { min: 0, max: 0 },
  description: `Prints every adopted version (bitrate, compression, PSNR, BD-rate against the
previous version and against x265, tier reached: 50%, 70%, 90% fewer bits than
x265 at equal quality).`,
  flags: {
    all: flag.boolean("also list every attempt, not only versions"),
    json: flag.boolean("print the ledger records as JSON"),
  },
});

/** Run the history command; returns the exit code. */
export async function historyCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values } = HISTORY.parse(argv);
  if (help) {
    io.stdout.write(`${HISTORY.usage}\n`);
    return EXIT.ok;
  }
  const { records } = await readLedger(statePaths(await repositoryRoot(io.cwd)).ledger);
  if (values.json) {
    const shown = values.all ? records : records.filter((r) => r.version !== null);
    io.stdout.write(`${JSON.stringify(shown, null, 2)}\n`);
    return EXIT.ok;
  }
  if (records.length === 0) {
    io.stdout.write("no versions yet; run codec-evolve evolve first\n");
    return EXIT.ok;
  }
  const paint = painter(wantsColour(io.stdout, io.env));
  io.stdout.write(`${renderVersionsTable(records, paint)}\n`);
  if (values.all) io.stdout.write(`\nall attempts:\n${renderAttemptsTable(records, paint)}\n`);
  return EXIT.ok;
}
