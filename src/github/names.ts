/**
 * Names the App, the Action, the CLI and the dashboard agree on (DESIGN.md "On GitHub").
 * Change one here and every adapter follows.
 */

/** Adopted versions only; created from the default branch when missing. */
export const EVOLUTION_BRANCH = "self-improved-framework";
/** Orphan branch holding the shared state (ledger.jsonl, schedule leases, ...). */
export const DATA_BRANCH = "codec-evolve-data";
/** The ledger file on the data branch: the CLI's ledger format, one record per line. */
export const LEDGER_PATH = "ledger.jsonl";
/** Name of the check run the Action posts and the App reads back. */
export const CHECK_RUN_NAME = "codec-evolve / evaluation";
/** Workflow artifact that carries the results JSON from the untrusted to the trusted job. */
export const RESULTS_ARTIFACT = "codec-evolve-results";

/**
 * run-name of an evaluate run (codec-evolve-evaluate.yml): a dispatched run has no
 * pull_request in its event, so the report job reads the PR back from the run's
 * display_title, which GitHub computes from the workflow file, not from the job's output.
 */
export function evaluateRunName(pullRequest: number): string {
  return `codec-evolve evaluate #${pullRequest}`;
}

/** The PR number in an evaluate run's display_title; null when it is not evaluateRunName's. */
export function parseEvaluateRunName(title: string | null | undefined): number | null {
  const m = /^codec-evolve evaluate #([1-9][0-9]{0,9})$/.exec(title ?? "");
  return m ? Number(m[1]) : null;
}

/** Branch of one candidate PR (same id as the CLI's local store). */
export function candidateBranch(candidateId: string): string {
  return `codec-evolve/candidate-${candidateId}`;
}

/** Every version tag starts with this (listing them: `git/matching-refs/tags/<prefix>`). */
export const VERSION_TAG_PREFIX = "codec-evolve/v";

/** Tag of adopted version N. */
export function versionTag(version: number): string {
  return `${VERSION_TAG_PREFIX}${version}`;
}

/** Title of the adoption commit of version N. */
export function versionCommitTitle(version: number): string {
  return `Autonomous Code Evolution - v${version}`;
}

/** Labels the bot puts on its PRs. */
export const LABELS = {
  /** Every PR the bot opens. */
  bot: "codec-evolve",
  /** Only codec paths changed. */
  codec: "codec-evolve:codec",
  /** Anything else changed: never merged automatically. */
  framework: "codec-evolve:framework",
  adopted: "codec-evolve:adopted",
  rejected: "codec-evolve:rejected",
  failed: "codec-evolve:failed",
  /** Changed paths or author outside the trust rule: left to a human. */
  untrusted: "codec-evolve:needs-review",
} as const;
