import { adoptionSchema } from "../../../src/config/schema.js";
import { decideVerdict } from "../../../src/evaluate/verdict.js";
import { failedResult, fakeResult } from "./fake-result.js";

const rule = adoptionSchema.parse({});
const parent = fakeResult([{ name: "a" }, { name: "b" }], "parent.py");

describe("decideVerdict", () => {
  it("adopts at -10% BD-rate vs parent and names the numbers", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -12 },
      { name: "b", bdParent: -8 },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(true);
    expect(verdict.reason).toContain("-10.00%");
    expect(verdict.reason).toContain("mean of 2 clip(s)");
  });

  it("rejects -9.9% and says why", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -9.9 },
      { name: "b", bdParent: -9.9 },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toMatch(/-9\.90% \(PSNR-RGB, mean of 2 clip\(s\)\) > -10\.00%/);
  });

  it("does not skip a clip whose BD-rate vs parent is undefined", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -50 },
      { name: "b", bdParent: null },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain("not computable on b");
  });

  it("adopts a 1.2x compression ratio at no lower PSNR on every rung", () => {
    const rungs: Array<[number, number, number]> = [
      [20, 240, 30],
      [35, 180, 33],
      [50, 120, 36],
      [65, 72, 39],
      [80, 36, 43],
    ];
    const candidate = fakeResult([
      { name: "a", bdParent: -1, rungs },
      { name: "b", bdParent: -1, rungs },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(true);
    expect(verdict.reason).toContain("1.20x");
  });

  it("refuses the ratio route when one rung loses quality", () => {
    const rungs: Array<[number, number, number]> = [
      [20, 240, 30],
      [35, 180, 33],
      [50, 120, 35.9],
      [65, 72, 39],
      [80, 36, 43],
    ];
    const candidate = fakeResult([
      { name: "a", bdParent: -1, rungs },
      { name: "b", bdParent: -1, rungs },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain("-0.10 dB");
  });

  it("refuses a candidate that is too slow even with a large saving", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -40, encodeFps: 4 },
      { name: "b", bdParent: -40, encodeFps: 4 },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain("below the limit of 5.0 fps");
  });

  it("refuses failed candidates, quality floor included", () => {
    const verdict = decideVerdict(
      failedResult("quality-floor", "PSNR-RGB 12 dB is below the floor"),
      parent,
      rule,
    );
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain("quality-floor");
  });

  it("counts held-out clips in the decisive BD-rate", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -20 },
      { name: "b", bdParent: -20 },
    ]);
    candidate.heldOut = {
      clips: 2,
      frames: 20,
      meanBitsPerPixel: 0.2,
      meanPsnrRgb: 35,
      bdRate: { parent: 5 },
    };
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain("all clips -7.50%");
  });

  it("follows a configured threshold", () => {
    const candidate = fakeResult([
      { name: "a", bdParent: -3 },
      { name: "b", bdParent: -3 },
    ]);
    expect(decideVerdict(candidate, parent, { ...rule, minBitSavingPercent: 2 }).adopt).toBe(true);
  });
});
