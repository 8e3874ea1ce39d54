/**
 * The pipeline's own logic with the process-running parts injected: the real
 * sandbox and encoders are exercised by the integration and attack tests.
 */
import type { Clip, Frame } from "../../../src/evaluate/clips/clip.js";
import { evaluateCodec, type EvaluatorDeps } from "../../../src/evaluate/evaluator.js";
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

function fakeDeps(overrides: Partial<EvaluatorDeps> = {}, calls: Call[] = []): EvaluatorDeps {
  const encoded = new Map<string, Frame[]>();
  return {
    describeIsolation: async () => ({ isolation: "test double", warnings: [] }),
    checkCodec: async () => null,
    encodeFrames: async (codecPath, frames, config) => {
      calls.push({ kind: "encode", codec: codecPath, quality: config.quality });
      const payloads = frames.map((f, i) =>
        Buffer.alloc(10 + config.quality * 3 + i, config.quality),
      );
      encoded.set(`${codecPath}:${config.quality}:${payloads.length}`, [...frames]);
      return { ok: true, payloads, codecSeconds: 0.01 };
    },
    decodePayloads: async (codecPath, payloads, config) => {
      calls.push({ kind: "decode", codec: codecPath, quality: config.quality });
      const source = encoded.get(`${codecPath}:${config.quality}:${payloads.length}`)!;
      return {
        ok: true,
        frames: source.map((f) => quantise(f, config.quality)),
        codecSeconds: 0.005,
      };
    },
    runBaseline: async (name, req) => {
      calls.push({ kind: `baseline:${name}`, codec: name });
      const base: BaselineResult = {
        encoder: `${name} test double`,
        rungs: [0.5, 1, 2, 4, 8].map((bpp, i): Rung => ({
          quality: i,
          setting: `crf=${40 - i * 5}`,
          bytes: Math.round((bpp * W * H * req.clip.frames.length) / 8),
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
    let decodes = 0;
    const deps = fakeDeps();
    const result = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("a")], qualities: [20, 40, 60, 80] },
      {
        ...deps,
        decodePayloads: async (path, payloads, config, opts) => {
          const out = await deps.decodePayloads(path, payloads, config, opts);
          if (out.ok && decodes++ % 2 === 1) out.frames[1]!.data[5]! ^= 1;
          return out;
        },
      },
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
        encodeFrames: async () => ({
          ok: false,
          failure: { category: "runtime", message: "ZeroDivisionError", line: 12, frameIndex: 2 },
        }),
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

    let encodes = 0;
    const deps = fakeDeps();
    const failed = await evaluateCodec(
      { codecPath: "c.py", clips: [clip("shown")], heldOutClips: [clip("secret-clip")] },
      {
        ...deps,
        encodeFrames: async (p, f, c, o) =>
          ++encodes > 5
            ? {
                ok: false,
                failure: { category: "timeout", message: "frame took too long", line: null },
              }
            : deps.encodeFrames(p, f, c, o),
      },
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
