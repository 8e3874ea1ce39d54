/**
 * The pipeline's own logic with the process-running parts injected: the real
 * sandbox and encoders are exercised by the integration and attack tests.
 */
import { adoptionSchema } from "../../../src/config/schema.js";
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

describe("evaluateCodec's paired timing", () => {
  const rule = { ...adoptionSchema.parse({}), pairedTimingFrames: 6 };
  /** The evaluation of cand.py against parent.py on clip "a" (3 frames), with `hook` on every frame. */
  const evaluate = (
    hook: Parameters<typeof fakeSides>[1] | null,
    calls: Call[] = [],
    parent: Parameters<typeof evaluateCodec>[0]["parent"] = { codecPath: "parent.py" },
  ) =>
    evaluateCodec(
      { codecPath: "cand.py", clips: [clip("a")], parent, adoption: rule, jobs: 1 },
      fakeDeps({ openCodecSide: fakeSides(calls, hook ?? undefined) }, calls),
    );

  it("times the parent's file against the candidate when a verdict compares speeds", async () => {
    const calls: Call[] = [];
    const result = await evaluate(null, calls);
    expect(result.failure).toBeNull();
    expect(result.pairedTiming).toMatchObject({
      status: "ok",
      clip: "a",
      qualities: [20, 50, 80],
      frames: 6,
      chunks: 3,
    });
    // Five rungs plus three timed ones, for each codec.
    const encodes = (codec: string) =>
      calls.filter((c) => c.codec === codec && c.kind === "encode").map((c) => c.quality);
    expect(encodes("parent.py")).toEqual([20, 35, 50, 65, 80, 20, 50, 80]);
    expect(encodes("cand.py")).toEqual([20, 35, 50, 65, 80, 20, 50, 80]);
    expect(result.verdict!.reason).toContain("per CPU second, side by side (6 frames, chunks");
  });

  it("times the parent's file even when its figures come from a stored result", async () => {
    const stored = await evaluate(null);
    const result = await evaluate(null, [], { result: stored, timingCodecPath: "parent.py" });
    expect(result.pairedTiming).toMatchObject({ status: "ok", frames: 6 });
    const without = await evaluate(null, [], { result: stored });
    expect(without.pairedTiming).toEqual({
      status: "unavailable",
      reason: "the parent is a stored result without its codec file",
    });
    expect(without.verdict!.reason).toContain(
      "means of separate runs (not paired: the parent is a stored result without its codec file)",
    );
  });

  it("fails a candidate that writes other bytes when timed side by side", async () => {
    // Opens 0-29 are the evaluation proper; 30 is the candidate's first timed encoder.
    const result = await evaluate(({ mode, call, index, output }) => {
      if (mode === "encode" && call === 30 && index === 1) output[0]! ^= 1;
      return null;
    });
    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({
      category: "nondeterministic",
      clip: "a",
      quality: 20,
      stage: "encode",
    });
    expect(result.failure!.message).toMatch(/other bytes .* when timed side by side/);
  });

  it("times every shown clip, and names the clip where the timed bytes differ", async () => {
    const calls: Call[] = [];
    const both = (hook: Parameters<typeof fakeSides>[1] | null) =>
      evaluateCodec(
        {
          codecPath: "cand.py",
          clips: [clip("a"), clip("b")],
          parent: { codecPath: "parent.py" },
          adoption: rule,
          jobs: 1,
        },
        fakeDeps({ openCodecSide: fakeSides(calls, hook ?? undefined) }, calls),
      );
    const honest = await both(null);
    expect(honest.pairedTiming).toMatchObject({
      status: "ok",
      frames: 6,
      segments: [
        { clip: "a", quality: 20, frames: 2 },
        { clip: "b", quality: 50, frames: 2 },
        { clip: "a", quality: 80, frames: 2 },
      ],
    });
    // Opens 0-59 are the evaluation proper of both clips; 62 is the candidate's encoder on b.
    const cheat = await both(({ mode, call, index, output }) => {
      if (mode === "encode" && call === 62 && index === 1) output[0]! ^= 1;
      return null;
    });
    expect(cheat.failure).toMatchObject({ category: "nondeterministic", clip: "b", quality: 50 });
  });

  it("fails a candidate that fails when timed side by side, and names it", async () => {
    const result = await evaluate(({ mode, call, index }) =>
      mode === "encode" && call === 30 && index === 0
        ? { category: "runtime", message: "boom", line: 7 }
        : null,
    );
    expect(result.status).toBe("failed");
    expect(result.failure).toMatchObject({ category: "runtime", line: 7, clip: "a" });
    expect(result.failure!.message).toBe("while timed side by side with the parent: boom");
  });

  it("falls back to the means when the parent fails while timed, and says so", async () => {
    const result = await evaluate(({ mode, call }) =>
      mode === "encode" && call === 31 ? { category: "runtime", message: "boom", line: 7 } : null,
    );
    expect(result.status).toBe("ok");
    expect(result.pairedTiming).toEqual({
      status: "unavailable",
      reason: "the parent failed while timed side by side: boom",
    });
    expect(result.verdict!.reason).toContain(
      "not paired: the parent failed while timed side by side: boom",
    );
  });

  it("does not time without a verdict, or when switched off", async () => {
    const calls: Call[] = [];
    const noVerdict = await evaluateCodec(
      { codecPath: "cand.py", clips: [clip("a")], parent: { codecPath: "parent.py" } },
      fakeDeps({}, calls),
    );
    expect(noVerdict.pairedTiming).toBeUndefined();
    expect(calls.filter((c) => c.kind === "encode")).toHaveLength(10);
    const off = await evaluateCodec(
      {
        codecPath: "cand.py",
        clips: [clip("a")],
        parent: { codecPath: "parent.py" },
        adoption: { ...rule, pairedTimingFrames: 0 },
      },
      fakeDeps(),
    );
    expect(off.pairedTiming).toEqual({
      status: "unavailable",
      reason: "paired timing is off (adoption.pairedTimingFrames is 0)",
    });
  });
});
