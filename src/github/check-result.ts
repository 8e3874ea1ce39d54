/**
 * The machine-readable result the Action writes into the check run's summary
 * (`<!-- codec-evolve:result {...} -->`, DESIGN.md "On GitHub") and the App
 * reads back before it adopts. One zod schema, one renderer, one parser: the
 * block is untrusted where it is read (anyone who can edit a check run of the
 * repository can write one), so the parser validates it and bounds every field.
 */
import { z } from "zod";
import { parseHiddenBlock, renderHiddenBlock } from "./hidden-block.js";

/** Hidden-block kind of the check-run result. */
export const CHECK_RESULT_KIND = "result";
/** Bump when a field changes meaning; readers refuse versions they do not know. */
export const CHECK_RESULT_VERSION = 1;

const sha = z.string().regex(/^[0-9a-f]{40}$/, "a 40-hex-digit commit SHA");
/** A BD-rate in percent: finite and within a range no real codec leaves. */
const bdRate = z.number().finite().min(-100).max(1e6).nullable();

/** Schema of the result block; every field is documented because the App decides on it. */
export const checkResultSchema = z.strictObject({
  /** Format version, CHECK_RESULT_VERSION. */
  version: z.literal(CHECK_RESULT_VERSION),
  /** Candidate id from the PR's meta block (e.g. "c0012"), null for a PR the bot did not open. */
  candidate: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .nullable(),
  /** The PR number the check run belongs to. */
  pullRequest: z.number().int().positive().max(1e9),
  /** The commit that was evaluated: the PR's head SHA from the event and the API. */
  headSha: sha,
  /** The base commit whose codec was the parent; adoption merges only while the base tip equals it. */
  parentSha: sha.nullable(),
  /** adopt = the adoption rule holds; reject = valid but not better; failed = the codec failed. */
  verdict: z.enum(["adopt", "reject", "failed"]),
  /** The verdict's reason in words, bounded. */
  reason: z.string().max(500),
  /** Whether the PR passed the trust rule (only codec paths changed, author is the App). */
  trusted: z.boolean(),
  /** Why not trusted (empty when trusted), bounded. */
  trustProblems: z.array(z.string().max(300)).max(20),
  /** Mean BD-rate (%) over the shown clips per reference (parent, x265, ...); null when not computable. */
  bdRate: z.record(z.string().regex(/^[a-z0-9-]{1,32}$/), bdRate),
  /** The failure category and codec line when the verdict is failed. */
  failure: z
    .strictObject({
      category: z.string().max(40),
      line: z.number().int().positive().max(1e7).nullable(),
    })
    .nullable(),
});

/** The check-run result block, as the App reads it. */
export type CheckResult = z.infer<typeof checkResultSchema>;

/** The hidden block for the check-run summary; throws when the value breaks the schema (a bug here). */
export function renderCheckResult(result: CheckResult): string {
  return renderHiddenBlock(CHECK_RESULT_KIND, checkResultSchema.parse(result));
}

/** Why a summary's result block could not be used. */
export type CheckResultProblem = "absent" | "invalid";

/**
 * Read the result block back from a check-run summary. Returns the validated
 * result, or the problem: "absent" (no block or not JSON), "invalid" (schema).
 */
export function parseCheckResult(
  summary: string,
): { ok: true; result: CheckResult } | { ok: false; problem: CheckResultProblem; detail: string } {
  const raw = parseHiddenBlock(summary, CHECK_RESULT_KIND);
  if (raw === undefined) {
    return { ok: false, problem: "absent", detail: "no codec-evolve:result block in the summary" };
  }
  const parsed = checkResultSchema.safeParse(raw);
  if (!parsed.success) {
    const detail = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join(".") || "(top level)"}: ${issue.message}`)
      .join("; ");
    return { ok: false, problem: "invalid", detail };
  }
  return { ok: true, result: parsed.data };
}
