/**
 * zod schemas of a ledger line and of a pending attempt. On GitHub both are
 * read from the `codec-evolve-data` branch, which anyone who can push may
 * change, so every read validates them; the types in ledger-record.ts and
 * pending-attempt.ts are checked against these schemas at compile time.
 */
import { z } from "zod";
import { FAILURE_CATEGORIES } from "../../evaluate/results.js";
import { PROPOSAL_FAILURE_CATEGORIES } from "../edits/proposal-failure.js";
import type { LedgerRecord } from "./ledger-record.js";
import type { PendingAttempt } from "./pending-attempt.js";

const CANDIDATE_ID = /^c\d{4,}$|^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const nullableNumber = z.number().nullable();

const failureSchema = z.object({
  category: z.enum([...FAILURE_CATEGORIES, ...PROPOSAL_FAILURE_CATEGORIES]),
  message: z.string(),
  line: z.number().int().nullable(),
  traceback: z.string().optional(),
  stage: z.string().optional(),
  clip: z.string().optional(),
  quality: z.number().optional(),
  frameIndex: z.number().int().optional(),
  log: z.string().optional(),
});

const clipMetricsSchema = z.object({
  name: z.string(),
  bdRateX265: nullableNumber,
  bdRateX265Ld: nullableNumber.optional(),
  bdRateParent: nullableNumber,
  meanMbps: z.number(),
  compressionRatio: z.number(),
  meanPsnrRgb: z.number(),
});

const finite = z.number().finite();

const pairedTimingSchema = z.discriminatedUnion("status", [
  z.object({
    status: z.literal("ok"),
    clip: z.string(),
    segments: z
      .array(z.object({ clip: z.string(), quality: z.number(), frames: z.number().int() }))
      .optional(),
    qualities: z.array(z.number()),
    frames: z.number().int().nonnegative(),
    chunks: z.number().int().nonnegative(),
    parentCpuSeconds: finite,
    candidateCpuSeconds: finite,
    speedup: finite,
    chunkSpeedups: z.object({ min: finite, median: finite, max: finite }),
  }),
  z.object({ status: z.literal("unavailable"), reason: z.string() }),
]);

const metricsSchema = z.object({
  meanMbps: z.number(),
  meanMbps1080p30: z.number(),
  compressionRatio: z.number(),
  meanBitsPerPixel: z.number(),
  meanPsnrRgb: z.number(),
  meanSsimRgb: z.number(),
  meanEncodeFps: z.number(),
  meanDecodeFps: z.number(),
  meanEncodeCpuFps: z.number().optional(),
  bdRateX265: nullableNumber,
  bdRateX265Ld: nullableNumber.optional(),
  bdRateParent: nullableNumber,
  clips: z.array(clipMetricsSchema),
  pairedTiming: pairedTimingSchema.optional(),
  heldOut: z
    .object({
      clips: z.number().int(),
      bdRateX265: nullableNumber,
      bdRateX265Ld: nullableNumber.optional(),
      bdRateParent: nullableNumber,
    })
    .optional(),
});

const usageSchema = z.object({
  promptTokens: z.number().nonnegative(),
  completionTokens: z.number().nonnegative(),
  costUsd: z.number().nonnegative(),
  estimated: z.boolean().optional(),
});

const toleranceSchema = z.enum(["trailing-whitespace", "indentation"]);

const editSummarySchema = z.object({
  path: z.string(),
  blocks: z.number().int().nonnegative(),
  linesAdded: z.number().int().nonnegative(),
  linesRemoved: z.number().int().nonnegative(),
  created: z.boolean(),
  /** How leniently a SEARCH of this file matched, when not exactly (apply-edits.ts). */
  tolerance: toleranceSchema.optional(),
});

const proposerKindSchema = z.enum(["openai", "offline", "answers"]);

/** One line of ledger.jsonl. */
export const ledgerRecordSchema = z.object({
  schema: z.number().int().positive(),
  id: z.string().regex(CANDIDATE_ID, "a candidate id such as c0012"),
  parentId: z.string().nullable(),
  comparedToVersion: z.number().int().positive().nullable(),
  version: z.number().int().positive().nullable(),
  status: z.enum(["seed", "adopted", "rejected", "failed", "invalid", "duplicate"]),
  runId: z.string(),
  generation: z.number().int().nonnegative(),
  proposer: z.object({
    kind: z.union([proposerKindSchema, z.enum(["seed", "rollback"])]),
    label: z.string(),
    model: z.string().nullable(),
    source: z.string().optional(),
  }),
  hypothesis: z.string(),
  rationale: z.string(),
  edits: z.array(editSummarySchema),
  editTolerance: toleranceSchema.optional(),
  /** Compared for equality only (duplicate detection); the loop writes a sha256 in hex. */
  codeHash: z.string().min(1).nullable(),
  commit: z.string().nullable(),
  branch: z.string().nullable(),
  versionCommit: z.string().nullable(),
  failure: failureSchema.nullable(),
  verdict: z.object({ adopt: z.boolean(), reason: z.string() }).nullable(),
  metrics: metricsSchema.nullable(),
  usage: usageSchema.nullable(),
  startedAt: z.string(),
  finishedAt: z.string(),
});

/** pending.json (locally) or one attempt in flight on the data branch. */
export const pendingAttemptSchema = z.object({
  id: z.string().regex(CANDIDATE_ID, "a candidate id such as c0012"),
  runId: z.string(),
  generation: z.number().int().positive(),
  attempt: z.number().int().positive(),
  parentId: z.string(),
  comparedToVersion: z.number().int().positive(),
  startedAt: z.string(),
  proposerKind: z.union([proposerKindSchema, z.literal("rollback")]),
  proposal: z.object({
    answerText: z.string(),
    usage: usageSchema,
    model: z.string().nullable(),
    label: z.string(),
    source: z.string().optional(),
  }),
  candidate: z.object({ record: ledgerRecordSchema }).optional(),
  adoption: z.object({ record: ledgerRecordSchema, message: z.string() }).optional(),
});

// Compile-time: the schemas produce exactly the declared types.
const recordTypeCheck: z.ZodType<LedgerRecord> = ledgerRecordSchema;
const pendingTypeCheck: z.ZodType<PendingAttempt> = pendingAttemptSchema;
void recordTypeCheck;
void pendingTypeCheck;

/** The first problems of a failed parse, as "field.path: message; …". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join(".") || "(the value)"}: ${issue.message}`)
    .join("; ");
}
