/**
 * Where candidates and versions live. The local store (git-candidate-store.ts)
 * keeps them as commits on branches of the user's repository; the App's store
 * (src/github) keeps each candidate as a pull request on the versions branch.
 * The steps only talk to this interface, and it names no GitHub type.
 */
import type { EditSummary, ChangedFile } from "../edits/apply-edits.js";
import type { AttemptStatus, LedgerRecord } from "../ledger/ledger-record.js";

export interface VersionCommit {
  commit: string;
  version: number;
  /** The candidate id named in the commit message, when present. */
  candidateId: string | null;
}

/** What a candidate is, for its commit message and (on GitHub) its pull request's body. */
export interface CandidateDescription {
  hypothesis: string;
  rationale: string;
  parentId: string;
  /** The best version the candidate will be compared against. */
  comparedToVersion: number;
  proposerLabel: string;
  model: string | null;
  edits: readonly EditSummary[];
  /** For a candidate that restores an earlier version (the App's /rollback): that version. */
  rollbackOf?: number;
}

export interface NewCandidate {
  id: string;
  /**
   * The parent's commit: the edits were applied to its files. The candidate commit itself
   * is built on the versions branch's tip (this commit when there is none yet), so a parent
   * from an older tree brings only the edited files.
   */
  parentCommit: string;
  files: readonly ChangedFile[];
  /** The candidate commit's message. */
  message: string;
  description: CandidateDescription;
  /**
   * The attempt as recorded so far (its run, proposer, cost, code hash): on
   * GitHub the pull request's hidden meta block carries it, so the PR can be
   * found again by its run and judged without the ledger.
   */
  attempt: Pick<LedgerRecord, "runId" | "proposer" | "usage" | "codeHash" | "startedAt">;
}

/** A candidate as the store keeps it. */
export interface CandidateRef {
  id: string;
  commit: string;
  /** `codec-evolve/candidate-<id>` (names.ts). */
  branch: string;
  /** Where a human can look at it (a pull request's URL); null locally. */
  url: string | null;
}

export interface AdoptRequest {
  version: number;
  candidateId: string;
  /** The commit whose tree becomes the version. */
  sourceCommit: string;
  /** The version commit's message (versionCommitMessage). */
  message: string;
  /**
   * The files the candidate changed (its edits' paths): the version is the tip's tree with these
   * taken from `sourceCommit`, so a candidate built on an older leader does not bring back that
   * leader's copy of every other file. Absent: the whole tree of `sourceCommit` (a rollback).
   */
  paths?: readonly string[];
  /**
   * The versions branch tip the candidate was evaluated against. When given and
   * the tip moved, nothing is adopted and `{ ok: false }` is returned, so the
   * candidate can be evaluated again against the new best.
   */
  expectedTip?: string;
}

export type AdoptOutcome = { ok: true; commit: string } | { ok: false; tip: string };

export interface CandidateStore {
  /**
   * Make sure the versions branch exists (created from the default branch or HEAD when absent);
   * returns its tip. Locally, call it while holding the ledger lock: it clears what a crashed run left.
   */
  prepare(): Promise<{ branch: string; tip: string; created: boolean }>;
  /** A file's content at a commit (or ref), null when the file is absent there. */
  readFile(ref: string, path: string): Promise<string | null>;
  /**
   * Create the candidate: one commit of `files` on the versions branch's tip, on its own branch
   * (on GitHub, with its pull request). Idempotent per id: the same id returns the existing candidate.
   */
  createCandidate(input: NewCandidate): Promise<CandidateRef>;
  /**
   * The candidate was not adopted (`status` rejected, failed, …): locally nothing
   * to do (the branch stays for inspection); on GitHub, close the PR saying why.
   */
  closeCandidate(input: { id: string; status: AttemptStatus; reason: string }): Promise<void>;
  /** Every version commit on the versions branch, oldest first. */
  listVersions(): Promise<VersionCommit[]>;
  /**
   * Record version N: the tree of `sourceCommit` on top of the versions branch, as one commit
   * with `message` (on GitHub: a commit with parents [tip, the PR's head], so GitHub marks the
   * PR merged, moved onto the branch by a fast-forward-only ref update, and tag `codec-evolve/vN`).
   * A compare-and-swap: when the tip is not `expectedTip` (or moves during the call) nothing
   * is adopted. Idempotent: when version N already exists for the same candidate, that commit
   * is returned.
   */
  adopt(input: AdoptRequest): Promise<AdoptOutcome>;
}

export interface Checkout {
  /** Directory holding the checked-out tree. */
  dir: string;
  release(): Promise<void>;
}

/** Trees on disk for a local evaluator; only stores on this machine have it. */
export interface CheckoutProvider {
  /** A checkout of `commit` under the name `name` (one at a time per name). */
  checkout(commit: string, name: string): Promise<Checkout>;
}
