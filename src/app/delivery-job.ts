/**
 * What a webhook delivery asks the App to do: the whole routing of events to
 * jobs, pure, on the payload validated at the edge. issue_comment.created with
 * a command from a person → a command job; check_run.completed of the
 * evaluation check → a check-run job; anything else → nothing.
 */
import { z } from "zod";
import { CHECK_RUN_NAME } from "../github/names.js";
import { parseCommand } from "./commands/parse-command.js";
import type { Job } from "./jobs/job.js";

const account = z.object({ login: z.string(), type: z.string().optional() });

/** Where every job-bearing delivery comes from. */
const sourceSchema = z.object({
  installation: z.object({ id: z.number().int() }),
  repository: z.object({ name: z.string(), owner: account }),
});

const commentSchema = z.object({
  action: z.literal("created"),
  issue: z.object({ number: z.number().int(), pull_request: z.unknown().optional() }),
  comment: z.object({ id: z.number().int(), body: z.string(), user: account }),
  sender: account,
});

const checkRunSchema = z.object({
  action: z.literal("completed"),
  check_run: z.object({ id: z.number().int(), name: z.string(), head_sha: z.string() }),
});

export interface DeliveryJob {
  installationId: number;
  repo: { owner: string; repo: string };
  job: Job;
}

/** The job `event` with `payload` asks for, or null when it asks for none. */
export function deliveryJob(event: string, payload: unknown): DeliveryJob | null {
  const job = jobOf(event, payload);
  if (!job) return null;
  const source = sourceSchema.safeParse(payload);
  if (!source.success) return null;
  const { installation, repository } = source.data;
  return {
    installationId: installation.id,
    repo: { owner: repository.owner.login, repo: repository.name },
    job,
  };
}

function jobOf(event: string, payload: unknown): Job | null {
  if (event === "issue_comment") {
    const parsed = commentSchema.safeParse(payload);
    if (!parsed.success) return null;
    const { comment, issue, sender } = parsed.data;
    // Bots never command the bot (its own replies start with "@user", not "/"); edits are not "created".
    if (sender.type === "Bot" || comment.user.type === "Bot") return null;
    if (!parseCommand(comment.body)) return null;
    return {
      kind: "command",
      issue: issue.number,
      isPull: issue.pull_request !== undefined && issue.pull_request !== null,
      commentId: comment.id,
      user: comment.user.login,
      body: comment.body,
    };
  }
  if (event === "check_run") {
    const parsed = checkRunSchema.safeParse(payload);
    if (!parsed.success || parsed.data.check_run.name !== CHECK_RUN_NAME) return null;
    const run = parsed.data.check_run;
    return { kind: "check-run", checkRunId: run.id, headSha: run.head_sha, adoptedBy: null };
  }
  return null;
}
