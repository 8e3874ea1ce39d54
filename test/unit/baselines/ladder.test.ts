import type { KnobScale } from "../../../src/evaluate/baselines/baseline-encoder.js";
import { JPEG_BASELINE } from "../../../src/evaluate/baselines/jpeg-baseline.js";
import {
  chooseLadder,
  EXTEND_FACTOR,
  MIN_RUNGS,
  SCORED_TOLERANCE_OCTAVES,
} from "../../../src/evaluate/baselines/ladder.js";

const CRF: KnobScale = {
  name: "crf",
  min: 0,
  max: 51,
  moreBitsWhenHigher: false,
  stepsPerDoubling: 6,
  start: 28,
  defaultLadder: [22, 27, 32, 37, 42],
};
/** The JPEG baseline's own quality scale, so the test covers the shipped settings. */
const QUALITY: KnobScale = JPEG_BASELINE.knob;

/** x265-like: 12 bpp at CRF 0, halving every 5 steps (not the scale's guess of 6). */
const crfRate = (crf: number): number => 12 * 2 ** (-crf / 5);
/** JPEG-like: convex in quality, a floor of header bytes. */
const jpegRate = (q: number): number => 0.05 + 0.02 * Math.exp(q / 20);

function counted(rate: (knob: number) => number): {
  rateAt: (knob: number) => Promise<number>;
  calls: number[];
} {
  const calls: number[] = [];
  return {
    calls,
    rateAt: (knob) => {
      calls.push(knob);
      return Promise.resolve(rate(knob));
    },
  };
}

describe("chooseLadder", () => {
  test("spans the targets with a rung beyond each end, sorted by rate, each knob encoded once", async () => {
    const targets = [0.1, 0.25, 0.5, 1, 2];
    const { rateAt, calls } = counted(crfRate);
    const ladder = await chooseLadder(CRF, targets, rateAt);
    const rates = ladder.map(crfRate);
    expect(rates).toEqual([...rates].sort((a, b) => a - b));
    expect(ladder.length).toBeGreaterThanOrEqual(MIN_RUNGS);
    expect(rates[0]).toBeLessThanOrEqual(0.1 / EXTEND_FACTOR);
    expect(rates[rates.length - 1]).toBeGreaterThanOrEqual(2 * EXTEND_FACTOR);
    // Each target has a rung within one CRF step (about 15% in rate) of it.
    for (const t of targets) {
      expect(Math.min(...rates.map((r) => Math.abs(Math.log2(r / t))))).toBeLessThan(0.2);
    }
    expect(new Set(calls).size).toBe(calls.length);
    expect(calls.length).toBeLessThanOrEqual(20);
    for (const knob of ladder) expect(calls).toContain(knob);
  });

  test("works for a knob that spends more bits as it grows (JPEG quality)", async () => {
    const targets = [0.3, 0.6, 1.2];
    const { rateAt } = counted(jpegRate);
    const ladder = await chooseLadder(QUALITY, targets, rateAt);
    const rates = ladder.map(jpegRate);
    expect(ladder).toEqual([...ladder].sort((a, b) => a - b));
    expect(rates[0]).toBeLessThanOrEqual(0.3);
    // 1.2 * EXTEND_FACTOR is beyond q=100 here, so the top rung is q=100.
    expect(1.2 * EXTEND_FACTOR).toBeGreaterThan(jpegRate(100));
    expect(ladder[ladder.length - 1]).toBe(100);
    expect(ladder.length).toBeGreaterThanOrEqual(MIN_RUNGS);
  });

  test("clamps at the ends of the knob range and still returns enough rungs", async () => {
    const { rateAt } = counted(crfRate);
    // Far above CRF 0's rate and far below CRF 51's.
    const ladder = await chooseLadder(CRF, [1000, 0.00001], rateAt);
    expect(ladder[0]).toBe(51);
    expect(ladder[ladder.length - 1]).toBe(0);
    expect(ladder.length).toBeGreaterThanOrEqual(MIN_RUNGS);
  });

  test("no usable targets: the scale's default ladder, lowest rate first", async () => {
    const { rateAt, calls } = counted(crfRate);
    expect(await chooseLadder(CRF, [], rateAt)).toEqual([42, 37, 32, 27, 22]);
    expect(await chooseLadder(CRF, [0, Number.NaN, -1], rateAt)).toEqual([42, 37, 32, 27, 22]);
    expect(calls).toEqual([]);
  });

  test("terminates on a rate that is not monotone in the knob", async () => {
    const noisy = (crf: number): number => crfRate(crf) * (crf % 2 === 0 ? 1.3 : 0.8);
    const { rateAt, calls } = counted(noisy);
    const ladder = await chooseLadder(CRF, [0.2, 0.4, 0.8], rateAt);
    expect(ladder.length).toBeGreaterThanOrEqual(MIN_RUNGS);
    expect(calls.length).toBeLessThanOrEqual(52);
  });
});

describe("chooseLadder efficiency", () => {
  test("targets close together share encodes", async () => {
    const { rateAt, calls } = counted(crfRate);
    await chooseLadder(CRF, [0.5, 0.52, 0.55, 0.6], rateAt);
    const single = counted(crfRate);
    await chooseLadder(CRF, [0.5, 0.6], single.rateAt);
    expect(calls.length).toBeLessThanOrEqual(single.calls.length + 1);
  });
});

describe("chooseLadder with earlier encodes (the baseline cache)", () => {
  /** What a first search left in the cache: every knob it tried, the ladder's rungs scored. */
  async function firstRun(
    scale: KnobScale,
    rate: (knob: number) => number,
    targets: readonly number[],
  ): Promise<{ rates: Map<number, number>; scored: Set<number>; ladder: number[] }> {
    const { rateAt, calls } = counted(rate);
    const ladder = await chooseLadder(scale, targets, rateAt);
    return { rates: new Map(calls.map((k) => [k, rate(k)])), scored: new Set(ladder), ladder };
  }

  test("a candidate whose rates moved by up to 7 % needs no new encode and reuses scored rungs", async () => {
    for (const [scale, rate, targets] of [
      [CRF, crfRate, [0.05, 0.11, 0.24, 0.58, 1.22]],
      [QUALITY, jpegRate, [0.12, 0.2, 0.35, 0.6, 1.0]],
    ] as const) {
      const moved = targets.map((t, i) => t * (1 - 0.015 * i));
      const cache = await firstRun(scale, rate, targets);
      // Without the cache the moved targets cost new encodes (what the warm Action run paid).
      const cold = counted(rate);
      await chooseLadder(scale, moved, cold.rateAt);
      expect(cold.calls.some((k) => !cache.rates.has(k))).toBe(true);

      const { rateAt, calls } = counted(rate);
      const ladder = await chooseLadder(scale, moved, rateAt, {
        rates: cache.rates,
        scored: (k) => cache.scored.has(k),
      });
      expect(calls).toEqual([]);
      expect(ladder.every((k) => cache.scored.has(k))).toBe(true);
      // Still a valid ladder for the moved targets: a rung within the scored tolerance of each.
      for (const t of moved) {
        const nearest = Math.min(...ladder.map((k) => Math.abs(Math.log2(rate(k) / t))));
        expect(nearest).toBeLessThanOrEqual(SCORED_TOLERANCE_OCTAVES);
      }
    }
  });

  test("the same targets again give the same ladder; no earlier encodes give the cold ladder", async () => {
    const targets = [0.1, 0.25, 0.5, 1, 2];
    const cache = await firstRun(CRF, crfRate, targets);
    const again = counted(crfRate);
    const seeded = await chooseLadder(CRF, targets, again.rateAt, {
      rates: cache.rates,
      scored: (k) => cache.scored.has(k),
    });
    expect(seeded).toEqual(cache.ladder);
    expect(again.calls).toEqual([]);
    const empty = await chooseLadder(CRF, targets, counted(crfRate).rateAt, {
      rates: new Map(),
      scored: () => false,
    });
    expect(empty).toEqual(cache.ladder);
  });

  test("an unscored earlier encode counts within the normal tolerance only; out-of-range knobs are ignored", async () => {
    // CRF 20 is 0.75 bpp; the target 0.9 is 0.26 octaves away: too far for an unscored rung.
    const rates = new Map([
      [20, crfRate(20)],
      [99, 0.9],
      [-3, 0.9],
    ]);
    const unscored = counted(crfRate);
    const ladder = await chooseLadder(CRF, [0.9], unscored.rateAt, { rates, scored: () => false });
    expect(unscored.calls.length).toBeGreaterThan(0);
    expect(ladder).not.toContain(99);
    expect(ladder).not.toContain(-3);
    // Scored, CRF 20 stands for it (within SCORED_TOLERANCE_OCTAVES).
    const scored = counted(crfRate);
    const reused = await chooseLadder(CRF, [0.9], scored.rateAt, {
      rates,
      scored: (k) => k === 20,
    });
    expect(reused).toContain(20);
  });
});
