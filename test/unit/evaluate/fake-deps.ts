/** Test doubles of the evaluator's process-running parts: fake codec sides and baselines with known figures. */

import type { Clip, Frame } from "../../../src/evaluate/clips/clip.js";
import { frameCountOf } from "../../../src/evaluate/clips/clip-stream.js";
import type { EvaluatorDeps } from "../../../src/evaluate/evaluator.js";
import type { StreamingSide } from "../../../src/evaluate/stream-rung.js";
import type { BaselineResult, Failure, Rung } from "../../../src/evaluate/results.js";

export const W = 32;
export const H = 16;

function frame(seed: number): Frame {
  const data = new Uint8Array(W * H * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + seed * 13) % 251;
  return { width: W, height: H, data };
}

export function clip(name: string, frames = 3): Clip {
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

export type Call = { kind: string; codec: string; quality?: number };

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
export function fakeSides(
  calls: Call[],
  hook: FrameHook = () => null,
): EvaluatorDeps["openCodecSide"] {
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
        const seconds = mode === "encode" ? 0.01 / 3 : 0.005 / 3;
        return { ok: true, data: output, seconds, cpuSeconds: seconds };
      },
      finish: async () => null,
      dispose: () => undefined,
    };
    return { ok: true, side };
  };
}

export function fakeDeps(
  overrides: Partial<EvaluatorDeps> = {},
  calls: Call[] = [],
): EvaluatorDeps {
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
