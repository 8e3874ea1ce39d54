/**
 * The one markdown report of an evaluation: the check-run summary, the sticky
 * PR comment, the job summary and `codec-evolve evaluate --markdown` are all
 * this function's output. Pure: a results value in, a string out. Every string
 * that came from the results (names, messages, settings) is escaped, because
 * the results of a pull request's evaluation are untrusted.
 */
import { pairedTimingLine } from "./paired-timing-line.js";
import type { AdoptionConfig } from "../../config/schema.js";
import type { ClipResult, EvaluationResult } from "../results.js";
import { codeBlock, escapeMarkdown } from "./markdown-escape.js";
import { mermaidRdChart } from "./mermaid-rd-chart.js";
import { signedPercent } from "../../format/signed-percent.js";
import { bdRateSentence, fixed, RD_COLUMNS, rungRow } from "./rd-table.js";

/** GitHub's limit on a check run's summary, also a sane bound for comments (about 64 KB). */
export const CHECK_SUMMARY_LIMIT = 65_535;

/** adopt = the adoption rule holds; reject = valid but not better (or no parent); failed = the codec failed. */
export type VerdictKind = "adopt" | "reject" | "failed";

/** Which of the three outcomes a result is. */
export function verdictKind(result: EvaluationResult): VerdictKind {
  if (result.status !== "ok" || result.failure) return "failed";
  return result.verdict?.adopt ? "adopt" : "reject";
}

export interface MarkdownOptions {
  /** What was compared, e.g. "PR #12 at abc1234 vs self-improved-framework" (escaped here). */
  subject?: string;
  /** The adoption rule the verdict was decided by, stated next to it. */
  rule?: AdoptionConfig;
  /** Plain-text notices shown under the verdict (trust problems, cache notes); escaped here. */
  notices?: readonly string[];
  /** Hard upper bound of the output length; clip sections that do not fit are left out with a note. */
  maxChars?: number;
  /** Where the full results are, named in the truncation note. */
  fullResultsAt?: string;
}

const HEADINGS: Record<VerdictKind, string> = {
  adopt: "✅ Adoptable: the candidate beats its parent",
  reject: "➖ Valid, not adopted",
  failed: "❌ The candidate codec failed",
};

/** Signed percentage with two decimals, or "n/a" (also for a non-finite value). */
function percent(value: number | null | undefined): string {
  return signedPercent(value === undefined || !Number.isFinite(value) ? null : value);
}

/** The adoption rule in one sentence. */
export function ruleSentence(rule: AdoptionConfig): string {
  return (
    `Rule: adopt when BD-rate vs the parent (PSNR-RGB) is at most −${rule.minBitSavingPercent}%, ` +
    `or the compression ratio is ${rule.minRatioGainPercent}% higher at no lower quality on every rung` +
    (rule.minEncodeSpeedup === null
      ? "; "
      : `, or encoding is at least ${rule.minEncodeSpeedup}× faster per CPU second at no more bits (BD-rate ≤ 0); `) +
    `never when encoding is more than ${rule.maxEncodeSlowdown}× slower than the parent.`
  );
}

/** One line for a check-run title: the headline figures, e.g. "-12.40% bits vs parent; +41.00% vs x265". */
export function headline(result: EvaluationResult): string {
  const kind = verdictKind(result);
  if (kind === "failed") {
    const f = result.failure;
    const where = f?.line ? ` at line ${f.line}` : "";
    return `failed: ${f?.category ?? "unknown"}${where}`.slice(0, 200);
  }
  const bd = result.summary?.bdRate ?? {};
  const parts = Object.entries(bd).map(
    ([name, value]) => `${percent(value)} bits vs ${name.slice(0, 32)}`,
  );
  const figures = parts.length > 0 ? parts.join("; ") : "no BD-rate";
  return `${kind === "adopt" ? "adopt" : "not adopted"}: ${figures} at equal PSNR-RGB`.slice(
    0,
    200,
  );
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(" | ")} |`;
  const align = header.map((_, i) => (i < 2 ? ":--" : "--:"));
  return [line(header), line(align), ...rows.map(line)].join("\n");
}

function clipSection(clip: ClipResult): string {
  const rows = [
    ...clip.rungs.map((rung) => rungRow("candidate", rung)),
    ...Object.entries(clip.baselines).flatMap(([name, baseline]) =>
      baseline.rungs.map((rung) => rungRow(name, rung)),
    ),
  ].map((cells) => cells.map((cell) => escapeMarkdown(cell, 80)));
  const name = escapeMarkdown(clip.name, 80);
  const lines = [
    `### ${name}`,
    "",
    `${clip.width}×${clip.height}, ${clip.frames} frames at ${fixed(clip.fps, 2)} fps`,
    "",
    ...Object.entries(clip.bdRate).map(
      ([ref, value]) => `- ${escapeMarkdown(bdRateSentence(ref, value, clip.bdRateNotes?.[ref]))}`,
    ),
    "",
    table(RD_COLUMNS, rows),
  ];
  const encoders = Object.entries(clip.baselines).map(
    ([ref, b]) => `${escapeMarkdown(ref, 40)}: ${escapeMarkdown(b.encoder, 160)}`,
  );
  if (encoders.length > 0) lines.push("", `Encoders: ${encoders.join("; ")}`);
  const chart = mermaidRdChart(`${clip.name}: PSNR-RGB vs rate`, [
    { name: "candidate", rungs: clip.rungs },
    ...Object.entries(clip.baselines).map(([ref, b]) => ({ name: ref, rungs: b.rungs })),
  ]);
  if (chart.markdown !== null) {
    const skipped = chart.skipped.length
      ? `; not drawn (too little rate overlap): ${chart.skipped.map((s) => escapeMarkdown(s, 40)).join(", ")}`
      : "";
    lines.push(
      "",
      `RD chart, lines in order: ${chart.drawn.map((s) => escapeMarkdown(s, 40)).join(", ")}${skipped}. Exact points in the table above.`,
      "",
      chart.markdown,
    );
  } else if ("reason" in chart) {
    lines.push("", `No RD chart: ${chart.reason}.`);
  }
  return lines.join("\n");
}

function failureSection(result: EvaluationResult): string {
  const f = result.failure;
  if (!f) return "";
  const where = [
    f.stage && `stage ${escapeMarkdown(f.stage, 40)}`,
    f.clip && `clip ${escapeMarkdown(f.clip, 80)}`,
    f.quality !== undefined && `quality ${fixed(f.quality, 0)}`,
    f.frameIndex !== undefined && `frame ${fixed(f.frameIndex, 0)}`,
    f.line !== null && `codec line ${fixed(f.line, 0)}`,
  ].filter(Boolean);
  const lines = [
    `**${escapeMarkdown(f.category, 40)}**${where.length ? ` (${where.join(", ")})` : ""}: ${escapeMarkdown(f.message, 1000)}`,
  ];
  if (f.traceback) lines.push("", "Traceback (last lines):", "", codeBlock(f.traceback, 3000));
  if (f.log) lines.push("", "Codec output:", "", codeBlock(f.log, 2000));
  return lines.join("\n");
}

function headSection(result: EvaluationResult, options: MarkdownOptions): string {
  const kind = verdictKind(result);
  const lines = [`## ${HEADINGS[kind]}`, ""];
  if (options.subject) lines.push(escapeMarkdown(options.subject, 300), "");
  if (result.verdict) lines.push(`**Verdict:** ${escapeMarkdown(result.verdict.reason, 1000)}`, "");
  if (options.rule) lines.push(ruleSentence(options.rule), "");
  for (const notice of options.notices ?? []) lines.push(`> ${escapeMarkdown(notice, 500)}`, "");
  if (kind === "failed") lines.push(failureSection(result), "");
  const means = Object.entries(result.summary?.bdRate ?? {});
  if (means.length > 0) {
    lines.push(
      "**Mean BD-rate over the clips** (negative = fewer bits for the same PSNR-RGB):",
      "",
    );
    for (const [ref, value] of means) {
      lines.push(`- ${escapeMarkdown(bdRateSentence(ref, value, "undefined on every clip"))}`);
    }
    lines.push("");
  }
  if (result.heldOut) {
    const h = result.heldOut;
    const bd = Object.entries(h.bdRate)
      .map(([ref, value]) => `${escapeMarkdown(ref, 40)} ${percent(value)}`)
      .join(", ");
    lines.push(
      `Held-out: ${fixed(h.clips, 0)} clips, ${fixed(h.frames, 0)} frames, mean ${fixed(h.meanBitsPerPixel, 4)} bpp, mean PSNR-RGB ${fixed(h.meanPsnrRgb, 2)} dB, BD-rate ${bd || "n/a"}.`,
      "",
    );
  }
  if (result.pairedTiming) {
    lines.push(escapeMarkdown(pairedTimingLine(result.pairedTiming), 800), "");
  }
  if (result.sandbox) {
    lines.push(`Sandbox: ${escapeMarkdown(result.sandbox.isolation, 300)}.`);
    for (const warning of result.sandbox.warnings.slice(0, 10)) {
      lines.push(`> ⚠️ ${escapeMarkdown(warning, 300)}`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function environmentSection(result: EvaluationResult): string {
  const env = Object.entries(result.environment ?? {}).slice(0, 40);
  if (env.length === 0) return "";
  const rows = env.map(([k, v]) => [escapeMarkdown(k, 60), escapeMarkdown(String(v), 200)]);
  return [
    "<details><summary>Environment</summary>",
    "",
    table(["tool", "version / setting"], rows),
    "",
    "</details>",
  ].join("\n");
}

/**
 * Render an evaluation as GitHub markdown, at most `maxChars` characters
 * (default CHECK_SUMMARY_LIMIT): the verdict, rule and BD-rate lines always;
 * then clip sections while they fit, and a note naming what was left out.
 */
export function renderMarkdown(result: EvaluationResult, options: MarkdownOptions = {}): string {
  const maxChars = options.maxChars ?? CHECK_SUMMARY_LIMIT;
  const head = headSection(result, options);
  const sections = [...result.clips.map(clipSection), environmentSection(result)].filter(Boolean);
  const where = options.fullResultsAt
    ? ` Full results: ${escapeMarkdown(options.fullResultsAt)}.`
    : "";
  const note = (left: number) =>
    `\n\n> ✂️ ${left} more section(s) left out to stay under ${maxChars} characters.${where}`;
  let out = head.trimEnd();
  for (const [i, section] of sections.entries()) {
    const left = sections.length - i - 1;
    const reserve = left > 0 ? note(left).length : 0;
    if (out.length + 2 + section.length + reserve > maxChars) {
      return fit(`${out}${note(sections.length - i)}`, maxChars);
    }
    out += `\n\n${section}`;
  }
  return fit(`${out}\n`, maxChars);
}

/** Cut to maxChars at a line boundary when even the head is too long (bounded fields make this rare). */
function fit(markdown: string, maxChars: number): string {
  if (markdown.length <= maxChars) return markdown;
  const marker = "\n\n> ✂️ cut to fit the size limit.\n";
  const cut = markdown.slice(0, Math.max(0, maxChars - marker.length));
  return `${cut.slice(0, Math.max(0, cut.lastIndexOf("\n")))}${marker}`.slice(0, maxChars);
}
