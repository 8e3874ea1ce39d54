import { readFileSync } from "node:fs";
import { BdRateError, bdRate, type RdPoint } from "../../../src/evaluate/rd/bd-rate.js";
import { Pchip } from "../../../src/evaluate/rd/pchip.js";

interface Golden {
  scipy: string;
  bdRate: { name: string; anchor: RdPoint[]; test: RdPoint[]; bdRate: number }[];
  pchip: {
    name: string;
    x: number[];
    y: number[];
    at: [number, number][];
    integral: [number, number, number][];
  }[];
}

const golden = JSON.parse(
  readFileSync(new URL("../../fixtures/bd-rate-golden.json", import.meta.url), "utf8"),
) as Golden;

/** |actual − expected| within 1e-9 relative (absolute near zero, where relative means nothing). */
function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(expected)));
}

const HM: RdPoint[] = golden.bdRate.find((c) => c.name === "jctvc-4pt-test-better")!.anchor;

describe("Pchip matches scipy.interpolate.PchipInterpolator", () => {
  it.each(golden.pchip.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const pchip = new Pchip(c.x, c.y);
    for (const [t, value] of c.at) expectClose(pchip.at(t), value);
    for (const [a, b, value] of c.integral) expectClose(pchip.integral(a, b), value);
  });

  it("passes through its points and refuses bad input", () => {
    const pchip = new Pchip([0, 1, 3, 4], [2, -1, 5, 5]);
    expect([0, 1, 3, 4].map((t) => pchip.at(t))).toEqual([2, -1, 5, 5]);
    expect(() => new Pchip([0, 1, 1], [0, 1, 2])).toThrow(/strictly increasing/);
    expect(() => new Pchip([0], [0])).toThrow(/at least 2/);
    expect(() => new Pchip([0, 1], [0, Number.NaN])).toThrow(/not finite/);
    expect(() => new Pchip([0, 1], [0])).toThrow(/2 values but y has 1/);
  });
});

describe("bdRate", () => {
  it(`matches SciPy ${golden.scipy} golden values`, () => {
    expect(golden.bdRate.length).toBeGreaterThanOrEqual(10);
    for (const c of golden.bdRate) {
      const actual = bdRate(c.anchor, c.test);
      expect({
        name: c.name,
        close: Math.abs(actual - c.bdRate) <= 1e-9 * Math.max(1, Math.abs(c.bdRate)),
      }).toEqual({
        name: c.name,
        close: true,
      });
    }
  });

  it("is exactly the rate ratio when the test curve is the anchor at scaled rates", () => {
    const cheaper = HM.map((p) => ({ rate: p.rate * 0.9, quality: p.quality }));
    expect(bdRate(HM, cheaper)).toBeCloseTo(-10, 10);
    expect(bdRate(cheaper, HM)).toBeCloseTo((1 / 0.9 - 1) * 100, 10);
    expect(bdRate(HM, HM)).toBe(0);
  });

  it("is negative when the test needs fewer bits and positive when it needs more", () => {
    const better = golden.bdRate.find((c) => c.name === "jctvc-4pt-test-better")!;
    const worse = golden.bdRate.find((c) => c.name === "jctvc-4pt-test-worse")!;
    expect(bdRate(better.anchor, better.test)).toBeLessThan(0);
    expect(bdRate(worse.anchor, worse.test)).toBeGreaterThan(0);
  });

  it.each([
    ["too-few-points", HM, HM.slice(0, 3)],
    ["no-overlap", HM, HM.map((p) => ({ rate: p.rate * 10, quality: p.quality + 20 }))],
    ["not-monotone", HM, HM.map((p, i) => ({ rate: p.rate, quality: i === 1 ? 41 : p.quality }))],
    ["not-monotone", HM, [...HM.slice(0, 3), { rate: HM[0]!.rate, quality: 45 }]],
    ["invalid", HM, [...HM.slice(0, 3), { rate: 0, quality: 30 }]],
    ["invalid", HM, [...HM.slice(0, 3), { rate: Number.NaN, quality: 30 }]],
    ["invalid", [...HM.slice(0, 3), { rate: 100, quality: Number.POSITIVE_INFINITY }], HM],
    ["invalid", HM, [...HM.slice(0, 3), { rate: -5, quality: 30 }]],
  ] as const)("refuses with %s", (reason, anchor, test) => {
    let caught: unknown;
    try {
      bdRate(anchor, test);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(BdRateError);
    expect((caught as BdRateError).reason).toBe(reason);
    expect((caught as BdRateError).message.length).toBeGreaterThan(20);
  });

  it("refuses curves that only touch at one quality", () => {
    const low = [
      { rate: 1, quality: 30 },
      { rate: 2, quality: 31 },
      { rate: 3, quality: 32 },
      { rate: 4, quality: 33 },
    ];
    const high = low.map((p) => ({ rate: p.rate * 4, quality: p.quality + 3 }));
    expect(() => bdRate(low, high)).toThrow(BdRateError);
  });
});
