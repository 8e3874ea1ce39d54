/**
 * Create or update the check run `codec-evolve / evaluation` on a commit.
 * GitHub takes at most 50 annotations per request: the first 50 go with the
 * create/update, the rest in further updates of the same run (they add up).
 */
import { CHECK_RUN_NAME } from "./names.js";
import type { GitHubClient } from "./octokit.js";

export const ANNOTATIONS_PER_REQUEST = 50;

export interface Annotation {
  path: string;
  start_line: number;
  end_line: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
}

export interface CheckRunOutput {
  headSha: string;
  conclusion: "success" | "neutral" | "failure";
  title: string;
  summary: string;
  annotations: readonly Annotation[];
  detailsUrl?: string;
}

/** Post the check run; returns its id and how many requests carried annotations. */
export async function upsertCheckRun(
  github: GitHubClient,
  repo: { owner: string; repo: string },
  output: CheckRunOutput,
): Promise<{ id: number; created: boolean; annotationRequests: number }> {
  const existing = await github.paginate(github.rest.checks.listForRef, {
    ...repo,
    ref: output.headSha,
    check_name: CHECK_RUN_NAME,
    filter: "latest",
    per_page: 100,
  });
  const batches: Annotation[][] = [];
  for (let i = 0; i < output.annotations.length; i += ANNOTATIONS_PER_REQUEST) {
    batches.push(output.annotations.slice(i, i + ANNOTATIONS_PER_REQUEST));
  }
  const body = (annotations: Annotation[] | undefined) => ({
    status: "completed" as const,
    conclusion: output.conclusion,
    completed_at: new Date().toISOString(),
    ...(output.detailsUrl ? { details_url: output.detailsUrl } : {}),
    output: {
      title: output.title,
      summary: output.summary,
      ...(annotations ? { annotations } : {}),
    },
  });
  const current = existing.find((run) => run.head_sha === output.headSha);
  let id: number;
  if (current) {
    id = current.id;
    await github.rest.checks.update({ ...repo, check_run_id: id, ...body(batches[0]) });
  } else {
    const { data } = await github.rest.checks.create({
      ...repo,
      name: CHECK_RUN_NAME,
      head_sha: output.headSha,
      ...body(batches[0]),
    });
    id = data.id;
  }
  for (const batch of batches.slice(1)) {
    await github.rest.checks.update({ ...repo, check_run_id: id, ...body(batch) });
  }
  return { id, created: !current, annotationRequests: batches.length };
}
