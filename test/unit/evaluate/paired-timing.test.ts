/**
 * Paired timing's own logic with fake codec sides: which rungs and frames, the
 * alternation (order flipped every chunk), the ratio and its spread, failures by side.
 */
import { streamOf } from "../../../src/evaluate/clips/clip-stream.js";
import {
  chunkOrder,
  chunkSizes,
  pairedFigures,
  pairedSegments,
  segmentKey,
  timedQualities,
  timePaired,
} from "../../../src/evaluate/paired-timing.js";
import type { Failure } from "../../../src/evaluate/results.js";
import type { OpenCodecSide, StreamingSide } from "../../../src/evaluate/stream-rung.js";
import { clip } from "./fake-deps.js";

describe("which rungs and frames are timed", () => {
  it("times the ladder's low, middle and high rungs", () => {
    expect(timedQualities([20, 35, 50, 65, 80])).toEqual([20, 50, 80]);
    expect(timedQualities([20, 50, 65, 80])).toEqual([20, 50, 80]);
    expect(timedQualities([30, 60])).toEqual([30, 60]);
    expect(timedQualities([50])).toEqual([50]);
    expect(timedQualities([])).toEqual([]);
  });

  it("spreads the per-side budget over the shown clips and timed rungs, at most each clip", () => {
    const settings = { framesPerSide: 18, chunkFrames: 2 };
    const ladder = [20, 35, 50, 65, 80];
    // One clip: each timed rung gets a third of the budget, at most the clip.
    expect(pairedSegments(settings, ladder, [100])).toEqual([
      { clip: 0, quality: 20, frames: 6 },
      { clip: 0, quality: 50, frames: 6 },
      { clip: 0, quality: 80, frames: 6 },
    ]);
    expect(pairedSegments(settings, ladder, [4]).map((s) => s.frames)).toEqual([4, 4, 4]);
    // The four bundled clips (20, 16, 12, 12 frames) at the default 60: every clip whole,
    // the rungs taken in turn.
    expect(pairedSegments({ ...settings, framesPerSide: 60 }, ladder, [20, 16, 12, 12])).toEqual([
      { clip: 0, quality: 20, frames: 15 },
      { clip: 1, quality: 50, frames: 15 },
      { clip: 2, quality: 80, frames: 12 },
      { clip: 3, quality: 20, frames: 12 },
    ]);
    // Two clips, three rungs: the first clip twice, at different rungs.
    expect(pairedSegments(settings, [20, 50, 80], [30, 30])).toEqual([
      { clip: 0, quality: 20, frames: 6 },
      { clip: 1, quality: 50, frames: 6 },
      { clip: 0, quality: 80, frames: 6 },
    ]);
    expect(pairedSegments({ ...settings, framesPerSide: 1 }, [50], [100])).toEqual([
      { clip: 0, quality: 50, frames: 1 },
    ]);
    expect(pairedSegments(settings, [], [10])).toEqual([]);
    expect(pairedSegments(settings, ladder, [])).toEqual([]);
  });

  it("cuts a rung's frames into chunks and flips the order every chunk", () => {
    expect(chunkSizes(6, 2)).toEqual([2, 2, 2]);
    expect(chunkSizes(5, 2)).toEqual([2, 2, 1]);
    expect(chunkSizes(1, 4)).toEqual([1]);
    expect([0, 1, 2, 3].map(chunkOrder)).toEqual([
      ["candidate", "parent"],
      ["parent", "candidate"],
      ["candidate", "parent"],
      ["parent", "candidate"],
    ]);
  });
});

describe("pairedFigures", () => {
  it("sums CPU seconds per side and gives the spread of the per-chunk ratios", () => {
    const figures = pairedFigures([
      { parent: 2, candidate: 1 },
      { parent: 3, candidate: 1 },
      { parent: 1, candidate: 1 },
    ])!;
    expect(figures.parentCpuSeconds).toBe(6);
    expect(figures.candidateCpuSeconds).toBe(3);
    expect(figures.speedup).toBe(2);
    expect(figures.chunkSpeedups).toEqual({ min: 1, median: 2, max: 3 });
    expect(
      pairedFigures([
        { parent: 1, candidate: 1 },
        { parent: 2, candidate: 1 },
      ])!.chunkSpeedups.median,
    ).toBe(1.5);
  });

  it("gives no ratio when a side spent no CPU time", () => {
    expect(pairedFigures([{ parent: 0, candidate: 1 }])).toBeNull();
    expect(pairedFigures([{ parent: 1, candidate: 0 }])).toBeNull();
    expect(pairedFigures([])).toBeNull();
  });
});

/** Fake encoders: `cpu[path]` CPU seconds per frame; every call logged as "path q index". */
function fakeEncoders(
  cpu: Record<string, number>,
  log: string[],
  failOn: { path: string; index: number; failure: Failure } | null = null,
): OpenCodecSide {
  return async (mode, codecPath, config) => {
    if (mode !== "encode") throw new Error("paired timing only encodes");
    const side: StreamingSide = {
      process: async (index) => {
        const clipName = typeof config.clipName === "string" ? `${config.clipName} ` : "";
        log.push(`${codecPath} ${clipName}q${config.quality} #${index}`);
        if (failOn && failOn.path === codecPath && failOn.index === index) {
          return { ok: false, failure: failOn.failure };
        }
        const data = Buffer.alloc(8 + index, config.quality);
        return { ok: true, data, seconds: cpu[codecPath]!, cpuSeconds: cpu[codecPath]! };
      },
      finish: async () => null,
      dispose: () => undefined,
    };
    return { ok: true, side };
  };
}

const configFor = (c: { width: number; height: number; fps: number }, quality: number) => ({
  quality,
  width: c.width,
  height: c.height,
  fps: c.fps,
});

describe("timePaired", () => {
  it("alternates parent and candidate chunk by chunk on the same frames and rungs", async () => {
    const log: string[] = [];
    const outcome = await timePaired({
      openSide: fakeEncoders({ "cand.py": 0.1, "parent.py": 0.4 }, log),
      candidatePath: "cand.py",
      parentPath: "parent.py",
      clips: [streamOf(clip("a", 10))],
      qualities: [20, 35, 50, 65, 80],
      configFor,
      settings: { framesPerSide: 9, chunkFrames: 2 },
    });
    if (!outcome.ok) throw new Error(outcome.failure.message);
    // 3 frames per rung: chunks of 2 and 1, the first side flipping every chunk across rungs.
    expect(log).toEqual([
      "cand.py q20 #0",
      "cand.py q20 #1",
      "parent.py q20 #0",
      "parent.py q20 #1",
      "parent.py q20 #2",
      "cand.py q20 #2",
      "cand.py q50 #0",
      "cand.py q50 #1",
      "parent.py q50 #0",
      "parent.py q50 #1",
      "parent.py q50 #2",
      "cand.py q50 #2",
      "cand.py q80 #0",
      "cand.py q80 #1",
      "parent.py q80 #0",
      "parent.py q80 #1",
      "parent.py q80 #2",
      "cand.py q80 #2",
    ]);
    expect(outcome.timing).toMatchObject({
      status: "ok",
      clip: "a",
      qualities: [20, 50, 80],
      frames: 9,
      chunks: 6,
    });
    expect(outcome.timing.speedup).toBeCloseTo(4, 9);
    expect(outcome.timing.parentCpuSeconds).toBeCloseTo(3.6, 9);
    expect(outcome.timing.chunkSpeedups.min).toBeCloseTo(4, 9);
    expect(outcome.segments.map((s) => s.frames)).toEqual([3, 3, 3]);
    // Same fake bytes on both sides: the digests agree per segment.
    expect([...outcome.digests.candidate.keys()]).toEqual(["0:20", "0:50", "0:80"]);
    expect(outcome.digests.candidate.get(segmentKey(0, 50))).toBe(
      outcome.digests.parent.get(segmentKey(0, 50)),
    );
  });

  it("times every shown clip from its key frame, one rung each, and reports what it timed", async () => {
    const log: string[] = [];
    const named = (c: { name: string; width: number; height: number; fps: number }, q: number) => ({
      ...configFor(c, q),
      clipName: c.name,
    });
    const outcome = await timePaired({
      openSide: fakeEncoders({ "cand.py": 0.1, "parent.py": 0.2 }, log),
      candidatePath: "cand.py",
      parentPath: "parent.py",
      clips: [streamOf(clip("a", 10)), streamOf(clip("b", 2)), streamOf(clip("c", 10))],
      qualities: [20, 50, 80],
      configFor: named,
      settings: { framesPerSide: 9, chunkFrames: 4 },
    });
    if (!outcome.ok) throw new Error(outcome.failure.message);
    expect(log).toEqual([
      "cand.py a q20 #0",
      "cand.py a q20 #1",
      "cand.py a q20 #2",
      "parent.py a q20 #0",
      "parent.py a q20 #1",
      "parent.py a q20 #2",
      "parent.py b q50 #0",
      "parent.py b q50 #1",
      "cand.py b q50 #0",
      "cand.py b q50 #1",
      "cand.py c q80 #0",
      "cand.py c q80 #1",
      "cand.py c q80 #2",
      "parent.py c q80 #0",
      "parent.py c q80 #1",
      "parent.py c q80 #2",
    ]);
    expect(outcome.timing).toMatchObject({
      clip: "a",
      qualities: [20, 50, 80],
      frames: 8,
      chunks: 3,
      segments: [
        { clip: "a", quality: 20, frames: 3 },
        { clip: "b", quality: 50, frames: 2 },
        { clip: "c", quality: 80, frames: 3 },
      ],
    });
    expect(outcome.timing.speedup).toBeCloseTo(2, 9);
    expect([...outcome.digests.parent.keys()]).toEqual(["0:20", "1:50", "2:80"]);
  });

  it("names the side that failed, and the segment", async () => {
    const failure: Failure = { category: "runtime", message: "boom", line: 3 };
    for (const path of ["cand.py", "parent.py"]) {
      const outcome = await timePaired({
        openSide: fakeEncoders({ "cand.py": 0.1, "parent.py": 0.1 }, [], {
          path,
          index: 1,
          failure,
        }),
        candidatePath: "cand.py",
        parentPath: "parent.py",
        clips: [streamOf(clip("a", 4))],
        qualities: [50],
        configFor,
        settings: { framesPerSide: 4, chunkFrames: 2 },
      });
      expect(outcome).toMatchObject({
        ok: false,
        side: path === "cand.py" ? "candidate" : "parent",
        segment: { clip: 0, quality: 50, frames: 4 },
        failure: { category: "runtime", message: "boom", stage: "encode" },
      });
    }
  });
});
