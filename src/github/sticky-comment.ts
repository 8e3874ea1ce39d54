/**
 * One sticky PR comment, found by a hidden marker and updated in place
 * (github-action-benchmark, Bencher). The marker carries a digest of what the
 * comment says, so `on-change` can leave an unchanged comment alone. Only a
 * comment written by the same account is updated: anyone can paste a marker.
 */
import { createHash } from "node:crypto";
import { parseHiddenBlock, renderHiddenBlock } from "./hidden-block.js";
import type { GitHubClient } from "./octokit.js";

export const COMMENT_MODES = ["always", "on-change", "never"] as const;
export type CommentMode = (typeof COMMENT_MODES)[number];
const MARKER_KIND = "comment";
/** PR comments hold about 64 KB; keep the body under that with the marker. */
export const COMMENT_LIMIT = 60_000;

/** What happened to the comment. */
export type CommentOutcome = "created" | "updated" | "unchanged" | "skipped";

/** Post or update the sticky comment according to the mode. */
export async function upsertStickyComment(
  github: GitHubClient,
  repo: { owner: string; repo: string },
  issueNumber: number,
  markdown: string,
  mode: CommentMode,
  /** Login of the account the token acts as (e.g. github-actions[bot]); only its comments are updated. */
  selfLogin: string,
): Promise<CommentOutcome> {
  if (mode === "never") return "skipped";
  const digest = createHash("sha256").update(markdown).digest("hex").slice(0, 16);
  const body = `${markdown}\n\n${renderHiddenBlock(MARKER_KIND, { digest })}`;
  const comments = await github.paginate(github.rest.issues.listComments, {
    ...repo,
    issue_number: issueNumber,
    per_page: 100,
  });
  const mine = comments.find(
    (c) => c.user?.login === selfLogin && parseHiddenBlock(c.body ?? "", MARKER_KIND) !== undefined,
  );
  if (!mine) {
    await github.rest.issues.createComment({ ...repo, issue_number: issueNumber, body });
    return "created";
  }
  const previous = parseHiddenBlock(mine.body ?? "", MARKER_KIND) as { digest?: unknown };
  if (mode === "on-change" && previous?.digest === digest) return "unchanged";
  await github.rest.issues.updateComment({ ...repo, comment_id: mine.id, body });
  return "updated";
}
