/**
 * The commit message of an adopted version (issue 4 item 8): the title, the
 * one-line headline, the figures, the verdict, the timestamp and the proposer, plus the
 * candidate id that lets a resumed loop recognise its own commit.
 */
import type { LedgerRecord, MetricsSummary } from "./ledger-record.js";
import { signedPercent as pct } from "../../format/signed-percent.js";

/** The message for `record` adopted as `version`, improving on `previous` (the best before it). */
export function versionCommitMessage(
  record: LedgerRecord,
  version: number,
  previous: LedgerRecord | null,
  timestamp: Date,
  note?: string,
): string {
  const m = record.metrics;
  const mbps = m ? m.meanMbps.toFixed(3) : "n/a";
  const ratio = m ? m.compressionRatio.toFixed(1) : "n/a";
  const lines = [
    `Autonomous Code Evolution - v${version}`,
    "",
    `LLM evolved codec to v${version} - ${mbps} Mbps, ${ratio}x compression`,
    "",
  ];
  if (note) lines.push(note, "");
  if (m) {
    const clips = m.clips.length;
    const rungs = clips > 0 ? "the quality ladder" : "no clip";
    lines.push(
      `Bitrate: ${mbps} Mbps mean over ${rungs} of ${clips} clip(s) (${m.meanMbps1080p30.toFixed(2)} Mbps scaled to 1080p30, ${m.meanBitsPerPixel.toFixed(4)} bits/pixel)`,
      `Compression: ${ratio}x`,
      `PSNR-RGB: ${m.meanPsnrRgb.toFixed(2)} dB (SSIM-RGB ${m.meanSsimRgb.toFixed(4)})`,
      `BD-rate vs parent${previous?.version ? ` (v${previous.version})` : ""}: ${pct(m.bdRateParent)}`,
      `BD-rate vs x265: ${pct(m.bdRateX265)}`,
    );
    if (m.bdRateX265Ld !== undefined) lines.push(`BD-rate vs x265-ld: ${pct(m.bdRateX265Ld)}`);
    if (m.heldOut) {
      const ld =
        m.heldOut.bdRateX265Ld !== undefined ? `, vs x265-ld ${pct(m.heldOut.bdRateX265Ld)}` : "";
      lines.push(
        `Held-out (${m.heldOut.clips} clip(s)): BD-rate vs parent ${pct(m.heldOut.bdRateParent)}, vs x265 ${pct(m.heldOut.bdRateX265)}${ld}`,
      );
    }
    const before = previous?.metrics;
    if (before) {
      lines.push(
        `Improvement over v${previous!.version}: ${pct(m.bdRateParent)} bits at equal PSNR-RGB; ` +
          `bitrate ${before.meanMbps.toFixed(3)} -> ${mbps} Mbps, compression ${before.compressionRatio.toFixed(1)}x -> ${ratio}x, ` +
          `PSNR-RGB ${before.meanPsnrRgb.toFixed(2)} -> ${m.meanPsnrRgb.toFixed(2)} dB`,
      );
    }
    // The rule's speed path (when on) adopts on speed, so the commit shows the speed it improved on.
    const cpu = (x: MetricsSummary) =>
      x.meanEncodeCpuFps !== undefined
        ? `, ${x.meanEncodeCpuFps.toFixed(1)} fps per CPU second`
        : "";
    const was = before
      ? ` (v${previous!.version} in its own run: ${before.meanEncodeFps.toFixed(1)} fps${cpu(before)})`
      : "";
    lines.push(
      `Encode speed: ${m.meanEncodeFps.toFixed(1)} fps${cpu(m)}${was}, decode ${m.meanDecodeFps.toFixed(1)} fps`,
    );
  }
  // The rule's own sentence: which path adopted it, and the side-by-side speed ratio when that
  // path was speed (the fps above come from separate runs and are context, not the judgement).
  if (record.verdict) lines.push(`Verdict: ${record.verdict.reason.replace(/\s+/g, " ").trim()}`);
  if (record.hypothesis) lines.push(`Hypothesis: ${record.hypothesis.replace(/\s+/g, " ").trim()}`);
  lines.push(
    `Timestamp: ${timestamp.toISOString()}`,
    `Proposer: ${record.proposer.label}`,
    `Candidate: ${record.id}`,
  );
  return `${lines.join("\n")}\n`;
}
