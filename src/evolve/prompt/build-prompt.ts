/**
 * The user prompt: the codec to improve, its RD table, the recent attempts,
 * the failure report, inspirations and the user's focus. Deterministic for the
 * same state (no clocks, stable order) and bounded: when too long, the oldest
 * attempts go first, then inspirations, then RD rows. Held-out clips are
 * never named: only shown clips appear in results passed here.
 */
import type { EvaluationResult } from "../../evaluate/results.js";
import type { LedgerRecord } from "../ledger/ledger-record.js";
import { lineDiff } from "./line-diff.js";
import type { PromptMessages } from "./prompt-messages.js";
import { signedPercent as pct } from "../../format/signed-percent.js";

/** An attempt's outcome in the prompt: long enough for a verdict's every check (bits, ratio, speed). */
const MAX_OUTCOME_CHARS = 700;

export interface PromptInput {
  system: string;
  codecPath: string;
  /** The record whose code is to be improved, its codec source and stored evaluation. */
  parent: { record: LedgerRecord; source: string; result: EvaluationResult | null };
  best: LedgerRecord;
  /** Recent attempts, oldest first. */
  recent: readonly LedgerRecord[];
  failureReport: string;
  inspirations: ReadonlyArray<{ record: LedgerRecord; source: string }>;
  focus: string | null;
  /** The adoption threshold, stated in the task. */
  targetSavingPercent: number;
  maxChars: number;
}

/** Build the messages for one proposal within `maxChars` characters where possible. */
export function buildPrompt(input: PromptInput): PromptMessages {
  let recent = [...input.recent];
  let inspirations = [...input.inspirations];
  let rdRows = Infinity;
  const budget = input.maxChars - input.system.length;
  for (;;) {
    const user = renderUser(input, recent, inspirations, rdRows);
    if (user.length <= budget) return { system: input.system, user };
    if (recent.length > 0) recent = recent.slice(1);
    else if (inspirations.length > 0) inspirations = inspirations.slice(0, -1);
    else if (rdRows > 2) rdRows = rdRows === Infinity ? 8 : Math.floor(rdRows / 2);
    else return { system: input.system, user };
  }
}

function renderUser(
  input: PromptInput,
  recent: readonly LedgerRecord[],
  inspirations: PromptInput["inspirations"],
  rdRows: number,
): string {
  const { parent, best } = input;
  const sections: string[] = [];
  const parentName = describe(parent.record);
  sections.push(
    `# Current best: v${best.version}` +
      (parent.record.id === best.id
        ? ""
        : `\nYou are asked to improve ${parentName} instead (a candidate that scored well but was not adopted, or an elite kept for diversity); your change is compared against v${best.version}.`),
  );
  sections.push(`## Figures of ${parentName}\n${metricsLine(parent.record)}`);
  if (parent.result)
    sections.push(`## Rate-distortion table of ${parentName}\n${rdTable(parent.result, rdRows)}`);
  sections.push(
    `## Source of ${parentName}: ${input.codecPath}\n\`\`\`python\n${parent.source.replace(/\n$/, "")}\n\`\`\``,
  );
  if (recent.length > 0) {
    sections.push(
      `## Last ${recent.length} attempt(s), oldest first\n${recent.map(attemptLine).join("\n")}`,
    );
  }
  sections.push(`## Failure report\n${input.failureReport}`);
  for (const inspiration of inspirations) {
    // Shown as a diff from the code being improved when that is shorter than the whole source.
    const diff = lineDiff(parent.source, inspiration.source);
    const body =
      diff.length > 0 && diff.length < inspiration.source.length
        ? `Its difference from the code above:\n\`\`\`diff\n${diff}\n\`\`\``
        : `\`\`\`python\n${inspiration.source.replace(/\n$/, "")}\n\`\`\``;
    sections.push(
      `## Inspiration: ${describe(inspiration.record)}\n${metricsLine(inspiration.record)}\n` +
        `Hypothesis: ${inspiration.record.hypothesis || "(starting codec)"}\n${diff === "" ? "Same code as above." : body}`,
    );
  }
  if (input.focus) sections.push(`## Focus requested by the user\n${input.focus}`);
  sections.push(
    `## Your task\nPropose one change to ${input.codecPath} that needs at least ${input.targetSavingPercent}% fewer bits than v${best.version} at the same PSNR-RGB, within the contract. Answer in the required format.`,
  );
  return sections.join("\n\n") + "\n";
}

function describe(record: LedgerRecord): string {
  return record.version !== null ? `v${record.version} (${record.id})` : `candidate ${record.id}`;
}

function metricsLine(record: LedgerRecord): string {
  const m = record.metrics;
  if (!m) return "no figures";
  const clips = m.clips.map((clip) => `${clip.name} ${pct(clip.bdRateX265)}`).join(", ");
  return (
    `mean ${m.meanMbps.toFixed(3)} Mbps (${m.meanBitsPerPixel.toFixed(4)} bits/pixel), ${m.compressionRatio.toFixed(1)}x compression, ` +
    `PSNR-RGB ${m.meanPsnrRgb.toFixed(2)} dB, SSIM-RGB ${m.meanSsimRgb.toFixed(4)}, encode ${m.meanEncodeFps.toFixed(1)} fps, decode ${m.meanDecodeFps.toFixed(1)} fps; ` +
    `BD-rate vs x265 ${pct(m.bdRateX265)} (per clip: ${clips})`
  );
}

function rdTable(result: EvaluationResult, maxRowsPerClip: number): string {
  const lines = ["clip | codec | setting | bits/pixel | PSNR-RGB | SSIM-RGB | encode fps"];
  for (const clip of result.clips) {
    const rows: string[] = [];
    for (const rung of clip.rungs) {
      rows.push(
        `${clip.name} | this | q=${rung.quality} | ${rung.bitsPerPixel.toFixed(4)} | ${rung.psnrRgb.toFixed(2)} | ${rung.ssimRgb.toFixed(4)} | ${rung.encodeFps.toFixed(1)}`,
      );
    }
    const x265 = clip.baselines.x265;
    if (x265) {
      for (const rung of x265.rungs) {
        rows.push(
          `${clip.name} | x265 | ${rung.setting ?? `q=${rung.quality}`} | ${rung.bitsPerPixel.toFixed(4)} | ${rung.psnrRgb.toFixed(2)} | ${rung.ssimRgb.toFixed(4)} | -`,
        );
      }
    }
    lines.push(...rows.slice(0, maxRowsPerClip));
    if (rows.length > maxRowsPerClip)
      lines.push(`${clip.name} | ... ${rows.length - maxRowsPerClip} more row(s) omitted`);
    lines.push(`${clip.name} | BD-rate vs x265: ${pct(clip.bdRate.x265 ?? null)}`);
  }
  return lines.join("\n");
}

function attemptLine(record: LedgerRecord): string {
  const outcome =
    record.status === "adopted"
      ? `adopted as v${record.version}`
      : record.status === "rejected"
        ? (record.verdict?.reason ?? "rejected: not better")
        : record.status === "duplicate"
          ? "duplicate of earlier code, not evaluated"
          : `${record.status} [${record.failure?.category ?? "?"}]: ${oneLine(record.failure?.message ?? "")}`;
  const figures = record.metrics
    ? ` | BD-rate vs parent ${pct(record.metrics.bdRateParent)}, vs x265 ${pct(record.metrics.bdRateX265)}, ${record.metrics.meanMbps.toFixed(3)} Mbps, PSNR ${record.metrics.meanPsnrRgb.toFixed(2)} dB`
    : "";
  return `- ${record.id} (from ${record.parentId ?? "-"}): ${oneLine(record.hypothesis) || "(no hypothesis)"} -> ${oneLine(outcome).slice(0, MAX_OUTCOME_CHARS)}${figures}`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
