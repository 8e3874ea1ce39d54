/**
 * The local candidate store: commits are built with git plumbing (blobs,
 * a private index, commit-tree, compare-and-swap update-ref), so neither the
 * user's working tree nor their index is ever touched, and a crash at any
 * point leaves either the old ref or the new one. Checkouts for the evaluator
 * are worktrees under `.codec-evolve/worktrees/`.
 */
import { mkdir, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve as resolvePath } from "node:path";
import type {
  CandidateStore,
  Checkout,
  CheckoutProvider,
  VersionCommit,
} from "./candidate-store.js";
import { GitError, runGit } from "./run-git.js";
import { statePaths } from "../state-paths.js";

export const CANDIDATE_BRANCH_PREFIX = "codec-evolve/candidate-";
const VERSION_SUBJECT = /^Autonomous Code Evolution - v(\d+)\s*$/;
const CANDIDATE_LINE = /^Candidate: (\S+)\s*$/m;

export interface GitStoreOptions {
  repoDir: string;
  branch: string;
  /** Where worktrees go; default `<repo>/.codec-evolve/worktrees`. */
  worktreesDir?: string;
}

/** A CandidateStore over the git repository at `repoDir`, with worktree checkouts for the evaluator. */
export function gitCandidateStore(options: GitStoreOptions): CandidateStore & CheckoutProvider {
  const cwd = options.repoDir;
  const branchRef = `refs/heads/${options.branch}`;
  const worktrees = options.worktreesDir ?? statePaths(cwd).worktrees;
  let identity: NodeJS.ProcessEnv | null = null;

  const git = (
    args: string[],
    extra: { input?: string; env?: NodeJS.ProcessEnv; okCodes?: number[] } = {},
  ) => runGit(args, { cwd, ...extra });

  /** Commit identity: the user's when configured, else a neutral one so commits never fail. */
  const commitEnv = async (): Promise<NodeJS.ProcessEnv> => {
    if (identity) return identity;
    const name = (await git(["config", "user.name"], { okCodes: [1] })).stdout.trim();
    const email = (await git(["config", "user.email"], { okCodes: [1] })).stdout.trim();
    identity = {
      ...(name ? {} : { GIT_AUTHOR_NAME: "codec-evolve", GIT_COMMITTER_NAME: "codec-evolve" }),
      ...(email
        ? {}
        : {
            GIT_AUTHOR_EMAIL: "codec-evolve@localhost",
            GIT_COMMITTER_EMAIL: "codec-evolve@localhost",
          }),
    };
    return identity;
  };

  /** The tree of `base` with `paths` as they are in `source` (removed where `source` lacks them). */
  const overlayTree = async (
    base: string,
    source: string,
    paths: readonly string[],
  ): Promise<string> => {
    const index = join(tmpdir(), `codec-evolve-adopt-${process.pid}-${Date.now()}`);
    const env = { GIT_INDEX_FILE: index };
    try {
      await git(["read-tree", base], { env });
      for (const path of paths) {
        const listed = (await git(["ls-tree", source, "--", path])).stdout;
        const entry = /^(\d{6}) blob ([0-9a-f]+)\t/.exec(listed);
        await git(
          entry
            ? ["update-index", "--add", "--cacheinfo", `${entry[1]},${entry[2]},${path}`]
            : ["update-index", "--force-remove", "--", path],
          { env },
        );
      }
      return (await git(["write-tree"], { env })).stdout.trim();
    } finally {
      await rm(index, { force: true });
    }
  };

  const resolveRef = async (ref: string): Promise<string | null> => {
    const { stdout, code } = await git(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], {
      okCodes: [1],
    });
    return code === 0 ? stdout.trim() : null;
  };

  const listVersions = async (): Promise<VersionCommit[]> => {
    if (!(await resolveRef(branchRef))) return [];
    const { stdout } = await git(["log", "--first-parent", "--format=%H%x1f%B%x1e", branchRef]);
    const versions: VersionCommit[] = [];
    for (const entry of stdout.split("\x1e")) {
      const [hash, body] = entry.trim().split("\x1f");
      if (!hash || body === undefined) continue;
      const subject = VERSION_SUBJECT.exec(body.split("\n")[0] ?? "");
      if (!subject) continue;
      versions.push({
        commit: hash,
        version: Number(subject[1]),
        candidateId: CANDIDATE_LINE.exec(body)?.[1] ?? null,
      });
    }
    return versions.reverse();
  };

  /**
   * A git process killed while moving one of our refs leaves `<ref>.lock`,
   * which blocks every later update. Only codec-evolve writes these refs and
   * prepare() runs under the ledger lock, so such a lock is stale.
   */
  const removeStaleRefLocks = async () => {
    const common = (await git(["rev-parse", "--git-common-dir"])).stdout.trim();
    const heads = resolvePath(cwd, common, "refs", "heads");
    const locks = [join(heads, `${options.branch}.lock`)];
    const candidates = join(heads, dirname(`${CANDIDATE_BRANCH_PREFIX}x`));
    for (const entry of await readdir(candidates).catch(() => [] as string[])) {
      if (entry.endsWith(".lock")) locks.push(join(candidates, entry));
    }
    for (const lock of locks) await rm(lock, { force: true });
  };

  return {
    async prepare() {
      const worktreeList = (await git(["worktree", "list", "--porcelain"])).stdout;
      const holders = worktreeList
        .split("\n\n")
        .filter(
          (block) =>
            block.includes(`branch ${branchRef}\n`) || block.endsWith(`branch ${branchRef}`),
        );
      if (holders.length > 0) {
        const path = /^worktree (.+)$/m.exec(holders[0]!)?.[1] ?? "a worktree";
        throw new GitError(
          `${options.branch} is checked out in ${path}; codec-evolve adds versions to that branch without touching working trees, so switch that checkout to another branch first`,
        );
      }
      await removeStaleRefLocks();
      const tip = await resolveRef(branchRef);
      if (tip) return { branch: options.branch, tip, created: false };
      const head = await resolveRef("HEAD");
      if (!head) throw new GitError(`${cwd} has no commit yet; commit the codec first`);
      await git(["update-ref", branchRef, head, ""]);
      return { branch: options.branch, tip: head, created: true };
    },

    async readFile(commit, path) {
      const { stdout, code } = await git(["cat-file", "blob", `${commit}:${path}`], {
        okCodes: [128],
      });
      return code === 0 ? stdout : null;
    },

    async createCandidate({ id, parentCommit, files, message }) {
      const branch = `${CANDIDATE_BRANCH_PREFIX}${id}`;
      const existing = await resolveRef(`refs/heads/${branch}`);
      if (existing) return { id, commit: existing, branch, url: null };
      // Built on the versions branch's tip, as on GitHub: a parent that is an older leader
      // (several sessions back) lends its files only through the edits, never its whole tree.
      const base = (await resolveRef(branchRef)) ?? parentCommit;
      const index = join(tmpdir(), `codec-evolve-index-${process.pid}-${id}`);
      const env = { GIT_INDEX_FILE: index };
      try {
        await git(["read-tree", base], { env });
        for (const file of files) {
          const blob = (
            await git(["hash-object", "-w", "--stdin"], { input: file.after })
          ).stdout.trim();
          const listed = (await git(["ls-tree", base, "--", file.path])).stdout;
          const mode = /^(\d{6}) blob /.exec(listed)?.[1] ?? "100644";
          await git(["update-index", "--add", "--cacheinfo", `${mode},${blob},${file.path}`], {
            env,
          });
        }
        const tree = (await git(["write-tree"], { env })).stdout.trim();
        const commit = (
          await git(["commit-tree", tree, "-p", base, "-F", "-"], {
            input: message,
            env: await commitEnv(),
          })
        ).stdout.trim();
        // Create-only: if a crashed earlier run made the branch meanwhile, keep that one.
        const created = await git(["update-ref", `refs/heads/${branch}`, commit, ""], {
          okCodes: [128],
        });
        if (created.code !== 0)
          return { id, commit: (await resolveRef(`refs/heads/${branch}`))!, branch, url: null };
        return { id, commit, branch, url: null };
      } finally {
        await rm(index, { force: true });
      }
    },

    async closeCandidate() {
      // Locally a rejected candidate keeps its branch, for `git diff` and the history command.
    },

    async checkout(commit: string, name: string): Promise<Checkout> {
      const dir = join(worktrees, name);
      await mkdir(worktrees, { recursive: true });
      // A worktree left by a killed run is replaced, not reused: its files may be half written.
      // A killed `worktree add` leaves the worktree locked ("initializing"): unlock, then force twice.
      await git(["worktree", "unlock", dir], { okCodes: [128] });
      await git(["worktree", "remove", "--force", "--force", dir], { okCodes: [128] });
      await rm(dir, { recursive: true, force: true });
      await git(["worktree", "prune"]);
      await git(["worktree", "add", "--force", "--force", "--detach", dir, commit]);
      return {
        dir,
        release: async () => {
          await git(["worktree", "remove", "--force", dir], { okCodes: [128] });
          await rm(dir, { recursive: true, force: true });
        },
      };
    },

    listVersions,

    async adopt({ version, candidateId, sourceCommit, message, expectedTip, paths }) {
      const existing = (await listVersions()).find((v) => v.version === version);
      if (existing) {
        if (existing.candidateId === candidateId) return { ok: true, commit: existing.commit };
        throw new GitError(
          `v${version} already exists on ${options.branch} (${existing.commit.slice(0, 10)}, candidate ${existing.candidateId ?? "unknown"}); the ledger and the branch disagree`,
        );
      }
      const tip = await resolveRef(branchRef);
      if (!tip) throw new GitError(`branch ${options.branch} does not exist`);
      if (expectedTip !== undefined && tip !== expectedTip) return { ok: false, tip };
      const tree = paths
        ? await overlayTree(tip, sourceCommit, paths)
        : (await git(["rev-parse", `${sourceCommit}^{tree}`])).stdout.trim();
      const parents = tip === sourceCommit ? ["-p", tip] : ["-p", tip, "-p", sourceCommit];
      const commit = (
        await git(["commit-tree", tree, ...parents, "-F", "-"], {
          input: message,
          env: await commitEnv(),
        })
      ).stdout.trim();
      // Compare-and-swap: fails rather than overwrite a tip that moved under us.
      await git(["update-ref", branchRef, commit, tip]);
      return { ok: true, commit };
    },
  };
}
