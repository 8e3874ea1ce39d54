import type { PairedTiming } from "../results.js";

/** One plain-text sentence on how parent and candidate were timed, for every report (escape it for markdown). */
export function pairedTimingLine(timing: PairedTiming): string {
  if (timing.status === "unavailable") {
    return `Encode speed not timed side by side (${timing.reason}): the speed rules compared the means of separate runs.`;
  }
  const { min, median, max } = timing.chunkSpeedups;
  const x = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}x` : "n/a");
  return (
    `Encode speed timed side by side: the candidate ran at ${x(timing.speedup)} the parent's speed per CPU second ` +
    `(${timing.frames} frames each of ${what(timing)}, ` +
    `${timing.chunks} alternating chunks; per chunk ${x(min)}–${x(max)}, median ${x(median)}; ` +
    `parent ${timing.parentCpuSeconds.toFixed(2)} CPU s, candidate ${timing.candidateCpuSeconds.toFixed(2)} CPU s).`
  );
}

/** The timed frames in words: one clip at its rungs, or each clip's segment. */
function what(timing: Extract<PairedTiming, { status: "ok" }>): string {
  const clips = new Set(timing.segments?.map((segment) => segment.clip) ?? [timing.clip]);
  if (clips.size <= 1) return `${timing.clip} at q${timing.qualities.join("/")}`;
  return timing
    .segments!.map((segment) => `${segment.clip} q${segment.quality} x${segment.frames}`)
    .join(", ");
}
