/**
 * The hidden `meta` block of a candidate PR body: what the bot needs to judge
 * and record the candidate later. The body is editable by people with write
 * access, so the block is validated here wherever it is read back.
 */
import { z } from "zod";
import { parseHiddenBlock } from "./hidden-block.js";

export const candidateMetaSchema = z.object({
  candidate: z.string().regex(/^[a-z0-9-]+$/),
  /** Version compared against, e.g. "v3". */
  parent: z.string().regex(/^v\d+$/),
  /** The commit of self-improved-framework the candidate was built on. */
  parentSha: z.string().regex(/^[0-9a-f]{40}$/),
  parentId: z.string().nullable(),
  kind: z.enum(["codec", "framework", "rollback"]),
  codeHash: z.string().nullable(),
  proposer: z.object({
    kind: z.enum(["openai", "offline", "answers", "seed", "rollback"]),
    label: z.string(),
    model: z.string().nullable(),
  }),
  usage: z
    .object({
      promptTokens: z.number(),
      completionTokens: z.number(),
      costUsd: z.number(),
      estimated: z.boolean().optional(),
    })
    .nullable(),
  hypothesis: z.string(),
  rationale: z.string(),
  edits: z.array(
    z.object({
      path: z.string(),
      blocks: z.number(),
      linesAdded: z.number(),
      linesRemoved: z.number(),
      created: z.boolean(),
    }),
  ),
  startedAt: z.string(),
  /** For a rollback PR: the version it restores. */
  rollbackOf: z.number().int().positive().optional(),
  /** What asked for this PR (a schedule slot, a comment, a workflow run): a retried job finds its PR by it. */
  trigger: z.string().optional(),
});

export type CandidateMeta = z.infer<typeof candidateMetaSchema>;

/** The meta block of a PR body, or null when absent or malformed. */
export function readCandidateMeta(body: string | null | undefined): CandidateMeta | null {
  const parsed = candidateMetaSchema.safeParse(parseHiddenBlock(body ?? "", "meta"));
  return parsed.success ? parsed.data : null;
}
