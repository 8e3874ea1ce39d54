import type { ClipResult } from "../../../src/evaluate/results.js";
import { meanBdRate } from "../../../src/evaluate/rd/compare-curves.js";

const clip = (name: string, bdRate: Record<string, number | null>): ClipResult => ({
  name,
  width: 16,
  height: 16,
  frames: 1,
  fps: 25,
  rungs: [],
  baselines: {},
  bdRate,
});

describe("meanBdRate", () => {
  const clips = [clip("a", { x265: -10, parent: -20 }), clip("b", { x265: 30, parent: null })];

  it("averages over the clips where BD-rate is defined", () => {
    expect(meanBdRate(clips)).toEqual({ x265: 10, parent: -20 });
  });

  it("with requireAll, refuses a mean that would skip an incomparable clip", () => {
    expect(meanBdRate(clips, { requireAll: true })).toEqual({ x265: 10, parent: null });
  });

  it("is null where no clip has a value", () => {
    expect(meanBdRate([clip("a", { jpeg: null })])).toEqual({ jpeg: null });
  });
});
