/**
 * The evaluation pipeline, one line at a time:
 * validate → per clip × rung: sandboxed encode → decode twice → metrics → floor
 * → baselines on the same frames → parent → BD-rate → verdict.
 *
 * A codec can only make this return `status: "failed"`; it can never make it
 * throw or hang. Errors on our side (ffmpeg missing, a bad clip) do throw.
 */
import { availableParallelism } from "node:os";
import type { AdoptionConfig } from "../config/schema.js";
import type { CodecConfig } from "../sandbox/codec-config.js";
import { describeIsolation } from "../sandbox/isolation.js";
import { checkCodec, decodePayloads, encodeFrames } from "../sandbox/run-codec.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";
import { runBaseline, type BaselineName } from "./baselines/index.js";
import type { Clip, Frame } from "./clips/clip.js";
import { measureQuality } from "./metrics/quality.js";
import { rateMetrics } from "./metrics/rate.js";
import { compareCurves, meanBdRate } from "./rd/compare-curves.js";
import { writeRecon } from "./report/recon.js";
import type {
  BaselineResult,
  ClipResult,
  EvaluationResult,
  Failure,
  HeldOutSummary,
  Rung,
} from "./results.js";
import { decideVerdict } from "./verdict.js";

export const DEFAULT_QUALITIES = [20, 35, 50, 65, 80] as const;

/** Progress reported while an evaluation runs; adapters render it (bar, log, NDJSON). */
export type EvaluationEvent =
  | { type: "start"; total: number }
  | {
      type: "rung-done";
      codec: "candidate" | "parent";
      clip: string;
      quality: number;
      done: number;
      total: number;
    }
  | { type: "baseline-done"; clip: string; baseline: string; done: number; total: number }
  | { type: "failed"; failure: Failure };

export interface EvaluationRequest {
  codecPath: string;
  /** Clips scored and shown in reports. */
  clips: readonly Clip[];
  /** Clips scored for the verdict, reported only as aggregates and never by name. */
  heldOutClips?: readonly Clip[];
  qualities?: readonly number[];
  baselines?: readonly BaselineName[];
  /** The current best codec, as a file to run on the same frames or as a stored result. */
  parent?: { codecPath: string } | { result: EvaluationResult } | null;
  /** With a parent, decide adoption by this rule and fill `verdict`. */
  adoption?: AdoptionConfig;
  codecParams?: Record<string, unknown>;
  sandbox?: SandboxOptions;
  /** A rung below this PSNR-RGB (dB) is a quality-floor failure. */
  qualityFloorDb?: number;
  reconDir?: string | null;
  cacheDir?: string | null;
  onEvent?: (event: EvaluationEvent) => void;
}

/** The parts of the pipeline that run other programs, injectable for tests. */
export interface EvaluatorDeps {
  checkCodec: typeof checkCodec;
  encodeFrames: typeof encodeFrames;
  decodePayloads: typeof decodePayloads;
  describeIsolation: typeof describeIsolation;
  runBaseline: typeof runBaseline;
}

const defaultDeps: EvaluatorDeps = {
  checkCodec,
  encodeFrames,
  decodePayloads,
  describeIsolation,
  runBaseline,
};

/** One codec on one clip at one quality: the measured rung, or why it failed. */
type RungOutcome =
  { ok: true; rung: Rung; payloads: Buffer[]; frames: Frame[] } | { ok: false; failure: Failure };

/** Evaluate a codec file on clips and baselines; see the module comment for the steps. */
export async function evaluateCodec(
  req: EvaluationRequest,
  deps: EvaluatorDeps = defaultDeps,
): Promise<EvaluationResult> {
  const qualities = [...(req.qualities ?? DEFAULT_QUALITIES)];
  const baselines = [...(req.baselines ?? [])];
  const heldOut = req.heldOutClips ?? [];
  const allClips = [...req.clips, ...heldOut];
  const parentPath = req.parent && "codecPath" in req.parent ? req.parent.codecPath : null;
  const emit = req.onEvent ?? (() => {});

  const result: EvaluationResult = {
    codec: req.codecPath,
    status: "ok",
    failure: null,
    clips: [],
    verdict: null,
    sandbox: await deps.describeIsolation(req.sandbox),
  };
  const fail = (failure: Failure): EvaluationResult => {
    result.status = "failed";
    result.failure = failure;
    emit({ type: "failed", failure });
    return result;
  };

  const staticFailure = await deps.checkCodec(req.codecPath, req.sandbox);
  if (staticFailure) return fail({ ...staticFailure, stage: staticFailure.stage ?? "validate" });

  const perClipWork = qualities.length * (parentPath ? 2 : 1) + baselines.length;
  const total = allClips.length * perClipWork;
  let done = 0;
  emit({ type: "start", total });

  const heldOutResults: ClipResult[] = [];
  for (const [clipIndex, clip] of allClips.entries()) {
    const isHeldOut = clipIndex >= req.clips.length;
    // Held-out clips are never named: failures and events refer to them by number.
    const label = isHeldOut ? `held-out clip #${clipIndex - req.clips.length + 1}` : clip.name;

    const outcomes = await mapLimit(qualities, concurrency(), (quality) =>
      runRung(deps, req, req.codecPath, clip, quality),
    );
    const rungs: Rung[] = [];
    for (const [i, outcome] of outcomes.entries()) {
      const quality = qualities[i]!;
      if (!outcome.ok) {
        return fail({ ...outcome.failure, clip: label, quality });
      }
      const floor = req.qualityFloorDb;
      if (floor !== undefined && !(outcome.rung.psnrRgb >= floor)) {
        return fail({
          category: "quality-floor",
          message:
            `${label} at quality ${quality}: PSNR-RGB ${outcome.rung.psnrRgb.toFixed(2)} dB is below ` +
            `the floor of ${floor} dB (${outcome.rung.bitsPerPixel.toFixed(4)} bits/pixel).`,
          line: null,
          stage: "score",
          clip: label,
          quality,
        });
      }
      rungs.push(outcome.rung);
      if (req.reconDir && !isHeldOut) {
        await writeRecon(req.reconDir, clip, quality, outcome.payloads, outcome.frames);
      }
      emit({ type: "rung-done", codec: "candidate", clip: label, quality, done: ++done, total });
    }

    const clipResult: ClipResult = {
      name: clip.name,
      width: clip.width,
      height: clip.height,
      frames: clip.frames.length,
      fps: clip.fps,
      source: describeSource(clip),
      rungs,
      baselines: {},
      bdRate: {},
    };

    const targetBitsPerPixel = rungs.map((rung) => rung.bitsPerPixel);
    for (const name of baselines) {
      clipResult.baselines[name] = await deps.runBaseline(name, {
        clip,
        targetBitsPerPixel,
        cacheDir: req.cacheDir ?? null,
      });
      emit({ type: "baseline-done", clip: label, baseline: name, done: ++done, total });
    }

    const parentCurve = await parentRungs(deps, req, clip, qualities, (quality) =>
      emit({ type: "rung-done", codec: "parent", clip: label, quality, done: ++done, total }),
    );
    if (parentCurve) clipResult.baselines.parent = parentCurve;

    Object.assign(clipResult, compareCurves(rungs, clipResult.baselines));
    (isHeldOut ? heldOutResults : result.clips).push(clipResult);
  }

  result.summary = { bdRate: meanBdRate(result.clips) };
  if (heldOutResults.length > 0) result.heldOut = summariseHeldOut(heldOutResults);

  if (req.parent && req.adoption) {
    const parentResult =
      "result" in req.parent ? req.parent.result : parentResultFrom(result, heldOutResults);
    result.verdict = decideVerdict(result, parentResult, req.adoption);
  }
  return result;
}

/** Encode in one sandbox, decode twice in two more, and measure the first decode. */
async function runRung(
  deps: EvaluatorDeps,
  req: EvaluationRequest,
  codecPath: string,
  clip: Clip,
  quality: number,
): Promise<RungOutcome> {
  const config: CodecConfig = {
    ...req.codecParams,
    quality,
    width: clip.width,
    height: clip.height,
    fps: clip.fps,
  };
  const encoded = await deps.encodeFrames(codecPath, clip.frames, config, req.sandbox);
  if (!encoded.ok) return { ok: false, failure: { stage: "encode", ...encoded.failure } };

  const [first, second] = await Promise.all([
    deps.decodePayloads(codecPath, encoded.payloads, config, req.sandbox),
    deps.decodePayloads(codecPath, encoded.payloads, config, req.sandbox),
  ]);
  if (!first.ok) return { ok: false, failure: { stage: "decode", ...first.failure } };
  if (!second.ok) return { ok: false, failure: { stage: "decode", ...second.failure } };
  const mismatch = first.frames.findIndex(
    (frame, i) => !Buffer.from(frame.data).equals(Buffer.from(second.frames[i]!.data)),
  );
  if (mismatch >= 0) {
    return {
      ok: false,
      failure: {
        category: "nondeterministic",
        message: `Two decodes of the same bytes differ at frame ${mismatch}: the decoder must be a pure function of (bytes, index, config).`,
        line: null,
        stage: "decode",
        frameIndex: mismatch,
      },
    };
  }

  const frameCount = clip.frames.length;
  const bytes = encoded.payloads.reduce((sum, payload) => sum + payload.length, 0);
  const rung: Rung = {
    quality,
    ...rateMetrics(bytes, clip.width, clip.height, frameCount, clip.fps),
    ...(await measureQuality(clip.frames, first.frames)),
    encodeFps: frameCount / Math.max(encoded.codecSeconds, 1e-9),
    decodeFps: frameCount / Math.max(first.codecSeconds, 1e-9),
  };
  return { ok: true, rung, payloads: encoded.payloads, frames: first.frames };
}

/** The parent's curve on this clip: run it on the same frames, or take it from a stored result. */
async function parentRungs(
  deps: EvaluatorDeps,
  req: EvaluationRequest,
  clip: Clip,
  qualities: readonly number[],
  onRung: (quality: number) => void,
): Promise<BaselineResult | null> {
  if (!req.parent) return null;
  if ("result" in req.parent) {
    // Synthetic clips are re-seeded on every evaluation, so a stored curve is not comparable.
    if (clip.source.kind === "synthetic") return null;
    const stored = req.parent.result.clips.find((c) => c.name === clip.name);
    return stored ? { encoder: `parent ${req.parent.result.codec}`, rungs: stored.rungs } : null;
  }
  const parentPath = req.parent.codecPath;
  const outcomes = await mapLimit(qualities, concurrency(), async (quality) => {
    const outcome = await runRung(deps, req, parentPath, clip, quality);
    onRung(quality);
    return outcome;
  });
  // A broken parent leaves the candidate without a parent comparison, not failed.
  if (outcomes.some((outcome) => !outcome.ok)) return null;
  return {
    encoder: `parent ${parentPath}`,
    rungs: outcomes.map((outcome) => (outcome as { rung: Rung }).rung),
  };
}

/** A parent EvaluationResult assembled from the parent curves measured in this run. */
function parentResultFrom(result: EvaluationResult, heldOut: ClipResult[]): EvaluationResult {
  const asParent = (clip: ClipResult): ClipResult => ({
    ...clip,
    rungs: clip.baselines.parent?.rungs ?? [],
    baselines: {},
    bdRate: {},
  });
  const clips = result.clips.filter((clip) => clip.baselines.parent).map(asParent);
  const heldOutClips = heldOut.filter((clip) => clip.baselines.parent).map(asParent);
  return {
    codec: "parent",
    status: "ok",
    failure: null,
    clips,
    verdict: null,
    ...(heldOutClips.length > 0 ? { heldOut: summariseHeldOut(heldOutClips) } : {}),
  };
}

/** Aggregate figures of held-out clips: counts and means, no names. */
function summariseHeldOut(clips: readonly ClipResult[]): HeldOutSummary {
  const rungs = clips.flatMap((clip) => clip.rungs);
  const mean = (values: number[]) =>
    values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
  return {
    clips: clips.length,
    frames: clips.reduce((sum, clip) => sum + clip.frames, 0),
    meanBitsPerPixel: mean(rungs.map((rung) => rung.bitsPerPixel)),
    meanPsnrRgb: mean(rungs.map((rung) => rung.psnrRgb)),
    bdRate: meanBdRate(clips, { requireAll: true }),
  };
}

function describeSource(clip: Clip): string {
  const source = clip.source;
  return source.kind === "synthetic"
    ? `synthetic ${source.generator} (seed ${source.seed})`
    : `${source.kind} ${source.path}`;
}

/** Codec processes are single-threaded; run one per core. */
function concurrency(): number {
  return Math.max(1, availableParallelism());
}

/** Map with at most `limit` calls in flight, results in input order. */
async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
