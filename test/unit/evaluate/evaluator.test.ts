/**
 * The pipeline's own logic with the process-running parts injected: the real
 * sandbox and encoders are exercised by the integration and attack tests.
 */
import type { Clip, Frame } from "../../../src/evaluate/clips/clip.js";
import { frameCountOf } from "../../../src/evaluate/clips/clip-stream.js";
import { evaluateCodec, type EvaluatorDeps } from "../../../src/evaluate/evaluator.js";
import type { StreamingSide } from "../../../src/evaluate/stream-rung.js";
import type { BaselineResult, Failure, Rung } from "../../../src/evaluate/results.js";

const W = 32;
const H = 16;

function frame(seed: number): Frame {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 251;
  return { width: W, height: H, data };
}

function clip(name: string, frames = 3): Clip {
  return {
    name,
    width: W,
    height: H,
    fps: 25,
    frames: Array.from({ length: frames }, (_, i) => frame(i)),
    source: { kind: "y4m", path: `/clips/${name}.y4m` },
  };
}

/** A lossy fake codec: quality q keeps the top bits; payload size grows with q. */
function quantise(f: Frame, quality: number): Frame {
  const shift = Math.max(0, 7 - Math.floor(quality / 14));
  const data = f.data.map((v) => ((v >> shift) << shift) + (shift ? 1 << (shift - 1) : 0));
  return { width: f.width, height: f.height, data };
}

type Call = { kind: string; codec: string; quality?: number };

/** Per-frame behaviour of a fake side: return a Failure to fail that frame, or change the output. */
type FrameHook = (ctx: {
  mode: "encode" | "decode";
  index: number;
  quality: number;
  output: Buffer;
  call: number;
}) => Failure | null;

/**
 * Fake codec sides with the streaming interface: the encoder's payload for
 * frame i at quality q is 10 + 3q + i bytes; the decoder hands back the source
 * frame quantised (looked up by codec, quality and frame, as a real decoder
 * would recover it from the bytes).
 */
function fakeSides(calls: Call[], hook: FrameHook = () => null): EvaluatorDeps["openCodecSide"] {
  const sources = new Map<string, Uint8Array>();
  let openCalls = 0;
  return async (mode, codecPath, config) => {
    const call = openCalls++;
    calls.push({ kind: mode, codec: codecPath, quality: config.quality });
    const side: StreamingSide = {
      process: async (index, data) => {
        const key = `${codecPath}:${config.quality}:${index}`;
        let output: Buffer;
        if (mode === "encode") {
          sources.set(key, Uint8Array.from(data));
          output = Buffer.alloc(10 + config.quality * 3 + index, config.quality);
        } else {
          const source = { width: config.width, height: config.height, data: sources.get(key)! };
          output = Buffer.from(quantise(source, config.quality).data);
        }
        const failure = hook({ mode, index, quality: config.quality, output, call });
        if (failure) return { ok: false, failure };
        return { ok: true, data: output, seconds: mode === "encode" ? 0.01 / 3 : 0.005 / 3 };
      },
      finish: async () => null,
      dispose: () => undefined,
    };
    return { ok: true, side };
  };
}

function fakeDeps(overrides: Partial<EvaluatorDeps> = {}, calls: Call[] = []): EvaluatorDeps {
  return {
    describeIsolation: async () => ({ isolation: "test double", warnings: [] }),
    checkCodec: async () => null,
    openCodecSide: fakeSides(calls),
    runBaseline: async (name, req) => {
      calls.push({ kind: `baseline:${name}`, codec: name });
      const base: BaselineResult = {
        encoder: `${name} test double`,
        rungs: [0.5, 1, 2, 4, 8].map((bpp, i): Rung => ({
          quality: i,
          setting: `crf=${40 - i * 5}`,
          bytes: Math.round((bpp * W * H * frameCountOf(req.clip)) / 8),
          bitsPerPixel: bpp,
          mbps: 0,
          mbps1080p30: 0,
          compressionRatio: 24 / bpp,
          psnrRgb: 20 + 6 * i,
          ssimRgb: 0.5,
          psnrY: 20 + 6 * i,
          ssimY: 0.5,
          encodeFps: 1,
          decodeFps: 1,
        })),
      };
      return base;
    },
    ...overrides,
  };
}

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
        adoption: { minBitSavingPercent: 10, minRatioGainPercent: 20, maxEncodeSlowdown: 4 },
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
