/** `codec-evolve rollback vK`: restore version K's codec as a new version. */
import { loadConfig } from "../../config/load-config.js";
import { rollbackToVersion, RollbackError } from "../../evolve/rollback.js";
import { gitCandidateStore } from "../../evolve/store/git-candidate-store.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import type { CliIo } from "../cli-io.js";
import { CONFIG_FLAGS } from "../common-flags.js";
import { EXIT, ExitError } from "../exit-error.js";
import { defineCommand } from "../flags.js";

/** The rollback command's argument and flags; its usage text is generated from them. */
export const ROLLBACK = defineCommand({
  name: "rollback",
  args: "vK",
  positionals: { min: 1, max: 1 },
  description: `Makes version K's codec the next version on the versions branch (history is
kept; nothing is deleted) and records it in the ledger.`,
  flags: { ...CONFIG_FLAGS },
});

/** Run the rollback command; returns the exit code. */
export async function rollbackCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values, positionals } = ROLLBACK.parse(argv);
  if (help) {
    io.stdout.write(`${ROLLBACK.usage}\n`);
    return EXIT.ok;
  }
  const match = /^v?(\d+)$/.exec(positionals[0]!);
  if (!match) {
    throw new ExitError(
      `expected a version like v3, got "${positionals[0]}"\n\n${ROLLBACK.usage}`,
      EXIT.usage,
    );
  }
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
