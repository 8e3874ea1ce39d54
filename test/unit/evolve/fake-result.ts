/** Builds EvaluationResults with chosen figures, for tests of everything downstream of the evaluator. */
import type {
  ClipResult,
  EvaluationResult,
  FailureCategory,
  Rung,
} from "../../../src/evaluate/results.js";

export interface FakeClip {
  name?: string;
  /** BD-rate vs parent (%) or null. */
  bdParent?: number | null;
  bdX265?: number | null;
  /** Per rung: [quality, compressionRatio, psnrRgb]. */
  rungs?: Array<[number, number, number]>;
  encodeFps?: number;
  /** Encode fps per CPU second; default the wall-clock figure, null: not measured. */
  encodeCpuFps?: number | null;
}

const DEFAULT_RUNGS: Array<[number, number, number]> = [
  [20, 200, 30],
  [35, 150, 33],
  [50, 100, 36],
  [65, 60, 39],
  [80, 30, 43],
];

/** A rung whose rate figures follow from the compression ratio of a 64x48 clip at 30 fps. */
export function fakeRung(
  quality: number,
  ratio: number,
  psnr: number,
  encodeFps = 20,
  encodeCpuFps: number | null = encodeFps,
): Rung {
  const bitsPerPixel = 24 / ratio;
  return {
    quality,
    bytes: Math.round((64 * 48 * 3 * 10) / ratio),
    bitsPerPixel,
    mbps: (bitsPerPixel * 64 * 48 * 30) / 1e6,
    mbps1080p30: (bitsPerPixel * 1920 * 1080 * 30) / 1e6,
    compressionRatio: ratio,
    psnrRgb: psnr,
    ssimRgb: 0.9,
    psnrY: psnr + 1,
    ssimY: 0.92,
    encodeFps,
    decodeFps: encodeFps * 2,
    ...(encodeCpuFps === null ? {} : { encodeCpuFps }),
  };
}

/** An ok result over the given clips. */
export function fakeResult(clips: FakeClip[] = [{}], codec = "codec.py"): EvaluationResult {
  const clipResults: ClipResult[] = clips.map((clip, i) => ({
    name: clip.name ?? `clip${i}`,
    width: 64,
    height: 48,
    frames: 10,
    fps: 30,
    rungs: (clip.rungs ?? DEFAULT_RUNGS).map(([q, r, p]) =>
      fakeRung(q, r, p, clip.encodeFps, clip.encodeCpuFps),
    ),
    baselines: {},
    bdRate: {
      x265: clip.bdX265 === undefined ? 25 : clip.bdX265,
      ...(clip.bdParent === undefined ? {} : { parent: clip.bdParent }),
    },
  }));
  const mean = (key: string) => {
    const v = clipResults
      .map((c) => c.bdRate[key])
      .filter((x): x is number => typeof x === "number");
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  };
  return {
    codec,
    status: "ok",
    failure: null,
    clips: clipResults,
    verdict: null,
    summary: { bdRate: { x265: mean("x265"), parent: mean("parent") } },
  };
}

/** A failed result of the given category. */
export function failedResult(
  category: FailureCategory,
  message: string,
  traceback?: string,
): EvaluationResult {
  return {
    codec: "codec.py",
    status: "failed",
    failure: { category, message, line: 3, ...(traceback ? { traceback } : {}) },
    clips: [],
    verdict: null,
  };
}
