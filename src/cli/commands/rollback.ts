/** `codec-evolve rollback vK`: restore version K's codec as a new version. */
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/load-config.js";
import { rollbackToVersion, RollbackError } from "../../evolve/rollback.js";
import { gitCandidateStore } from "../../evolve/store/git-candidate-store.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, ExitError } from "../exit-error.js";

export const ROLLBACK_USAGE = `usage: codec-evolve rollback vK [--config FILE]

Makes version K's codec the next version on the versions branch (history is
kept; nothing is deleted) and records it in the ledger.`;

/** Run the rollback command; returns the exit code. */
export async function rollbackCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { config: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    io.stdout.write(`${ROLLBACK_USAGE}\n`);
    return EXIT.ok;
  }
  const match = positionals.length === 1 ? /^v?(\d+)$/.exec(positionals[0]!) : null;
  if (!match) throw new ExitError(`expected one version like v3\n\n${ROLLBACK_USAGE}`, EXIT.usage);
  const repoDir = await repositoryRoot(io.cwd);
  const { config } = await loadConfig(repoDir, values.config);
  try {
    const record = await rollbackToVersion({
      repoDir,
      version: Number(match[1]),
      store: gitCandidateStore({ repoDir, branch: config.evolve.branch }),
      clock: () => new Date(),
    });
    io.stdout.write(
      `v${record.version} (${record.id}) restores v${match[1]}: ${config.evolve.branch} is now ${record.versionCommit!.slice(0, 10)}\n`,
    );
    return EXIT.ok;
  } catch (error) {
    if (error instanceof RollbackError) throw new ExitError(error.message, EXIT.usage);
    throw error;
  }
}
