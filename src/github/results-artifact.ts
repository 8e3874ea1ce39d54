/**
 * The artifact `codec-evolve-results` that carries an evaluation from the
 * untrusted `pull_request` job to the trusted `workflow_run` job, and its
 * validation. Everything in it was written by a job that ran candidate code,
 * so it is read as hostile data: bounded size before parsing, a strict zod
 * schema, finite bounded numbers, bounded strings, bounded arrays. The PR
 * number and head SHA inside are hints only; the reporter checks them against
 * the event and the API.
 */
import { stat, readFile } from "node:fs/promises";
import { z } from "zod";
import { FAILURE_CATEGORIES, type EvaluationResult } from "../evaluate/results.js";

/** The file inside the artifact. */
export const RESULTS_FILE = "codec-evolve-results.json";
/** Artifact format version; bump when a field changes meaning. */
export const ARTIFACT_FORMAT = 1;
/** Largest results file accepted: a real evaluation of 20 clips is well under 1 MB. */
export const MAX_RESULTS_BYTES = 4 * 1024 * 1024;

/** A bounded string; `max` in UTF-16 units. */
const text = (max: number) => z.string().max(max);
/** Counts and sizes: non-negative integers with a bound no real clip reaches. */
const count = z.number().int().min(0).max(1e12);
/** A measured figure: finite. JSON writes Infinity and NaN as null (e.g. PSNR of a lossless rung). */
const figure = z
  .number()
  .min(-1e12)
  .max(1e12)
  .nullable()
  .transform((value) => value ?? Number.NaN);
const name = text(128);
const bd = z.number().min(-100).max(1e6).nullable();
const bdRecord = z
  .record(name, bd)
  .refine((r) => Object.keys(r).length <= 16, "at most 16 references");

const rungSchema = z.strictObject({
  quality: z.number().min(0).max(1e6),
  bytes: count,
  bitsPerPixel: figure,
  mbps: figure,
  mbps1080p30: figure,
  compressionRatio: figure,
  psnrRgb: figure,
  ssimRgb: figure,
  psnrY: figure,
  ssimY: figure,
  encodeFps: figure,
  decodeFps: figure,
  encodeCpuFps: figure.optional(),
  setting: text(64).optional(),
});

const clipSchema = z.strictObject({
  name,
  width: z.number().int().min(1).max(16384),
  height: z.number().int().min(1).max(16384),
  frames: z.number().int().min(0).max(1e6),
  fps: z.number().min(0).max(1000),
  source: text(512).optional(),
  rungs: z.array(rungSchema).max(32),
  baselines: z
    .record(name, z.strictObject({ encoder: text(256), rungs: z.array(rungSchema).max(64) }))
    .refine((r) => Object.keys(r).length <= 16, "at most 16 baselines"),
  bdRate: bdRecord,
  bdRateNotes: z.record(name, text(500)).optional(),
});

const failureSchema = z.strictObject({
  category: z.enum(FAILURE_CATEGORIES),
  message: text(4000),
  line: z.number().int().min(1).max(1e7).nullable(),
  traceback: text(20000).optional(),
  stage: text(32).optional(),
  clip: name.optional(),
  quality: z.number().min(0).max(1e6).optional(),
  frameIndex: z.number().int().min(0).max(1e7).optional(),
  log: text(20000).optional(),
});

/** The results JSON (src/evaluate/results.ts) as untrusted input. */
export const resultsSchema = z.strictObject({
  codec: text(512),
  status: z.enum(["ok", "failed"]),
  failure: failureSchema.nullable(),
  clips: z.array(clipSchema).max(200),
  verdict: z.strictObject({ adopt: z.boolean(), reason: text(2000) }).nullable(),
  summary: z.strictObject({ bdRate: bdRecord }).optional(),
  heldOut: z
    .strictObject({
      clips: count,
      frames: count,
      meanBitsPerPixel: figure,
      meanPsnrRgb: figure,
      bdRate: bdRecord,
    })
    .optional(),
  sandbox: z
    .strictObject({ isolation: text(1000), warnings: z.array(text(2000)).max(20) })
    .optional(),
  pairedTiming: z
    .discriminatedUnion("status", [
      z.strictObject({
        status: z.literal("ok"),
        clip: name,
        segments: z
          .array(z.strictObject({ clip: name, quality: z.number().min(0).max(1e6), frames: count }))
          .max(64)
          .optional(),
        qualities: z.array(z.number().min(0).max(1e6)).max(16),
        frames: count,
        chunks: count,
        parentCpuSeconds: figure,
        candidateCpuSeconds: figure,
        speedup: figure,
        chunkSpeedups: z.strictObject({ min: figure, median: figure, max: figure }),
      }),
      z.strictObject({ status: z.literal("unavailable"), reason: text(1000) }),
    ])
    .optional(),
  environment: z
    .record(text(64), text(512))
    .refine((r) => Object.keys(r).length <= 64, "at most 64 entries")
    .optional(),
});

const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-hex-digit commit SHA");

/** The artifact's one file: the results plus the untrusted hints about where they came from. */
export const resultsArtifactSchema = z.strictObject({
  format: z.literal(ARTIFACT_FORMAT),
  /** Hint: the PR number the evaluate job saw in its event. */
  pullRequest: z.number().int().positive().max(1e9).nullable(),
  /** Hint: the head SHA the evaluate job evaluated. */
  headSha: sha.nullable(),
  /** Hint: the base SHA whose codec was the parent. */
  baseSha: sha.nullable(),
  /** Path of the candidate codec inside the repository (for annotations). */
  codecPath: text(256).regex(/^[A-Za-z0-9._/-]+$/),
  results: resultsSchema,
});

export type ResultsArtifact = Omit<z.infer<typeof resultsArtifactSchema>, "results"> & {
  results: EvaluationResult;
};

/** Untrusted results that failed validation; the message names the file and the fields. */
export class ResultsRejected extends Error {
  override name = "ResultsRejected";
}

/**
 * Validate parsed JSON as a results artifact. A bare results JSON (what
 * `codec-evolve evaluate --json` writes) is accepted too, with no hints and
 * `fallbackCodecPath` as its codec path.
 */
export function validateResultsArtifact(
  raw: unknown,
  source: string,
  fallbackCodecPath: string,
): ResultsArtifact {
  const isEnvelope = typeof raw === "object" && raw !== null && "format" in raw;
  const parsed = isEnvelope
    ? resultsArtifactSchema.safeParse(raw)
    : resultsSchema.safeParse(raw).success
      ? resultsArtifactSchema.safeParse({
          format: ARTIFACT_FORMAT,
          pullRequest: null,
          headSha: null,
          baseSha: null,
          codecPath: fallbackCodecPath,
          results: raw,
        })
      : resultsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues
      .slice(0, 8)
      .map((issue) => `  - ${issue.path.join(".") || "(top level)"}: ${issue.message}`)
      .join("\n");
    throw new ResultsRejected(`${source}: not valid codec-evolve results:\n${problems}`);
  }
  return parsed.data as ResultsArtifact;
}

/** Read and validate a results file from disk: size checked before reading, JSON, schema. */
export async function readResultsFile(
  path: string,
  fallbackCodecPath: string,
): Promise<ResultsArtifact> {
  const info = await stat(path).catch((error: Error) => {
    throw new ResultsRejected(`${path}: cannot read results: ${error.message}`);
  });
  if (!info.isFile()) throw new ResultsRejected(`${path}: not a regular file`);
  if (info.size > MAX_RESULTS_BYTES) {
    throw new ResultsRejected(
      `${path}: ${info.size} bytes is over the ${MAX_RESULTS_BYTES}-byte limit for results; refused unread`,
    );
  }
  const text = await readFile(path, "utf8");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ResultsRejected(`${path}: not JSON (${(error as Error).message})`);
  }
  return validateResultsArtifact(raw, path, fallbackCodecPath);
}
