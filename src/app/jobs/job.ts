/**
 * The work a webhook or a schedule slot asks for, as persisted in the queue.
 * Only what the worker needs to redo the job after a restart; everything
 * else is read fresh from GitHub when the job runs.
 */
import { z } from "zod";

export const jobSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("propose"),
    /** Idempotency key: a PR whose meta carries it means this job already opened it. */
    trigger: z.string(),
    count: z.number().int().positive(),
    focus: z.string().nullable(),
    /** A schedule slot (ISO minute) to claim on the data branch before proposing. */
    slot: z.string().nullable(),
    /** Where to answer (the /evolve comment), if anywhere. */
    reply: z.object({ issue: z.number().int(), commentId: z.number().int() }).nullable(),
  }),
  z.object({
    kind: z.literal("command"),
    issue: z.number().int(),
    isPull: z.boolean(),
    commentId: z.number().int(),
    user: z.string(),
    body: z.string(),
  }),
  z.object({
    kind: z.literal("check-run"),
    checkRunId: z.number().int(),
    headSha: z.string(),
    /** When set, a maintainer's /adopt: merge even a framework PR. */
    adoptedBy: z.string().nullable(),
  }),
]);

export type Job = z.infer<typeof jobSchema>;

export const storedJobSchema = z.object({
  seq: z.number().int(),
  delivery: z.string(),
  installationId: z.number().int(),
  owner: z.string(),
  repo: z.string(),
  receivedAt: z.string(),
  attempts: z.number().int().default(0),
  job: jobSchema,
});

export type StoredJob = z.infer<typeof storedJobSchema>;
