/** The `codec-evolve` command line: dispatch to a command, turn every thrown value into an exit code. */
import type { CliIo } from "./cli-io.js";
import { evaluateCommand } from "./commands/evaluate.js";
import { evolveCommand } from "./commands/evolve.js";
import { historyCommand } from "./commands/history.js";
import { rollbackCommand } from "./commands/rollback.js";
import { statusCommand } from "./commands/status.js";
import { EXIT, ExitError } from "./exit-error.js";

const COMMANDS: Record<string, (argv: string[], io: CliIo) => Promise<number>> = {
  evaluate: evaluateCommand,
  evolve: evolveCommand,
  status: statusCommand,
  history: historyCommand,
  rollback: rollbackCommand,
};

export const USAGE = `usage: codec-evolve <command> [options]

commands:
  evaluate CODEC.py   score a codec on clips against x265 and JPEG (see evaluate --help)
  evolve              run generations of the evolution loop (see evolve --help)
  status              current best version, recent attempts, failure report
  history             every adopted version with its figures
  rollback vK         restore version K as a new version`;

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
    if (error instanceof ExitError) {
      io.stderr.write(`codec-evolve ${name}: ${error.message}\n`);
      return error.code;
    }
    // parseArgs and config errors are the user's to fix: show the message, not a stack.
    const code = (error as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`codec-evolve ${name}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    if ((error as Error)?.name === "ConfigError" || (error as Error)?.name === "ClipError") {
      io.stderr.write(`codec-evolve ${name}: ${(error as Error).message}\n`);
      return EXIT.usage;
    }
    io.stderr.write(
      `codec-evolve ${name}: unexpected error\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    return EXIT.usage;
  }
}
