/**
 * The GitHub CandidateStore: a candidate is the branch
 * `codec-evolve/candidate-<id>` holding one commit on top of
 * `self-improved-framework` (made through the Git Data API), and a pull
 * request with the bot's labels, body and hidden meta block. The branch name
 * is the identity (as in Renovate): creating the ref is atomic, so two
 * replicas can never take the same id.
 */
import type { ChangedFile } from "../evolve/edits/apply-edits.js";
import { readCandidateMeta, type CandidateMeta } from "./candidate-meta.js";
import type { GitHubClient, RepoRef } from "./client.js";
import { createCommit, createRef, readBranch, readFileAt } from "./git-data.js";
import { candidateBranch, EVOLUTION_BRANCH, LABELS, versionTag } from "./names.js";

/** A PR the bot opened, with its parsed meta block (null when missing or edited into nonsense). */
export interface CandidatePull {
  number: number;
  state: "open" | "closed";
  merged: boolean;
  branch: string;
  headSha: string;
  author: string;
  authorType: string;
  labels: string[];
  createdAt: Date;
  body: string;
  meta: CandidateMeta | null;
}

/** Thrown when the id's branch already exists with other content. */
export class CandidateIdTaken extends Error {
  override name = "CandidateIdTaken";
}

export class GitHubCandidateStore {
  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
  ) {}

  /** Make sure self-improved-framework exists (created from the default branch); returns its tip. */
  async prepare(): Promise<{ branch: string; tip: string; created: boolean }> {
    const tip = await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
    if (tip) return { branch: EVOLUTION_BRANCH, tip, created: false };
    const { data } = await this.gh.rest.repos.get({ ...this.repo });
    const base = await readBranch(this.gh, this.repo, data.default_branch);
    if (!base) throw new Error(`${this.repo.owner}/${this.repo.repo}: the default branch ${data.default_branch} has no commit`);
    const created = await createRef(this.gh, this.repo, `heads/${EVOLUTION_BRANCH}`, base);
    // Another replica may have created it a moment earlier: read what is there.
    const now = created ? base : await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
    return { branch: EVOLUTION_BRANCH, tip: now!, created };
  }

  /** A file's content at a commit, null when absent. */
  readFile(commit: string, path: string): Promise<string | null> {
    return readFileAt(this.gh, this.repo, commit, path);
  }

  /** One commit with `files` on `parentCommit`, on the candidate's own branch (created now). */
  async commitCandidate(input: {
    id: string;
    parentCommit: string;
    files: readonly ChangedFile[];
    message: string;
  }): Promise<{ commit: string; branch: string }> {
    const branch = candidateBranch(input.id);
    const commit = await createCommit(this.gh, this.repo, {
      parent: input.parentCommit,
      files: input.files.map((f) => ({ path: f.path, content: f.after })),
      message: input.message,
    });
    if (await createRef(this.gh, this.repo, `heads/${branch}`, commit)) return { commit, branch };
    // Same id again (a retried job): the existing branch is ours when its tree is the same.
    const existing = await readBranch(this.gh, this.repo, branch);
    if (existing) {
      const [a, b] = await Promise.all([
        this.gh.rest.git.getCommit({ ...this.repo, commit_sha: existing }),
        this.gh.rest.git.getCommit({ ...this.repo, commit_sha: commit }),
      ]);
      if (a.data.tree.sha === b.data.tree.sha) return { commit: existing, branch };
    }
    throw new CandidateIdTaken(`${branch} already exists with other content`);
  }

  /** Open (or find the already open) PR of a candidate branch and label it. */
  async openPullRequest(input: {
    branch: string;
    title: string;
    body: string;
    labels: readonly string[];
  }): Promise<{ number: number; url: string }> {
    const { data: open } = await this.gh.rest.pulls.list({
      ...this.repo,
      state: "open",
      head: `${this.repo.owner}:${input.branch}`,
    });
    const pr =
      open[0] ??
      (
        await this.gh.rest.pulls.create({
          ...this.repo,
          head: input.branch,
          base: EVOLUTION_BRANCH,
          title: input.title.slice(0, 250),
          body: input.body,
          maintainer_can_modify: true,
        })
      ).data;
    await this.gh.rest.issues.addLabels({ ...this.repo, issue_number: pr.number, labels: [...input.labels] });
    return { number: pr.number, url: pr.html_url };
  }

  /** Every PR of a candidate branch, newest first (pages of 100). */
  async listCandidatePulls(): Promise<CandidatePull[]> {
    const pulls = await this.gh.paginate(this.gh.rest.pulls.list, { ...this.repo, state: "all", per_page: 100 });
    return pulls
      .filter((p) => p.head.ref.startsWith("codec-evolve/candidate-") || p.labels.some((l) => l.name === LABELS.bot))
      .map((p) => ({
        number: p.number,
        state: p.state as "open" | "closed",
        merged: Boolean(p.merged_at),
        branch: p.head.ref,
        headSha: p.head.sha,
        author: p.user?.login ?? "",
        authorType: p.user?.type ?? "",
        labels: p.labels.map((l) => l.name ?? ""),
        createdAt: new Date(p.created_at),
        body: p.body ?? "",
        meta: readCandidateMeta(p.body),
      }));
  }

  /** The commit of tag codec-evolve/vN, or null. */
  async versionCommit(version: number): Promise<string | null> {
    try {
      const { data } = await this.gh.rest.git.getRef({ ...this.repo, ref: `tags/${versionTag(version)}` });
      return data.object.sha;
    } catch (error) {
      if ((error as { status?: number }).status === 404) return null;
      throw error;
    }
  }
}
