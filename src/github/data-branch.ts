/**
 * The bot's shared state on the orphan branch `codec-evolve-data`: read a
 * file at the tip, or change it by one commit and a non-force ref update.
 * When another writer moved the tip first the update is refused and the
 * change is recomputed on the new tip, so nobody overwrites anybody and no
 * lock is held across a crash.
 */
import { DATA_BRANCH } from "./names.js";
import type { GitHubClient, RepoRef } from "./client.js";
import { createCommit, createRef, moveBranch, readBranch, readFileAt } from "./git-data.js";

/** A file on the data branch; null when the branch or the file is absent. */
export async function readDataFile(
  gh: GitHubClient,
  repo: RepoRef,
  path: string,
): Promise<string | null> {
  const tip = await readBranch(gh, repo, DATA_BRANCH);
  return tip === null ? null : readFileAt(gh, repo, tip, path);
}

/** Thrown when the data branch kept moving under us for every attempt. */
export class DataBranchContention extends Error {
  override name = "DataBranchContention";
}

/**
 * Replace `path` with `change(current)`; `change` returns null to leave it as
 * it is (then nothing is committed). It may be called several times, once per
 * attempt, always with the content at the tip it is applied to. Returns the
 * value `change` produced last and whether it was committed.
 */
export async function updateDataFile(
  gh: GitHubClient,
  repo: RepoRef,
  path: string,
  change: (current: string | null) => string | null,
  message: string,
  attempts = 10,
): Promise<{ committed: boolean; content: string | null }> {
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const tip = await readBranch(gh, repo, DATA_BRANCH);
    const current = tip === null ? null : await readFileAt(gh, repo, tip, path);
    const next = change(current);
    if (next === null) return { committed: false, content: current };
    const commit = await createCommit(gh, repo, {
      parent: tip,
      files: [{ path, content: next }],
      message,
    });
    const moved =
      tip === null
        ? await createRef(gh, repo, `heads/${DATA_BRANCH}`, commit)
        : await moveBranch(gh, repo, DATA_BRANCH, commit, false);
    if (moved) return { committed: true, content: next };
    // Lost the race: jittered pause so that contending replicas do not collide again in lockstep.
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 50 * attempt));
  }
  throw new DataBranchContention(
    `${repo.owner}/${repo.repo}: ${DATA_BRANCH} moved under every one of ${attempts} attempts to update ${path}; try again later`,
  );
}
