/**
 * Where candidates live. The local store keeps them as commits on branches of
 * the user's repository (one branch per candidate, adopted versions on the
 * versions branch); the GitHub parts implement the same interface with pull
 * requests. The loop only talks to this interface.
 */
import type { ChangedFile } from "../edits/apply-edits.js";

export interface VersionCommit {
  commit: string;
  version: number;
  /** The candidate id named in the commit message, when present. */
  candidateId: string | null;
}

export interface Checkout {
  /** Directory holding the checked-out tree. */
  dir: string;
  release(): Promise<void>;
}

export interface CandidateStore {
  /**
   * Make sure the versions branch exists (created from HEAD when absent); returns its tip commit.
   * Call it while holding the ledger lock: it may clear what a crashed run left behind.
   */
  prepare(): Promise<{ branch: string; tip: string; created: boolean }>;
  /** A file's content at a commit, null when the file is absent there. */
  readFile(commit: string, path: string): Promise<string | null>;
  /** Commit changed files on top of `parentCommit` on the candidate's own branch; the same id returns the same commit. */
  commitCandidate(input: {
    id: string;
    parentCommit: string;
    files: readonly ChangedFile[];
    message: string;
  }): Promise<{ commit: string; branch: string }>;
  /** A checkout of `commit` on disk, e.g. for the evaluator. */
  checkout(commit: string, name: string): Promise<Checkout>;
  /** Every version commit on the versions branch, oldest first. */
  listVersions(): Promise<VersionCommit[]>;
  /**
   * Record version N: the tree of `sourceCommit` on top of the versions branch.
   * Idempotent: when version N already exists for the same candidate, that commit is returned.
   */
  adopt(input: {
    version: number;
    candidateId: string;
    sourceCommit: string;
    message: string;
  }): Promise<{ commit: string }>;
}
