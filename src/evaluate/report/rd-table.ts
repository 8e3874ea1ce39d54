/** Plain-text tables of an evaluation: one per clip, rungs of the candidate and each reference. */
import { pairedTimingLine } from "./paired-timing-line.js";
import { tooFewRungsNote } from "../rd/compare-curves.js";
import type { ClipResult, EvaluationResult, Rung } from "../results.js";
import { signedPercent } from "../../format/signed-percent.js";
import { renderTextTable } from "../../format/text-table.js";

/** Column headers of an RD table, shared by the text and markdown reports. */
export const RD_COLUMNS = [
  "codec",
  "setting",
  "bytes",
  "bpp",
  "Mbps",
  "Mbps@1080p30",
  "ratio",
  "PSNR-RGB",
  "SSIM-RGB",
  "PSNR-Y",
  "SSIM-Y",
  "enc fps",
  "dec fps",
] as const;

/** A number with fixed digits; "inf" / "nan" for the non-finite values a hostile codec can produce. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : value > 0 ? "inf" : "nan";
}

/** The cells of one rung in RD_COLUMNS order. */
export function rungRow(codec: string, rung: Rung): string[] {
  return [
    codec,
    rung.setting ?? `q=${rung.quality}`,
    String(rung.bytes),
    fixed(rung.bitsPerPixel, 4),
    fixed(rung.mbps, 3),
    fixed(rung.mbps1080p30, 2),
    `${fixed(rung.compressionRatio, 1)}x`,
    fixed(rung.psnrRgb, 2),
    fixed(rung.ssimRgb, 4),
    fixed(rung.psnrY, 2),
    fixed(rung.ssimY, 4),
    fixed(rung.encodeFps, 1),
    fixed(rung.decodeFps, 1),
  ];
}

/** "candidate needs 12.3% fewer bits than x265 for the same PSNR-RGB". */
export function bdRateSentence(reference: string, bdRate: number | null, note?: string): string {
  if (bdRate === null) return `vs ${reference}: BD-rate undefined (${note ?? "no data"})`;
  const amount = Math.abs(bdRate).toFixed(1);
  const direction = bdRate <= 0 ? "fewer" : "more";
  return `vs ${reference}: candidate needs ${amount}% ${direction} bits for the same PSNR-RGB (BD-rate ${signedPercent(bdRate)})`;
}

/** The RD table and BD-rate lines of one clip. */
export function renderClip(clip: ClipResult): string {
  const rows: string[][] = [[...RD_COLUMNS]];
  for (const rung of clip.rungs) rows.push(rungRow("candidate", rung));
  for (const [name, baseline] of Object.entries(clip.baselines)) {
    for (const rung of baseline.rungs) rows.push(rungRow(name, rung));
  }
  const header = `${clip.name}  ${clip.width}x${clip.height}, ${clip.frames} frames @ ${clip.fps} fps${clip.source ? `  (${clip.source})` : ""}`;
  const lines = Object.entries(clip.bdRate).map(
    ([name, value]) => `  ${bdRateSentence(name, value, clip.bdRateNotes?.[name])}`,
  );
  const tooFew = tooFewRungsNote(clip.rungs.length);
  if (tooFew && lines.length === 0) lines.push(`  no BD-rate: ${tooFew}`);
  return [header, renderTextTable(rows, { rightAlignFrom: 2 }), ...lines].join("\n");
}

/** The whole human report of an evaluation. */
export function renderEvaluation(result: EvaluationResult): string {
  const parts: string[] = [];
  if (result.sandbox) {
    parts.push(`sandbox: ${result.sandbox.isolation}`);
    for (const warning of result.sandbox.warnings) parts.push(`WARNING: ${warning}`);
  }
  for (const clip of result.clips) parts.push("", renderClip(clip));
  if (result.heldOut) {
    const h = result.heldOut;
    const bd = Object.entries(h.bdRate)
      .map(([name, value]) => `${name} ${signedPercent(value)}`)
      .join(", ");
    parts.push(
      "",
      `held-out: ${h.clips} clips, ${h.frames} frames, mean ${fixed(h.meanBitsPerPixel, 4)} bpp, mean PSNR-RGB ${fixed(h.meanPsnrRgb, 2)} dB, BD-rate ${bd || "n/a"}`,
    );
  }
  if (result.summary && Object.keys(result.summary.bdRate).length > 0) {
    parts.push("", "mean over clips:");
    for (const [name, value] of Object.entries(result.summary.bdRate)) {
      parts.push(`  ${bdRateSentence(name, value, "undefined on every clip")}`);
    }
  }
  if (result.status === "failed" && result.failure) {
    const f = result.failure;
    const where = [
      f.stage && `stage ${f.stage}`,
      f.clip && `clip ${f.clip}`,
      f.quality !== undefined && `quality ${f.quality}`,
      f.frameIndex !== undefined && `frame ${f.frameIndex}`,
      f.line !== null && `codec line ${f.line}`,
    ]
      .filter(Boolean)
      .join(", ");
    parts.push("", `FAILED [${f.category}]${where ? ` (${where})` : ""}: ${f.message}`);
    if (f.traceback) parts.push(f.traceback.replace(/^/gm, "  | "));
  }
  if (result.pairedTiming) parts.push("", pairedTimingLine(result.pairedTiming));
  if (result.verdict) {
    parts.push(
      "",
      `verdict: ${result.verdict.adopt ? "ADOPT" : "reject"} — ${result.verdict.reason}`,
    );
  }
  return parts.join("\n").trimStart();
}
