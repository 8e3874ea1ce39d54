/**
 * The GitHub CandidateStore (src/evolve/store/candidate-store.ts): a candidate
 * is the branch `codec-evolve/candidate-<id>` holding one commit on top of
 * `self-improved-framework` (made through the Git Data API), and a pull
 * request with the bot's labels, body and hidden meta block. The id comes from
 * the ledger's compare-and-swap (steps/propose.ts); the branch name makes it
 * visible on GitHub, and creating the ref is atomic.
 *
 * Adoption is a compare-and-swap too: the version commit (the PR head's tree,
 * parents [tip, head], so GitHub marks the PR merged once its head is reachable
 * from the base) moves the versions branch by a non-force ref update, which
 * GitHub refuses ("Update is not a fast forward") when the branch moved since
 * the tip it was built on. GitHub's merge API has no "expected base" parameter;
 * this has.
 */
import { posix } from "node:path";
import type { AttemptStatus } from "../evolve/ledger/ledger-record.js";
import type {
  AdoptOutcome,
  AdoptRequest,
  CandidateRef,
  CandidateStore,
  NewCandidate,
  VersionCommit,
} from "../evolve/store/candidate-store.js";
import { readCandidateMeta, type CandidateMeta } from "./candidate-meta.js";
import { httpStatus, type GitHubClient, type RepoRef } from "./client.js";
import {
  commitTree,
  createCommit,
  createRef,
  moveBranch,
  readBranch,
  readFileAt,
} from "./git-data.js";
import {
  candidateBranch,
  EVOLUTION_BRANCH,
  LABELS,
  VERSION_TAG_PREFIX,
  versionCommitTitle,
  versionTag,
} from "./names.js";
import { renderCandidateBody } from "./pr-body.js";

/** A PR the bot opened, with its parsed meta block (null when missing or edited into nonsense). */
export interface CandidatePull {
  number: number;
  url: string;
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

/** Thrown when the id's branch already exists with someone else's commit. */
export class CandidateIdTaken extends Error {
  override name = "CandidateIdTaken";
}

/** Directory whose files count as "the codec": everything else is a framework change. */
export function codecDirectory(codecPath: string): string {
  const dir = posix.dirname(codecPath);
  return dir === "." ? "" : `${dir}/`;
}

/** True when every path is inside the codec's directory. */
export function onlyCodecPaths(paths: readonly string[], codecPath: string): boolean {
  const dir = codecDirectory(codecPath);
  return paths.every((p) => (dir ? p.startsWith(dir) : p === codecPath));
}

/** The PR title of a candidate. */
export function candidateTitle(
  meta: Pick<CandidateMeta, "candidate" | "hypothesis" | "rollbackOf">,
): string {
  if (meta.rollbackOf) return `codec-evolve: restore v${meta.rollbackOf}`;
  const hypothesis = meta.hypothesis.replace(/\s+/g, " ").trim();
  return `codec-evolve ${meta.candidate}: ${hypothesis.slice(0, 120) || "(no hypothesis)"}`;
}

export class GitHubCandidateStore implements CandidateStore {
  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
    private readonly options: { codecPath: string },
  ) {}

  /** Make sure self-improved-framework exists (created from the default branch); returns its tip. */
  async prepare(): Promise<{ branch: string; tip: string; created: boolean }> {
    const tip = await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
    if (tip) return { branch: EVOLUTION_BRANCH, tip, created: false };
    const { data } = await this.gh.rest.repos.get({ ...this.repo });
    const base = await readBranch(this.gh, this.repo, data.default_branch);
    if (!base)
      throw new Error(
        `${this.repo.owner}/${this.repo.repo}: the default branch ${data.default_branch} has no commit`,
      );
    const created = await createRef(this.gh, this.repo, `heads/${EVOLUTION_BRANCH}`, base);
    // Another replica may have created it a moment earlier: read what is there.
    const now = created ? base : await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
    return { branch: EVOLUTION_BRANCH, tip: now!, created };
  }

  /** A file's content at a commit, null when absent. */
  readFile(ref: string, path: string): Promise<string | null> {
    return readFileAt(this.gh, this.repo, ref, path);
  }

  /**
   * The candidate's branch and PR. The files (already edited from the parent's
   * code) are committed on the versions branch's tip, the PR's base, so the PR
   * shows only the candidate's files and adoption puts its tree on that tip.
   * Idempotent per id: the PR (or the branch a crash left without one) is reused.
   */
  async createCandidate(input: NewCandidate): Promise<CandidateRef> {
    const branch = candidateBranch(input.id);
    const existing = await this.pullOf(branch);
    if (existing) return { id: input.id, commit: existing.headSha, branch, url: existing.url };
    const { tip } = await this.prepare();
    let head = await createCommit(this.gh, this.repo, {
      parent: tip,
      files: input.files.map((f) => ({ path: f.path, content: f.after })),
      message: input.message,
    });
    let parentSha = tip;
    if (!(await createRef(this.gh, this.repo, `heads/${branch}`, head))) {
      // The branch exists: ours when a crash came between the ref and the PR (same message), else taken.
      const current = await readBranch(this.gh, this.repo, branch);
      const commit = current
        ? (await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: current })).data
        : null;
      if (!commit || commit.message.trim() !== input.message.trim() || !commit.parents[0])
        throw new CandidateIdTaken(
          `${branch} already exists with another commit; the ledger and the branches of ${this.repo.owner}/${this.repo.repo} disagree about ${input.id}`,
        );
      head = current!;
      parentSha = commit.parents[0].sha;
    }
    const paths = input.files.map((f) => f.path);
    const { description: d, attempt } = input;
    const meta: CandidateMeta = {
      candidate: input.id,
      parent: `v${d.comparedToVersion}`,
      parentSha,
      parentId: d.parentId,
      kind: d.rollbackOf
        ? "rollback"
        : onlyCodecPaths(paths, this.options.codecPath)
          ? "codec"
          : "framework",
      codeHash: attempt.codeHash,
      proposer: attempt.proposer,
      usage: attempt.usage,
      hypothesis: d.hypothesis,
      rationale: d.rationale,
      edits: [...d.edits],
      startedAt: attempt.startedAt,
      ...(d.rollbackOf ? { rollbackOf: d.rollbackOf } : {}),
      trigger: attempt.runId,
    };
    const { data: pr } = await this.gh.rest.pulls.create({
      ...this.repo,
      head: branch,
      base: EVOLUTION_BRANCH,
      title: candidateTitle(meta).slice(0, 250),
      body: renderCandidateBody(meta),
      maintainer_can_modify: true,
    });
    await this.gh.rest.issues.addLabels({
      ...this.repo,
      issue_number: pr.number,
      labels: [LABELS.bot, meta.kind === "framework" ? LABELS.framework : LABELS.codec],
    });
    return { id: input.id, commit: head, branch, url: pr.html_url };
  }

  /** Not adopted: label the PR, say why in a comment, close it. Nothing when already closed. */
  async closeCandidate(input: {
    id: string;
    status: AttemptStatus;
    reason: string;
  }): Promise<void> {
    const pull = await this.pullOf(candidateBranch(input.id));
    if (!pull || pull.state !== "open") return;
    const failed = input.status === "failed";
    await this.gh.rest.issues.addLabels({
      ...this.repo,
      issue_number: pull.number,
      labels: [failed ? LABELS.failed : LABELS.rejected],
    });
    await this.gh.rest.issues.createComment({
      ...this.repo,
      issue_number: pull.number,
      body: `${failed ? "Closed: the candidate failed evaluation." : "Closed: not adopted."}\n\n> ${input.reason}`,
    });
    await this.gh.rest.pulls.update({ ...this.repo, pull_number: pull.number, state: "closed" });
  }

  /** Every version tag `codec-evolve/vN`, oldest first, with the candidate its commit names. */
  async listVersions(): Promise<VersionCommit[]> {
    const { data } = await this.gh.rest.git.listMatchingRefs({
      ...this.repo,
      ref: `tags/${VERSION_TAG_PREFIX}`,
    });
    const versions: VersionCommit[] = [];
    for (const ref of data) {
      const version = Number(/\/v(\d+)$/.exec(ref.ref)?.[1] ?? NaN);
      if (!Number.isInteger(version)) continue;
      const { data: commit } = await this.gh.rest.git.getCommit({
        ...this.repo,
        commit_sha: ref.object.sha,
      });
      const candidateId = /^Candidate: (\S+)$/m.exec(commit.message)?.[1] ?? null;
      versions.push({ commit: ref.object.sha, version, candidateId });
    }
    return versions.sort((a, b) => a.version - b.version);
  }

  /**
   * Version N as a compare-and-swap on the versions branch (see the file comment).
   * `expectedTip` defaults to the candidate commit's parent: its tree is only the
   * candidate on top of that commit.
   */
  async adopt(input: AdoptRequest): Promise<AdoptOutcome> {
    const tagged = await this.versionCommit(input.version);
    if (tagged) {
      if (await this.isAdoptionOf(tagged, input)) return { ok: true, commit: tagged };
      throw new Error(
        `tag ${versionTag(input.version)} of ${this.repo.owner}/${this.repo.repo} points at ${tagged.slice(0, 10)}, which is not ${input.candidateId}'s adoption; the ledger on the data branch and the tags disagree: fix the ledger or the tag by hand`,
      );
    }
    const { data: source } = await this.gh.rest.git.getCommit({
      ...this.repo,
      commit_sha: input.sourceCommit,
    });
    const expected = input.expectedTip ?? source.parents[0]?.sha ?? null;
    const tip = await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
    if (tip === null) throw new Error(`${EVOLUTION_BRANCH} does not exist; nothing to adopt onto`);
    if (tip !== expected) return this.movedBy(tip, input);
    const commit = await commitTree(this.gh, this.repo, {
      tree: source.tree.sha,
      parents: [tip, input.sourceCommit],
      message: input.message,
    });
    if (!(await moveBranch(this.gh, this.repo, EVOLUTION_BRANCH, commit, false))) {
      const now = await readBranch(this.gh, this.repo, EVOLUTION_BRANCH);
      return this.movedBy(now ?? tip, input);
    }
    await this.tag(input.version, commit);
    return { ok: true, commit };
  }

  /** The branch is not where the adoption expected it: done already by us (then tag it), or moved. */
  private async movedBy(tip: string, input: AdoptRequest): Promise<AdoptOutcome> {
    if (!(await this.isAdoptionOf(tip, input))) return { ok: false, tip };
    await this.tag(input.version, tip);
    return { ok: true, commit: tip };
  }

  /** True when `commit` is version N of this candidate: titled vN, with the candidate's commit as a parent. */
  private async isAdoptionOf(commit: string, input: AdoptRequest): Promise<boolean> {
    const { data } = await this.gh.rest.git.getCommit({ ...this.repo, commit_sha: commit });
    return (
      data.message.split("\n")[0] === versionCommitTitle(input.version) &&
      data.parents.some((p) => p.sha === input.sourceCommit)
    );
  }

  private async tag(version: number, commit: string): Promise<void> {
    if (await createRef(this.gh, this.repo, `tags/${versionTag(version)}`, commit)) return;
    const existing = await this.versionCommit(version);
    if (existing !== commit)
      throw new Error(
        `tag ${versionTag(version)} already points at ${existing?.slice(0, 10)}, not at the version commit ${commit.slice(0, 10)}`,
      );
  }

  /** The candidate tree of a PR rebuilt as one commit on `tip` (a stale winner, evaluated again); moves its branch. */
  async rebuildOnTip(
    pull: CandidatePull,
    paths: readonly string[],
    tip: string,
    message: string,
  ): Promise<string> {
    const files = [];
    for (const path of paths)
      files.push({ path, content: await readFileAt(this.gh, this.repo, pull.headSha, path) });
    const commit = await createCommit(this.gh, this.repo, { parent: tip, files, message });
    await moveBranch(this.gh, this.repo, pull.branch, commit, true);
    return commit;
  }

  /** The bot's PR of a branch (open first, else the newest), or null. */
  async pullOf(branch: string): Promise<CandidatePull | null> {
    const { data } = await this.gh.rest.pulls.list({
      ...this.repo,
      state: "all",
      head: `${this.repo.owner}:${branch}`,
      per_page: 10,
    });
    const pulls = data.map(toCandidatePull);
    return pulls.find((p) => p.state === "open") ?? pulls[0] ?? null;
  }

  /** Every PR of a candidate branch, newest first (pages of 100). */
  async listCandidatePulls(): Promise<CandidatePull[]> {
    const pulls = await this.gh.paginate(this.gh.rest.pulls.list, {
      ...this.repo,
      state: "all",
      per_page: 100,
    });
    return pulls
      .filter(
        (p) =>
          p.head.ref.startsWith("codec-evolve/candidate-") ||
          p.labels.some((l) => l.name === LABELS.bot),
      )
      .map(toCandidatePull);
  }

  /** The commit of tag codec-evolve/vN, or null. */
  async versionCommit(version: number): Promise<string | null> {
    try {
      const { data } = await this.gh.rest.git.getRef({
        ...this.repo,
        ref: `tags/${versionTag(version)}`,
      });
      return data.object.sha;
    } catch (error) {
      if (httpStatus(error) === 404) return null;
      throw error;
    }
  }
}

type PullJson = Awaited<ReturnType<GitHubClient["rest"]["pulls"]["list"]>>["data"][number];

function toCandidatePull(p: PullJson): CandidatePull {
  return {
    number: p.number,
    url: p.html_url,
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
  };
}
