/** The top folder of the git repository holding a directory, with an actionable error outside one. */
import { runGit } from "./run-git.js";

/** `git rev-parse --show-toplevel` of `cwd`. */
export async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return (await runGit(["rev-parse", "--show-toplevel"], { cwd })).stdout.trim();
  } catch {
    throw new Error(
      `${cwd} is not inside a git repository; codec-evolve keeps candidates and versions as git commits, so run it in your codec's repository (git init; git add; git commit first)`,
    );
  }
}
