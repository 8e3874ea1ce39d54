/**
 * Commits through the Git Data API, as Renovate does (`pushFiles`): one tree
 * with inline contents on a base tree, one commit, then a ref update. No
 * custom author: authenticated as the App, GitHub attributes and signs the
 * commit. A non-force ref update only succeeds as a fast-forward, which makes
 * it a compare-and-swap: a writer that lost the race sees `false` and retries
 * on the new tip.
 */
import { httpStatus, type GitHubClient, type RepoRef } from "./client.js";

/** One file of a commit: new content, or null to delete it. */
export interface FileChange {
  path: string;
  content: string | null;
}

/** The commit a branch points at, or null when the branch does not exist. */
export async function readBranch(
  gh: GitHubClient,
  repo: RepoRef,
  branch: string,
): Promise<string | null> {
  try {
    const { data } = await gh.rest.git.getRef({ ...repo, ref: `heads/${branch}` });
    return data.object.sha;
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/** A file's text at a commit (or ref), null when absent there. */
export async function readFileAt(
  gh: GitHubClient,
  repo: RepoRef,
  ref: string,
  path: string,
): Promise<string | null> {
  try {
    const { data } = await gh.rest.repos.getContent({ ...repo, path, ref });
    if (Array.isArray(data) || data.type !== "file") {
      throw new Error(`${path} at ${ref} in ${repo.owner}/${repo.repo} is not a file`);
    }
    // Files over 1 MB come without content from this endpoint: read the blob instead.
    if (data.encoding === "none" || data.content === undefined) {
      const blob = await gh.rest.git.getBlob({ ...repo, file_sha: data.sha });
      return Buffer.from(blob.data.content, "base64").toString("utf8");
    }
    return Buffer.from(data.content, "base64").toString("utf8");
  } catch (error) {
    if (httpStatus(error) === 404) return null;
    throw error;
  }
}

/** The tree of a commit. */
export async function treeOf(gh: GitHubClient, repo: RepoRef, commit: string): Promise<string> {
  const { data } = await gh.rest.git.getCommit({ ...repo, commit_sha: commit });
  return data.tree.sha;
}

/**
 * Create one commit: `files` changed on top of `parent`'s tree (or an empty
 * tree when parent is null: an orphan commit). Returns its sha; no ref moves.
 */
export async function createCommit(
  gh: GitHubClient,
  repo: RepoRef,
  input: {
    parent: string | null;
    files: readonly FileChange[];
    message: string;
    baseTree?: string;
  },
): Promise<string> {
  const baseTree =
    input.baseTree ?? (input.parent ? await treeOf(gh, repo, input.parent) : undefined);
  const { data: tree } = await gh.rest.git.createTree({
    ...repo,
    ...(baseTree ? { base_tree: baseTree } : {}),
    tree: input.files.map((file) =>
      file.content === null
        ? { path: file.path, mode: "100644" as const, type: "blob" as const, sha: null }
        : {
            path: file.path,
            mode: "100644" as const,
            type: "blob" as const,
            content: file.content,
          },
    ),
  });
  const { data: commit } = await gh.rest.git.createCommit({
    ...repo,
    message: input.message,
    tree: tree.sha,
    parents: input.parent ? [input.parent] : [],
  });
  return commit.sha;
}

/** A commit of an existing tree with the given parents (e.g. a version commit that merges a PR's head). */
export async function commitTree(
  gh: GitHubClient,
  repo: RepoRef,
  input: { tree: string; parents: readonly string[]; message: string },
): Promise<string> {
  const { data } = await gh.rest.git.createCommit({
    ...repo,
    message: input.message,
    tree: input.tree,
    parents: [...input.parents],
  });
  return data.sha;
}

/** Create `ref` ("heads/x" or "tags/x") at `sha`; false when it already exists. */
export async function createRef(
  gh: GitHubClient,
  repo: RepoRef,
  ref: string,
  sha: string,
): Promise<boolean> {
  try {
    await gh.rest.git.createRef({ ...repo, ref: `refs/${ref}`, sha });
    return true;
  } catch (error) {
    if (httpStatus(error) === 422) return false;
    throw error;
  }
}

/**
 * Move branch to `sha`. Without force this is the compare-and-swap: it only
 * succeeds when `sha` descends from the current tip; false when it does not.
 */
export async function moveBranch(
  gh: GitHubClient,
  repo: RepoRef,
  branch: string,
  sha: string,
  force = false,
): Promise<boolean> {
  try {
    await gh.rest.git.updateRef({ ...repo, ref: `heads/${branch}`, sha, force });
    return true;
  } catch (error) {
    if (httpStatus(error) === 422) return false;
    throw error;
  }
}
