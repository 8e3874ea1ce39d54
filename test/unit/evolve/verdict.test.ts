import { adoptionSchema } from "../../../src/config/schema.js";
import type {
  EvaluationResult,
  HeldOutSummary,
  PairedTiming,
} from "../../../src/evaluate/results.js";
import { decideVerdict } from "../../../src/evaluate/verdict.js";
import { failedResult, fakeResult, type FakeClip } from "./fake-result.js";

const rule = adoptionSchema.parse({});
const parent = fakeResult([{ name: "a" }, { name: "b" }], "parent.py");

/** Two held-out clips whose aggregate BD-rate vs parent is `bdParent`. */
function heldOut(bdParent: number): HeldOutSummary {
  return {
    clips: 2,
    frames: 20,
    meanBitsPerPixel: 0.2,
    meanPsnrRgb: 35,
    bdRate: { parent: bdParent },
  };
}

/** A candidate with the same figures on both of the parent's clips, "a" and "b". */
function onBothClips(clip: Omit<FakeClip, "name">): EvaluationResult {
  return fakeResult([
    { name: "a", ...clip },
    { name: "b", ...clip },
  ]);
}

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

  it.each([
    [-9.9, "-9.90%"],
    // just short of the threshold: printed with the decimals that tell them apart
    [-9.996, "-9.996%"],
  ])("rejects %p%% and says why", (bd, shown) => {
    const candidate = fakeResult([
      { name: "a", bdParent: bd },
      { name: "b", bdParent: bd },
    ]);
    const verdict = decideVerdict(candidate, parent, rule);
    expect(verdict.adopt).toBe(false);
    expect(verdict.reason).toContain(
      `BD-rate vs parent ${shown} (PSNR-RGB, mean of 2 clip(s)) > -10.00%`,
    );
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
    candidate.heldOut = heldOut(5);
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

  describe("the speed path: clearly faster at no more bits", () => {
    const rule = adoptionSchema.parse({});

    it("is on by default at 1.5x", () => {
      expect(rule.minEncodeSpeedup).toBe(1.5);
    });

    it("adopts 1.5x the parent's encode speed at BD-rate 0 and names both numbers", () => {
      const candidate = onBothClips({ bdParent: 0, encodeFps: 30 });
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(true);
      expect(verdict.reason).toMatch(
        /^adopted: encode 1\.50x the parent's speed \(30\.0 fps \(CPU\) vs 20\.0 fps \(CPU\), means of separate runs;/,
      );
      expect(verdict.reason).toContain("at BD-rate vs parent 0.00% (needed ≤ 0 ✓)");
    });

    it("refuses a faster codec that needs more bits", () => {
      const candidate = fakeResult([
        { name: "a", bdParent: 0.4, encodeFps: 60 },
        { name: "b", bdParent: 0.2, encodeFps: 60 },
      ]);
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("3.00x");
      expect(verdict.reason).toContain("(needed ≤ 0 ✗)");
    });

    it("refuses 1.4x, however few bits it saves below the bit rule", () => {
      const candidate = onBothClips({ bdParent: -5, encodeFps: 28 });
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("needed 1.50x ✗");
    });

    it("counts the held-out clips: a loss there blocks the speed path", () => {
      const candidate = onBothClips({ bdParent: -1, encodeFps: 40 });
      candidate.heldOut = heldOut(3);
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("BD-rate vs parent +1.00% (needed ≤ 0 ✗)");
    });

    it("judges CPU time, not the wall clock", () => {
      // Twice as fast on the wall clock because the parent ran on a busy machine: no speed-up.
      const busyClock = onBothClips({ bdParent: 0, encodeFps: 40, encodeCpuFps: 22 });
      const refused = decideVerdict(busyClock, parent, rule);
      expect(refused.adopt).toBe(false);
      expect(refused.reason).toContain(
        "encode 1.10x the parent's speed (22.0 fps (CPU) vs 20.0 fps (CPU)",
      );
      // Half the CPU time, whatever the wall clock said.
      const faster = onBothClips({ bdParent: 0, encodeFps: 18, encodeCpuFps: 40 });
      expect(decideVerdict(faster, parent, rule).adopt).toBe(true);
    });

    it("does not judge speed without CPU times on every rung of both codecs", () => {
      const wallOnlyParent = fakeResult(
        [
          { name: "a", encodeCpuFps: null },
          { name: "b", encodeCpuFps: null },
        ],
        "parent.py",
      );
      const candidate = onBothClips({ bdParent: 0, encodeFps: 60 });
      const verdict = decideVerdict(candidate, wallOnlyParent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("speed-up not judged: no CPU times");
      // The slowdown limit still applies, on the wall clock.
      expect(verdict.reason).toContain("encode 60.0 fps vs parent 20.0 fps");
    });

    it("is off when minEncodeSpeedup is null", () => {
      const candidate = onBothClips({ bdParent: -1, encodeFps: 100 });
      const verdict = decideVerdict(candidate, parent, { ...rule, minEncodeSpeedup: null });
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).not.toContain("speed");
    });

    it("does not judge speed on under 2 s of the parent's encoding (timing noise)", () => {
      const quick = onBothClips({ encodeFps: 1000 });
      const candidate = onBothClips({ bdParent: 0, encodeFps: 3000 });
      const verdict = decideVerdict(candidate, quick, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("the parent's timed encoding is 0.10 CPU s, under 2 s");
    });

    it("does not adopt on speed when the parent's speed is unknown", () => {
      const slowless = onBothClips({ encodeFps: 0 });
      const candidate = onBothClips({ bdParent: 0, encodeFps: 100 });
      const verdict = decideVerdict(candidate, slowless, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("speed-up vs parent unknown");
    });
  });

  describe("paired timing: the ratio measured side by side", () => {
    const rule = adoptionSchema.parse({});
    /** Paired figures with the parent's CPU seconds fixed at 6 and the given speed-up. */
    const paired = (speedup: number, parentCpuSeconds = 6): PairedTiming => ({
      status: "ok",
      clip: "a",
      qualities: [20, 50, 80],
      frames: 18,
      chunks: 9,
      parentCpuSeconds,
      candidateCpuSeconds: parentCpuSeconds / speedup,
      speedup,
      chunkSpeedups: { min: speedup * 0.9, median: speedup, max: speedup * 1.1 },
    });
    const withPaired = (timing: PairedTiming, encodeFps = 20) => {
      const candidate = onBothClips({ bdParent: 0, encodeFps });
      candidate.pairedTiming = timing;
      return candidate;
    };

    it("adopts on the paired ratio when the means of separate runs say no speed-up", () => {
      const verdict = decideVerdict(withPaired(paired(1.6)), parent, rule);
      expect(verdict.adopt).toBe(true);
      expect(verdict.reason).toMatch(
        /^adopted: encode 1\.60x the parent's speed per CPU second, side by side \(18 frames, chunks 1\.44x–1\.76x\); needed 1\.50x ✓/,
      );
      expect(verdict.reason).not.toContain("means of separate runs");
    });

    it("refuses when the paired ratio is short, however fast the separate means look", () => {
      // 3x on the means (a quiet run against a loaded one), 1.1x side by side.
      const verdict = decideVerdict(withPaired(paired(1.1), 60), parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("encode 1.10x the parent's speed per CPU second");
      // The rejection names the paired figures once (reasons are bounded at 500 characters downstream).
      expect(verdict.reason).toContain("; speed-up 1.10x side by side: needed 1.50x ✗");
      expect(verdict.reason.match(/chunks/g)).toHaveLength(1);
    });

    it("shows a ratio just under the threshold with the decimals that tell it apart", () => {
      // c0020 measured 1.4987x: printed as "1.50x" beside "needed 1.50x ✗" it read as a contradiction.
      const verdict = decideVerdict(withPaired(paired(1.4987)), parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("; speed-up 1.499x side by side: needed 1.50x ✗");
      expect(verdict.reason).not.toMatch(/\b1\.50x the parent's speed/);
      // Two decimals stay where they are enough.
      expect(decideVerdict(withPaired(paired(1.6)), parent, rule).reason).toContain(
        "encode 1.60x the parent's speed",
      );
    });

    it("applies the slowdown limit to the paired ratio", () => {
      const candidate = withPaired(paired(0.2));
      candidate.clips.forEach((clip) => (clip.bdRate.parent = -20));
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toMatch(
        /^rejected: encode 0\.20x the parent's speed per CPU second, side by side .* \(below the limit of 0\.25x = 1 ÷ 4\)$/,
      );
      expect(decideVerdict(withPaired(paired(0.3)), parent, rule).reason).toContain(
        "within the limit of 0.25x",
      );
      // A lax limit keeps two significant digits instead of printing 0.00x.
      const lax = decideVerdict(withPaired(paired(0.3)), parent, {
        ...rule,
        maxEncodeSlowdown: 1000,
      });
      expect(lax.reason).toContain("within the limit of 0.0010x = 1 ÷ 1000");
    });

    it("does not judge a paired timing of under 2 CPU s of the parent's", () => {
      const verdict = decideVerdict(withPaired(paired(3, 1.5)), parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain("the parent's paired timing is 1.50 CPU s, under 2 s");
    });

    it("falls back to the means, and says why, when the pairing was unavailable", () => {
      const candidate = withPaired(
        { status: "unavailable", reason: "the parent failed while timed side by side: boom" },
        30,
      );
      const verdict = decideVerdict(candidate, parent, rule);
      expect(verdict.adopt).toBe(true);
      expect(verdict.reason).toContain(
        "(30.0 fps (CPU) vs 20.0 fps (CPU), means of separate runs (not paired: the parent failed while timed side by side: boom);",
      );
    });

    it("ignores a paired ratio that is not a positive number (a forged or broken artifact)", () => {
      const verdict = decideVerdict(withPaired(paired(Number.NaN)), parent, rule);
      expect(verdict.adopt).toBe(false);
      expect(verdict.reason).toContain(
        "means of separate runs (not paired: the paired ratio is not a positive number)",
      );
    });
  });
});
