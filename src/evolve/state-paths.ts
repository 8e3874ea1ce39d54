/**
 * The one home of `.codec-evolve/` paths: ledger, lock, current run, pending
 * attempt, stored results, worktrees and the baseline cache. Build them here,
 * never by joining ".codec-evolve" elsewhere.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";

export const STATE_DIR = ".codec-evolve";

export interface StatePaths {
  dir: string;
  ledger: string;
  lock: string;
  run: string;
  pending: string;
  worktrees: string;
  /** Measured reference-encoder curves, reused across evaluations. */
  baselineCache: string;
  result(id: string): string;
}

/** Paths under `<repoDir>/.codec-evolve`. */
export function statePaths(repoDir: string): StatePaths {
  const dir = join(repoDir, STATE_DIR);
  return {
    dir,
    ledger: join(dir, "ledger.jsonl"),
    lock: join(dir, "lock"),
    run: join(dir, "run.json"),
    pending: join(dir, "pending.json"),
    worktrees: join(dir, "worktrees"),
    baselineCache: join(dir, "cache", "baselines"),
    result: (id) => join(dir, "results", `${id}.json`),
  };
}

/** Create the state folder with a .gitignore for the parts that are scratch, not history. */
export async function ensureStateDir(paths: StatePaths): Promise<void> {
  await mkdir(join(paths.dir, "results"), { recursive: true });
  const ignore = join(paths.dir, ".gitignore");
  if (!existsSync(ignore)) {
    await writeFile(
      ignore,
      "# scratch of codec-evolve; ledger.jsonl is the history worth keeping\nworktrees/\ncache/\nresults/\nlock\npending.json\n*.tmp\n",
    );
  }
}
