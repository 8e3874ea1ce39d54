/**
 * Reading back the evaluation check run: the hidden `result` block of its
 * summary (DESIGN.md "The evaluation check run"). The Action writes it; the
 * App treats it as untrusted data and validates it here. Only the fields the
 * App uses are required; anything else passes through.
 */
import { z } from "zod";
import { parseHiddenBlock } from "./hidden-block.js";

const nullableNumber = z.number().nullable().optional();

export const checkResultSchema = z
  .object({
    candidate: z.string().nullable().optional(),
    headSha: z.string().regex(/^[0-9a-f]{40}$/),
    parentSha: z.string().regex(/^[0-9a-f]{40}$/).nullable().optional(),
    verdict: z.union([
      z.enum(["adopt", "reject", "fail", "adopted", "rejected", "failed", "untrusted"]),
      z.object({ adopt: z.boolean(), reason: z.string() }).loose(),
    ]),
    reason: z.string().optional(),
    bdRate: z.record(z.string(), nullableNumber).optional(),
    failure: z
      .object({ category: z.string(), message: z.string(), line: z.number().nullable().optional() })
      .loose()
      .nullable()
      .optional(),
    metrics: z.record(z.string(), z.unknown()).nullable().optional(),
  })
  .loose();

export type CheckResult = z.infer<typeof checkResultSchema>;

/** The result block of a check-run summary; an Error says what is wrong with it. */
export function readCheckResult(summary: string | null | undefined): CheckResult | Error {
  const raw = parseHiddenBlock(summary ?? "", "result");
  if (raw === undefined) return new Error("the check run's summary has no codec-evolve:result block");
  const parsed = checkResultSchema.safeParse(raw);
  if (!parsed.success) {
    return new Error(
      `the check run's result block is malformed: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}

/** The verdict's reason in words, whichever shape the block used. */
export function verdictReason(result: CheckResult, fallback: string): string {
  if (typeof result.verdict === "object") return result.verdict.reason;
  return result.reason ?? fallback;
}
