/** The paired timing as the reports show it: the CLI's text and the markdown of check runs and comments. */
import { renderMarkdown } from "../../../src/evaluate/report/markdown.js";
import { pairedTimingLine } from "../../../src/evaluate/report/paired-timing-line.js";
import { renderEvaluation } from "../../../src/evaluate/report/rd-table.js";
import type { PairedTiming } from "../../../src/evaluate/results.js";
import { fakeResult } from "../evolve/fake-result.js";

const timing: PairedTiming = {
  status: "ok",
  clip: "astronaut-pan",
  qualities: [20, 50, 80],
  frames: 18,
  chunks: 9,
  parentCpuSeconds: 3.6,
  candidateCpuSeconds: 1.8,
  speedup: 2,
  chunkSpeedups: { min: 1.8, median: 2.01, max: 2.3 },
};

describe("pairedTimingLine", () => {
  it("names the ratio, its spread, the frames, clip and rungs", () => {
    expect(pairedTimingLine(timing)).toBe(
      "Encode speed timed side by side: the candidate ran at 2.00x the parent's speed per CPU second " +
        "(18 frames each of astronaut-pan at q20/50/80, 9 alternating chunks; per chunk 1.80x–2.30x, median 2.01x; " +
        "parent 3.60 CPU s, candidate 1.80 CPU s).",
    );
  });

  it("names each clip's segment when several clips were timed", () => {
    const segments = [
      { clip: "a", quality: 20, frames: 15 },
      { clip: "b", quality: 50, frames: 12 },
    ];
    expect(pairedTimingLine({ ...timing, frames: 27, qualities: [20, 50], segments })).toContain(
      "(27 frames each of a q20 x15, b q50 x12, 9 alternating chunks;",
    );
    // One clip with segments reads as before.
    expect(
      pairedTimingLine({
        ...timing,
        segments: [{ clip: "astronaut-pan", quality: 20, frames: 6 }],
      }),
    ).toContain("18 frames each of astronaut-pan at q20/50/80,");
  });

  it("says why there is none, and what the rules used instead", () => {
    expect(pairedTimingLine({ status: "unavailable", reason: "the parent failed" })).toBe(
      "Encode speed not timed side by side (the parent failed): the speed rules compared the means of separate runs.",
    );
  });

  it("is in the CLI's text and in the markdown report", () => {
    const result = fakeResult([{ name: "a", bdParent: 0 }]);
    result.pairedTiming = timing;
    expect(renderEvaluation(result)).toContain("the candidate ran at 2.00x the parent's speed");
    // Markdown escapes the apostrophe as an HTML entity.
    expect(renderMarkdown(result)).toContain("the candidate ran at 2.00x the parent&#39;s speed");
    delete result.pairedTiming;
    expect(renderMarkdown(result)).not.toContain("side by side");
  });
});
