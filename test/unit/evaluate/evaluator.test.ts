/**
 * The pipeline's own logic with the process-running parts injected: the real
 * sandbox and encoders are exercised by the integration and attack tests.
 */
import { evaluateCodec } from "../../../src/evaluate/evaluator.js";
import type { Failure } from "../../../src/evaluate/results.js";
import { clip, fakeDeps, fakeSides, H, W, type Call } from "./fake-deps.js";

describe("evaluateCodec", () => {
  it("measures every rung, decodes twice, and runs baselines on each clip", async () => {
    const calls: Call[] = [];
    const result = await evaluateCodec(
      { codecPath: "cand.py", clips: [clip("a"), clip("b")], baselines: ["x265"] },
      fakeDeps({}, calls),
    );
    expect(result.status).toBe("ok");
    expect(result.clips.map((c) => c.name)).toEqual(["a", "b"]);
    const a = result.clips[0]!;
    expect(a.rungs.map((r) => r.quality)).toEqual([20, 35, 50, 65, 80]);
    // bytes are the sum of the payloads the codec returned, nothing else
    expect(a.rungs[0]!.bytes).toBe((10 + 60) * 3 + 0 + 1 + 2);
    expect(a.rungs[0]!.bitsPerPixel).toBeCloseTo((a.rungs[0]!.bytes * 8) / (W * H * 3), 12);
    expect(calls.filter((c) => c.kind === "decode")).toHaveLength(2 * 5 * 2);
    expect(calls.filter((c) => c.kind === "baseline:x265")).toHaveLength(2);
    expect(a.baselines.x265!.encoder).toBe("x265 test double");
    expect(Object.keys(a.bdRate)).toEqual(["x265"]);
    expect(result.summary!.bdRate).toHaveProperty("x265");
  });

  it("reports a static failure without running anything", async () => {
    const calls: Call[] = [];
    const failure: Failure = { category: "forbidden", message: "import os", line: 3 };
    const result = await evaluateCodec(
      { codecPath: "bad.py", clips: [clip("a")] },
      fakeDeps({ checkCodec: async () => failure }, calls),
    );
    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({ category: "forbidden", line: 3, stage: "validate" });
    expect(calls).toHaveLength(0);
  });

  it("fails as nondeterministic when two decodes differ", async () => {
    // The second decoder of every rung flips one bit of frame 1.
    const openCodecSide = fakeSides([], ({ mode, index, output, call }) => {
      if (mode === "decode" && call % 3 === 2 && index === 1) output[5]! ^= 1;
      return null;
    });
    const result = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("a")], qualities: [20, 40, 60, 80], jobs: 1 },
      fakeDeps({ openCodecSide }),
    );
    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({
      category: "nondeterministic",
      frameIndex: 1,
      clip: "a",
    });
  });

  it("fails a rung below the quality floor, naming clip, rung and figures", async () => {
    const result = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("a")], qualityFloorDb: 200 },
      fakeDeps(),
    );
    expect(result.status).toBe("failed");
    expect(result.failure!.category).toBe("quality-floor");
    expect(result.failure!.message).toMatch(
      /^a at quality 20: PSNR-RGB [\d.]+ dB is below the floor of 200 dB/,
    );
  });

  it("passes encoder failures through with stage, clip and quality", async () => {
    const result = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("a")] },
      fakeDeps({
        openCodecSide: fakeSides([], ({ mode, index }) =>
          mode === "encode" && index === 2
            ? { category: "runtime", message: "ZeroDivisionError", line: 12, frameIndex: 2 }
            : null,
        ),
      }),
    );
    expect(result.failure).toMatchObject({
      category: "runtime",
      line: 12,
      stage: "encode",
      clip: "a",
      quality: 20,
      frameIndex: 2,
    });
  });

  it("never names held-out clips: they are aggregated, and failures use a number", async () => {
    const ok = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("shown")], heldOutClips: [clip("secret-clip")] },
      fakeDeps(),
    );
    expect(ok.clips.map((c) => c.name)).toEqual(["shown"]);
    expect(ok.heldOut).toMatchObject({ clips: 1, frames: 3 });
    expect(JSON.stringify(ok)).not.toContain("secret-clip");

    // Only the held-out clip has a fourth frame: the encoder times out there.
    const failed = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("shown")], heldOutClips: [clip("secret-clip", 4)] },
      fakeDeps({
        openCodecSide: fakeSides([], ({ mode, index }) =>
          mode === "encode" && index === 3
            ? { category: "timeout", message: "frame took too long", line: null }
            : null,
        ),
      }),
    );
    expect(failed.failure).toMatchObject({ category: "timeout", clip: "held-out clip #1" });
    expect(JSON.stringify(failed)).not.toContain("secret-clip");
  });

  it("runs the parent on the same frames and decides a verdict", async () => {
    const calls: Call[] = [];
    const result = await evaluateCodec(
      {
        codecPath: "cand.py",
        clips: [clip("a")],
        parent: { codecPath: "parent.py" },
        adoption: {
          minBitSavingPercent: 10,
          minRatioGainPercent: 20,
          maxEncodeSlowdown: 4,
          minEncodeSpeedup: 1.5,
          pairedTimingFrames: 0,
          pairedTimingChunkFrames: 2,
        },
      },
      fakeDeps({}, calls),
    );
    expect(calls.filter((c) => c.codec === "parent.py" && c.kind === "encode")).toHaveLength(5);
    const a = result.clips[0]!;
    expect(a.baselines.parent!.rungs).toHaveLength(5);
    // identical fake codecs: BD-rate 0, so no adoption
    expect(a.bdRate.parent).toBeCloseTo(0, 9);
    expect(result.verdict).not.toBeNull();
    expect(result.verdict!.adopt).toBe(false);
  });
});
