/** The top folder of the git repository holding a directory, with an actionable error outside one. */
import { runGit } from "./run-git.js";

/** The folder is not inside a git repository (a usage problem: run the command in one). */
export class NotInRepositoryError extends Error {
  override name = "NotInRepositoryError";
}

/** `git rev-parse --show-toplevel` of `cwd`, or null outside a repository. */
export async function findRepositoryRoot(cwd: string): Promise<string | null> {
  const { stdout, code } = await runGit(["rev-parse", "--show-toplevel"], {
    cwd,
    okCodes: [128],
  });
  return code === 0 ? stdout.trim() : null;
}

/** `git rev-parse --show-toplevel` of `cwd`; throws NotInRepositoryError outside a repository. */
export async function repositoryRoot(cwd: string): Promise<string> {
  const root = await findRepositoryRoot(cwd).catch(() => null);
  if (root === null) {
    throw new NotInRepositoryError(
      `${cwd} is not inside a git repository; codec-evolve keeps candidates and versions as git commits, so run it in your codec's repository (git init; git add; git commit first)`,
    );
  }
  return root;
}
