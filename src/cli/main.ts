/** The `codec-evolve` command line: dispatch to a command, turn every thrown value into an exit code. */
import type { CliIo } from "./cli-io.js";
import { appCommand } from "./commands/app.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { evolveCommand } from "./commands/evolve.js";
import { historyCommand } from "./commands/history.js";
import { mergeResultsCommand } from "./commands/merge-results.js";
import { reportCommand } from "./commands/report.js";
import { rollbackCommand } from "./commands/rollback.js";
import { statusCommand } from "./commands/status.js";
import { exitReportFor } from "./exit-code-for.js";
import { EXIT } from "./exit-error.js";

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  evaluate: evaluateCommand,
  evolve: evolveCommand,
  status: statusCommand,
  history: historyCommand,
  report: reportCommand,
  rollback: rollbackCommand,
  app: appCommand,
  "merge-results": mergeResultsCommand,
};

export const USAGE = `usage: codec-evolve <command> [options]

commands:
  evaluate CODEC.py   score a codec on clips against x265 and JPEG (see evaluate --help)
  evolve              run generations of the evolution loop (see evolve --help)
  status              current best version, recent attempts, failure report
  history             every adopted version with its figures
  report --out DIR    static dashboard of the ledger: charts, RD curves, lineage
  rollback vK         restore version K as a new version
  app [--once]        the GitHub App's server, or one Actions-only pass (see app --help)
  merge-results A.json B.json ... --json ALL.json
                      merge the results of evaluate --shard I/N into one

exit codes:
  0  success
  1  the codec failed evaluation
  2  usage: a flag, the config or a file named on the command line is wrong
  3  environment: a program (ffmpeg, git, Python), the LLM endpoint or the installation is missing or unreachable
  4  internal error: a bug in codec-evolve (the stack is printed)
  130  interrupted (Ctrl-C)`;

/** Run the CLI with argv (without node and script); returns the exit code. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    io.stdout.write(`${USAGE}\n`);
    return name ? EXIT.ok : EXIT.usage;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`codec-evolve: unknown command "${name}"\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  try {
    return await command(rest, io);
  } catch (error) {
    const report = exitReportFor(error);
    io.stderr.write(`codec-evolve ${name}: ${report.message}\n`);
    return report.code;
  }
}
