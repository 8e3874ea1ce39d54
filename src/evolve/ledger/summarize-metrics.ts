/** The ledger's summary of an evaluation: means over the quality ladder of the shown clips. */
import type { EvaluationResult, Rung } from "../../evaluate/results.js";
import type { MetricsSummary } from "./ledger-record.js";

/** Summary figures of an ok evaluation; null when nothing was measured. */
export function summarizeMetrics(result: EvaluationResult): MetricsSummary | null {
  const rungs = result.clips.flatMap((clip) => clip.rungs);
  if (result.status !== "ok" || rungs.length === 0) return null;
  const rawBytes = result.clips.reduce(
    (sum, clip) => sum + clip.width * clip.height * 3 * clip.frames * clip.rungs.length,
    0,
  );
  const payloadBytes = rungs.reduce((sum, rung) => sum + rung.bytes, 0);
  const summary: MetricsSummary = {
    meanMbps: meanOf(rungs, (r) => r.mbps),
    meanMbps1080p30: meanOf(rungs, (r) => r.mbps1080p30),
    compressionRatio: rawBytes / Math.max(1, payloadBytes),
    meanBitsPerPixel: meanOf(rungs, (r) => r.bitsPerPixel),
    meanPsnrRgb: meanOf(rungs, (r) => r.psnrRgb),
    meanSsimRgb: meanOf(rungs, (r) => r.ssimRgb),
    meanEncodeFps: meanOf(rungs, (r) => r.encodeFps),
    meanDecodeFps: meanOf(rungs, (r) => r.decodeFps),
    bdRateX265: meanDefined(result.clips.map((clip) => clip.bdRate.x265)),
    bdRateX265Ld: meanDefined(result.clips.map((clip) => clip.bdRate["x265-ld"])),
    bdRateParent: meanDefined(result.clips.map((clip) => clip.bdRate.parent)),
    clips: result.clips.map((clip) => ({
      name: clip.name,
      bdRateX265: finiteOrNull(clip.bdRate.x265),
      bdRateX265Ld: finiteOrNull(clip.bdRate["x265-ld"]),
      bdRateParent: finiteOrNull(clip.bdRate.parent),
      meanMbps: meanOf(clip.rungs, (r) => r.mbps),
      compressionRatio:
        (clip.width * clip.height * 3 * clip.frames * clip.rungs.length) /
        Math.max(
          1,
          clip.rungs.reduce((sum, r) => sum + r.bytes, 0),
        ),
      meanPsnrRgb: meanOf(clip.rungs, (r) => r.psnrRgb),
    })),
  };
  // Only where every rung has it: a mean over some rungs would not compare with another record's.
  if (rungs.every((r) => typeof r.encodeCpuFps === "number" && Number.isFinite(r.encodeCpuFps))) {
    summary.meanEncodeCpuFps = meanOf(rungs, (r) => r.encodeCpuFps!);
  }
  if (result.pairedTiming) summary.pairedTiming = result.pairedTiming;
  if (result.heldOut && result.heldOut.clips > 0) {
    summary.heldOut = {
      clips: result.heldOut.clips,
      bdRateX265: finiteOrNull(result.heldOut.bdRate.x265),
      bdRateX265Ld: finiteOrNull(result.heldOut.bdRate["x265-ld"]),
      bdRateParent: finiteOrNull(result.heldOut.bdRate.parent),
    };
  }
  return summary;
}

function meanOf(rungs: readonly Rung[], pick: (rung: Rung) => number): number {
  return rungs.reduce((sum, rung) => sum + pick(rung), 0) / rungs.length;
}

function meanDefined(values: ReadonlyArray<number | null | undefined>): number | null {
  const defined = values.filter((v): v is number => typeof v === "number" && Number.isFinite(v));
  // A mean over only some clips would hide the clips where the figure is undefined.
  if (defined.length === 0 || defined.length !== values.length) return null;
  return defined.reduce((a, b) => a + b, 0) / defined.length;
}

function finiteOrNull(value: number | null | undefined): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}
