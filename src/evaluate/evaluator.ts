/**
 * The evaluation pipeline, one line at a time:
 * validate → every clip × rung a job in one pool (bounded by cores and memory,
 * job-pool.ts): the clip streamed through a sandboxed encode, two sandboxed
 * decodes compared frame by frame, and the metrics (stream-rung.ts) → floor →
 * per clip, once its rungs are known: baselines on the same frames, parent →
 * BD-rate → verdict. Jobs finish in any order; results are assembled in clip
 * and ladder order, so they do not depend on scheduling.
 *
 * A codec can only make this return `status: "failed"`; it can never make it
 * throw or hang. Errors on our side (ffmpeg missing, a bad clip) do throw.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { AdoptionConfig } from "../config/schema.js";
import type { CodecConfig } from "../sandbox/codec-config.js";
import { CodecSide } from "../sandbox/codec-side.js";
import { describeIsolation } from "../sandbox/isolation.js";
import { findPython } from "../sandbox/find-python.js";
import { probePython } from "../sandbox/python-info.js";
import { checkCodec } from "../sandbox/run-codec.js";
import { resolveLimits, type SandboxOptions } from "../sandbox/sandbox-options.js";
import { runBaseline, type BaselineName } from "./baselines/index.js";
import { clipSamplesHash, scoringCodeFingerprint } from "./baselines/fingerprint.js";
import { streamOf, type ClipInput, type ClipStream } from "./clips/clip-stream.js";
import { JobPool, jobMemoryBytes, jobsFromEnvironment, poolSize } from "./job-pool.js";
import { compareCurves, meanBdRate } from "./rd/compare-curves.js";
import { ReconWriter } from "./report/recon.js";
import {
  pairedSegments,
  segmentKey,
  timePaired,
  UNPAIRED,
  type PairedTimingSettings,
} from "./paired-timing.js";
import type {
  BaselineResult,
  ClipResult,
  EvaluationResult,
  Failure,
  HeldOutSummary,
  Rung,
  ShardIdentity,
  ShardInfo,
} from "./results.js";
import {
  readParentCache,
  retimedRungs,
  sampleRungs,
  writeParentCache,
  type ParentCacheEntry,
  type ParentCacheMaterial,
} from "./parent-cache.js";
import { ownedUnits, unitName, type ShardSpec } from "./shard.js";
import { streamRung, type OpenCodecSide, type RungOutcome } from "./stream-rung.js";
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
  /** Clips scored and shown in reports: streams (read while evaluating) or clips in memory. */
  clips: readonly ClipInput[];
  /** Clips scored for the verdict, reported only as aggregates and never by name. */
  heldOutClips?: readonly ClipInput[];
  qualities?: readonly number[];
  baselines?: readonly BaselineName[];
  /**
   * The current best codec, as a file to run on the same frames or as a stored result;
   * with a stored result, `timingCodecPath` (its file) is only timed side by side with the candidate.
   */
  parent?: { codecPath: string } | { result: EvaluationResult; timingCodecPath?: string } | null;
  /** With a parent, decide adoption by this rule and fill `verdict`. */
  adoption?: AdoptionConfig;
  codecParams?: Record<string, unknown>;
  sandbox?: SandboxOptions;
  /** A rung below this PSNR-RGB (dB) is a quality-floor failure. */
  qualityFloorDb?: number;
  reconDir?: string | null;
  cacheDir?: string | null;
  /**
   * Folder of cached parent rungs (parent-cache.ts); null or absent: the parent always runs.
   * With an entry, the parent is only re-timed on a fixed sample, whose bytes must match.
   */
  parentCacheDir?: string | null;
  onEvent?: (event: EvaluationEvent) => void;
  /** Run only this shard's units (shard.ts); the result then carries `shard` for merge-results. */
  shard?: ShardSpec;
  /** Jobs at once; default: CODEC_EVOLVE_JOBS, else job-pool.ts's policy (cores and free memory). */
  jobs?: number;
}

/** The parts of the pipeline that run other programs, injectable for tests. */
export interface EvaluatorDeps {
  checkCodec: typeof checkCodec;
  openCodecSide: OpenCodecSide;
  describeIsolation: typeof describeIsolation;
  runBaseline: typeof runBaseline;
  /** Python and numpy versions of the sandbox's interpreter (part of the parent cache key). */
  pythonVersions?: (sandbox?: SandboxOptions) => Promise<string>;
}

const defaultDeps: EvaluatorDeps = {
  checkCodec,
  openCodecSide: (mode, codecPath, config, opts) => CodecSide.open(mode, codecPath, config, opts),
  describeIsolation,
  runBaseline,
  pythonVersions: async (sandbox) => {
    const info = await probePython(await findPython(sandbox?.python));
    return `python ${info.version} numpy ${info.numpy}`;
  },
};

/** How the parent's rungs are obtained: run here, or taken from the cache and re-timed. */
type ParentPlan =
  | { kind: "run"; note: string }
  | { kind: "cached"; clips: Rung[][]; encoder: string; note: string };

/** A job that did not run because an earlier job (in clip and ladder order) already failed. */
const SKIPPED = { ok: false, skipped: true } as const;
type JobOutcome = RungOutcome | typeof SKIPPED;

/** Evaluate a codec file on clips and baselines; see the module comment for the steps. */
export async function evaluateCodec(
  req: EvaluationRequest,
  deps: EvaluatorDeps = defaultDeps,
): Promise<EvaluationResult> {
  const qualities = [...(req.qualities ?? DEFAULT_QUALITIES)];
  const baselines = [...(req.baselines ?? [])];
  const shown = req.clips.map(streamOf);
  const heldOut = (req.heldOutClips ?? []).map(streamOf);
  const allClips = [...shown, ...heldOut];
  const parentPath = req.parent && "codecPath" in req.parent ? req.parent.codecPath : null;
  const emit = req.onEvent ?? (() => {});
  const owned = ownedUnits(req.shard, allClips.length, qualities.length, baselines.length > 0);
  const owns = (clip: number, rung: number) => owned.has(unitName({ kind: "rung", clip, rung }));
  const ownsBaselines = (clip: number) =>
    baselines.length > 0 && owned.has(unitName({ kind: "baselines", clip }));

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

  // The parent's rungs from the cache when an entry fits (never in a shard: shards merge what they measured).
  const parentCacheDir = parentPath && req.parentCacheDir && !req.shard ? req.parentCacheDir : null;
  const material =
    parentCacheDir && parentPath
      ? await parentCacheMaterial(req, parentPath, allClips, shown.length, qualities, result, deps)
      : null;
  const cachedParent =
    parentCacheDir && material ? await readParentCache(parentCacheDir, material) : null;
  const samples = cachedParent ? sampleRungs(shown.length, qualities.length) : [];

  // Paired timing (paired-timing.ts) of the parent's file against the candidate, on the shown clips.
  const pairing = pairingPlan(req, shown.length);
  const paired = pairing.kind === "run" ? pairing : null;
  const segments = paired
    ? pairedSegments(
        paired.settings,
        qualities,
        shown.map((clip) => clip.frameCount),
      )
    : [];
  /** sha256 of each timed segment's payloads (segmentKey), per codec, from this run. */
  const digests = { candidate: new Map<string, string>(), parent: new Map<string, string>() };
  const digestFor = (c: number, q: number) => {
    const segment = segments.find((s) => s.clip === c && s.quality === qualities[q]);
    return segment ? { digestFrames: segment.frames } : {};
  };

  let total = samples.length;
  for (const c of allClips.keys()) {
    for (const q of qualities.keys()) if (owns(c, q)) total += parentPath && !cachedParent ? 2 : 1;
    if (ownsBaselines(c)) total += baselines.length;
  }
  let done = 0;
  emit({ type: "start", total });

  // Order of a job among all jobs: a failure is reported for the first failing job in this
  // order, whatever finished first, and jobs after a known failure are not started.
  const slots = qualities.length + 1;
  const orderOf = (clip: number, rung: number) => clip * slots + rung;
  let firstFailure: { order: number; failure: Failure } | null = null;
  const skip = (order: number) => firstFailure !== null && order > firstFailure.order;
  const noteFailure = (order: number, failure: Failure) => {
    if (!firstFailure || order < firstFailure.order) firstFailure = { order, failure };
  };

  const largest = Math.max(...allClips.map((clip) => jobMemoryBytes(clip.width, clip.height)));
  const pool = new JobPool(req.jobs ?? jobsFromEnvironment() ?? poolSize(largest));
  const label = (index: number) =>
    index >= shown.length ? `held-out clip #${index - shown.length + 1}` : allClips[index]!.name;

  const configFor = (clip: ClipStream, quality: number): CodecConfig => ({
    ...req.codecParams,
    quality,
    width: clip.width,
    height: clip.height,
    fps: clip.fps,
  });

  /** Candidate rung q of clip c (encode only when this shard needs just its rate). */
  const candidateJob = (c: number, q: number, encodeOnly: boolean) =>
    pool.run(async (): Promise<JobOutcome> => {
      const order = orderOf(c, q);
      if (skip(order)) return SKIPPED;
      const clip = allClips[c]!;
      const quality = qualities[q]!;
      const recon =
        req.reconDir && c < shown.length && !encodeOnly
          ? await ReconWriter.open(req.reconDir, clip.name, quality, q === 0)
          : null;
      let outcome: RungOutcome;
      try {
        outcome = await streamRung({
          openSide: deps.openCodecSide,
          codecPath: req.codecPath,
          clip,
          config: configFor(clip, quality),
          sandbox: req.sandbox,
          encodeOnly,
          recon,
          ...(encodeOnly ? {} : digestFor(c, q)),
        });
      } catch (error) {
        await recon?.close(false).catch(() => undefined);
        throw error;
      }
      // Kept before the floor check, which rebuilds the outcome from the rung alone.
      if (outcome.ok && outcome.payloadDigest)
        digests.candidate.set(segmentKey(c, quality), outcome.payloadDigest);
      if (outcome.ok && !encodeOnly)
        outcome = checkFloor(outcome.rung, req.qualityFloorDb, label(c));
      await recon?.close(outcome.ok);
      if (!outcome.ok) {
        noteFailure(order, { ...outcome.failure, clip: label(c), quality });
      } else if (!encodeOnly) {
        emit({
          type: "rung-done",
          codec: "candidate",
          clip: label(c),
          quality,
          done: ++done,
          total,
        });
      }
      return outcome;
    });

  /**
   * Parent rung q of clip c: a failure leaves the candidate without a parent curve, never failed.
   * `encodeOnly`: the parent encoded (only) at a sample rung, for its speed here and bytes to check
   * against the cache.
   */
  const parentJob = (c: number, q: number, encodeOnly = false) =>
    pool.run(async (): Promise<JobOutcome> => {
      if (!parentPath || skip(orderOf(c, slots - 1))) return SKIPPED;
      const clip = allClips[c]!;
      const quality = qualities[q]!;
      const outcome = await streamRung({
        openSide: deps.openCodecSide,
        codecPath: parentPath,
        clip,
        config: configFor(clip, quality),
        sandbox: req.sandbox,
        ...(encodeOnly ? { encodeOnly: true } : digestFor(c, q)),
      });
      if (outcome.ok && outcome.payloadDigest)
        digests.parent.set(segmentKey(c, quality), outcome.payloadDigest);
      emit({ type: "rung-done", codec: "parent", clip: label(c), quality, done: ++done, total });
      return outcome;
    });

  /**
   * A cached entry is used only when the sample encodes here give its bytes exactly;
   * its speeds are then scaled by this machine's speed on the sample over the cached run's.
   */
  const planParent = async (entry: ParentCacheEntry): Promise<ParentPlan> => {
    const outcomes = await Promise.all(samples.map((s) => parentJob(s.clip, s.rung, true)));
    const problems: string[] = [];
    let fpsHere = 0;
    let fpsCached = 0;
    let cpuFpsHere = 0;
    let cpuFpsCached = 0;
    for (const [i, { clip, rung }] of samples.entries()) {
      const outcome = outcomes[i]!;
      const cachedRung = entry.clips[clip]![rung]!;
      const where = `${label(clip)} q=${qualities[rung]}`;
      if (!outcome.ok) {
        problems.push(`${where}: ${"failure" in outcome ? outcome.failure.message : "not run"}`);
      } else if (outcome.rung.bytes !== cachedRung.bytes) {
        problems.push(`${where}: ${outcome.rung.bytes} bytes here, ${cachedRung.bytes} cached`);
      } else {
        fpsHere += outcome.rung.encodeFps;
        fpsCached += cachedRung.encodeFps;
        cpuFpsHere += outcome.rung.encodeCpuFps ?? NaN;
        cpuFpsCached += cachedRung.encodeCpuFps ?? NaN;
      }
    }
    if (problems.length > 0) {
      total += allClips.length * qualities.length;
      return {
        kind: "run",
        note: `measured here; the cached entry was discarded (${problems.slice(0, 3).join("; ")})`,
      };
    }
    const factor = fpsHere / fpsCached;
    const cpuFactor = cpuFpsHere / cpuFpsCached;
    return {
      kind: "cached",
      clips: entry.clips.map((rungs) => retimedRungs(rungs, factor, cpuFactor)),
      encoder: entry.encoder,
      note:
        `rungs from the parent cache (entry ${entry.key.slice(0, 12)}, same code, clips, ladder and sandbox); ` +
        `encode re-timed here on ${samples.length} sample rung(s), same bytes: ` +
        `speeds scaled by ${factor.toFixed(3)} (this run's sample fps over the cached run's)` +
        (Number.isFinite(cpuFactor) ? `, CPU-time speeds by ${cpuFactor.toFixed(3)}` : ""),
    };
  };
  const parentPlan = cachedParent ? planParent(cachedParent) : null;

  /** Every job of clip c; baselines start once the candidate's rates on the clip are known. */
  const clipJobs = async (c: number) => {
    const needRates = ownsBaselines(c);
    const candidate = qualities.map((_, q) =>
      owns(c, q) || needRates ? candidateJob(c, q, !owns(c, q)) : Promise.resolve(null),
    );
    const runParentHere = () =>
      Promise.all(
        qualities.map((_, q) =>
          parentPath && owns(c, q) ? parentJob(c, q) : Promise.resolve(null),
        ),
      );
    // Without a cache entry the parent's jobs are queued right behind this clip's candidate jobs.
    const parent: Promise<(JobOutcome | null)[]> = parentPlan
      ? parentPlan.then((plan) =>
          plan.kind === "cached"
            ? qualities.map((_, q) => ({ ok: true as const, rung: plan.clips[c]![q]! }))
            : runParentHere(),
        )
      : runParentHere();
    const rungs = await Promise.all(candidate);
    const baselineResults: Record<string, BaselineResult> = {};
    let targets: number[] | null = null;
    if (needRates && rungs.every((outcome) => outcome?.ok)) {
      targets = rungs.map((outcome) => (outcome as { rung: Rung }).rung.bitsPerPixel);
      const runs = baselines.map((name) =>
        pool.run(async () => {
          if (skip(orderOf(c, slots - 1))) return null;
          const measured = await deps.runBaseline(name, {
            clip: allClips[c]!,
            targetBitsPerPixel: targets!,
            cacheDir: req.cacheDir ?? null,
          });
          emit({ type: "baseline-done", clip: label(c), baseline: name, done: ++done, total });
          return measured;
        }),
      );
      for (const [i, measured] of (await Promise.all(runs)).entries()) {
        if (measured) baselineResults[baselines[i]!] = measured;
      }
    }
    return { rungs, parent: await parent, baselineResults, targets };
  };

  const perClip = await Promise.all(allClips.map((_, c) => clipJobs(c)));
  if (firstFailure) {
    const failed = firstFailure as { order: number; failure: Failure };
    // As before streaming: the clips before the failing one are reported whole.
    const failedClip = Math.floor(failed.order / slots);
    for (let c = 0; c < Math.min(failedClip, shown.length); c++) {
      result.clips.push(assembleClip(c));
    }
    if (req.shard) result.shard = await shardInfo(req.shard, []);
    return fail(failed.failure);
  }

  async function shardInfo(shard: ShardSpec, heldOutResults: ClipResult[]): Promise<ShardInfo> {
    return {
      index: shard.index,
      count: shard.count,
      identity: await shardIdentity(req, shown, heldOut, qualities, baselines),
      units: [...owned],
      heldOutClips: heldOutResults.map((clip, i) => anonymise(clip, i)),
      baselineTargets: Object.fromEntries(
        perClip.flatMap((clip, c) => (clip.targets ? [[String(c), clip.targets]] : [])),
      ),
      parentRungs: Object.fromEntries(
        perClip.map((clip, c) => [
          String(c),
          Object.fromEntries(
            clip.parent.flatMap((outcome, q) =>
              outcome === null || "skipped" in outcome
                ? []
                : [[String(q), outcome.ok ? outcome.rung : null] as [string, Rung | null]],
            ),
          ),
        ]),
      ),
      parentEncoder: parentPath ? `parent ${parentPath}` : null,
    };
  }

  function assembleClip(c: number): ClipResult {
    const clip = allClips[c]!;
    const { rungs, parent, baselineResults } = perClip[c]!;
    const mine = rungs.filter((_, q) => owns(c, q)) as { ok: true; rung: Rung }[];
    const clipResult: ClipResult = {
      name: clip.name,
      width: clip.width,
      height: clip.height,
      frames: clip.frameCount,
      fps: clip.fps,
      source: describeSource(clip),
      rungs: mine.map((outcome) => outcome.rung),
      baselines: { ...baselineResults },
      bdRate: {},
    };
    if (req.shard) return clipResult;
    const parentCurve = parentRungs(req, clip, parent);
    if (parentCurve) clipResult.baselines.parent = parentCurve;
    Object.assign(clipResult, compareCurves(clipResult.rungs, clipResult.baselines));
    return clipResult;
  }

  const clipResults = allClips.map((_, c) => assembleClip(c));
  result.clips = clipResults.slice(0, shown.length);
  const heldOutResults = clipResults.slice(shown.length);

  if (req.shard) {
    result.shard = await shardInfo(req.shard, heldOutResults);
    return result;
  }

  if (parentCacheDir && material) {
    const plan = parentPlan ? await parentPlan : null;
    if (plan?.kind === "cached") {
      result.environment = { ...result.environment, parent: plan.note };
    } else {
      const complete = perClip.every((clip) => clip.parent.every((outcome) => outcome?.ok));
      if (complete) {
        const rungs = perClip.map((clip) => clip.parent.map((o) => (o as { rung: Rung }).rung));
        await writeParentCache(parentCacheDir, material, `parent ${parentPath}`, rungs);
      }
      result.environment = {
        ...result.environment,
        parent:
          (plan?.note ?? "measured here (no cached entry)") +
          (complete ? "; saved to the parent cache" : "; not cached (a parent rung failed)"),
      };
    }
  }

  if (paired) {
    const outcome = await timePaired({
      openSide: deps.openCodecSide,
      candidatePath: req.codecPath,
      parentPath: paired.parentPath,
      clips: shown,
      qualities,
      configFor,
      settings: paired.settings,
      sandbox: req.sandbox,
    });
    if (!outcome.ok && outcome.side === "candidate") {
      return fail({
        ...outcome.failure,
        message: `while timed side by side with the parent: ${outcome.failure.message}`,
        clip: label(outcome.segment?.clip ?? 0),
        ...(outcome.segment ? { quality: outcome.segment.quality } : {}),
      });
    }
    if (!outcome.ok) {
      result.pairedTiming = {
        status: "unavailable",
        reason: `the parent failed while timed side by side: ${outcome.failure.message.slice(0, 300)}`,
      };
    } else {
      // Same bytes as in the evaluation proper, or the timing measured some other encoder.
      for (const segment of outcome.segments) {
        const key = segmentKey(segment.clip, segment.quality);
        if (digests.candidate.get(key) !== outcome.digests.candidate.get(key)) {
          return fail({
            category: "nondeterministic",
            message:
              `the encoder wrote other bytes for the first ${segment.frames} frame(s) at quality ${segment.quality} ` +
              `when timed side by side with the parent than in its evaluation: the encoder must be a pure function of the frames and config.`,
            line: null,
            stage: "encode",
            clip: label(segment.clip),
            quality: segment.quality,
          });
        }
      }
      const parentDiffers = outcome.segments.find((segment) => {
        const key = segmentKey(segment.clip, segment.quality);
        return (
          digests.parent.has(key) && digests.parent.get(key) !== outcome.digests.parent.get(key)
        );
      });
      result.pairedTiming = parentDiffers
        ? {
            status: "unavailable",
            reason: `the parent wrote other bytes on ${label(parentDiffers.clip)} at quality ${parentDiffers.quality} when timed side by side than in this evaluation`,
          }
        : outcome.timing;
    }
  } else if (pairing.kind === "skip") {
    result.pairedTiming = { status: "unavailable", reason: pairing.reason };
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

/**
 * Whether the parent's file is timed side by side with the candidate: only when a verdict
 * will compare speeds (a parent and an adoption rule); `none`: no verdict, nothing to say.
 */
function pairingPlan(
  req: EvaluationRequest,
  shownClips: number,
):
  | { kind: "run"; parentPath: string; settings: PairedTimingSettings }
  | { kind: "skip"; reason: string }
  | { kind: "none" } {
  if (!req.parent || !req.adoption || req.shard) return { kind: "none" };
  const parentPath =
    "codecPath" in req.parent ? req.parent.codecPath : (req.parent.timingCodecPath ?? null);
  const { pairedTimingFrames, pairedTimingChunkFrames } = req.adoption;
  if (!pairedTimingFrames) {
    return { kind: "skip", reason: UNPAIRED.off };
  }
  if (!parentPath) {
    return { kind: "skip", reason: UNPAIRED.storedParent };
  }
  if (shownClips === 0) return { kind: "skip", reason: "no shown clip to time on" };
  return {
    kind: "run",
    parentPath,
    settings: { framesPerSide: pairedTimingFrames, chunkFrames: pairedTimingChunkFrames },
  };
}

/** The rung as measured, or a quality-floor failure naming clip, rung and figures. */
function checkFloor(rung: Rung, floor: number | undefined, label: string): RungOutcome {
  if (floor === undefined || rung.psnrRgb >= floor) return { ok: true, rung };
  return {
    ok: false,
    failure: {
      category: "quality-floor",
      message:
        `${label} at quality ${rung.quality}: PSNR-RGB ${rung.psnrRgb.toFixed(2)} dB is below ` +
        `the floor of ${floor} dB (${rung.bitsPerPixel.toFixed(4)} bits/pixel).`,
      line: null,
      stage: "score",
    },
  };
}

/** The parent's curve on this clip: from this run's parent rungs, or from a stored result. */
function parentRungs(
  req: EvaluationRequest,
  clip: ClipStream,
  outcomes: readonly (JobOutcome | null)[],
): BaselineResult | null {
  if (!req.parent) return null;
  if ("result" in req.parent) {
    // Synthetic clips are re-seeded on every evaluation, so a stored curve is not comparable.
    if (clip.source.kind === "synthetic") return null;
    const stored = req.parent.result.clips.find((c) => c.name === clip.name);
    return stored ? { encoder: `parent ${req.parent.result.codec}`, rungs: stored.rungs } : null;
  }
  // A broken parent leaves the candidate without a parent comparison, not failed.
  if (outcomes.some((outcome) => !outcome?.ok)) return null;
  return {
    encoder: `parent ${req.parent.codecPath}`,
    rungs: outcomes.map((outcome) => (outcome as { rung: Rung }).rung),
  };
}

/** A held-out clip's result as a shard carries it: numbered, never named, no source. */
function anonymise(clip: ClipResult, index: number): ClipResult {
  const { source: _source, ...rest } = clip;
  return { ...rest, name: `held-out #${index + 1}` };
}

/** What shards must share to be merged (see ShardIdentity). */
async function shardIdentity(
  req: EvaluationRequest,
  shown: readonly ClipStream[],
  heldOut: readonly ClipStream[],
  qualities: readonly number[],
  baselines: readonly string[],
): Promise<ShardIdentity> {
  const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
  const describe = (clip: ClipStream) =>
    `${clip.name} ${clip.width}x${clip.height} ${clip.frameCount} frames @ ${clip.fps} fps, ${describeSource(clip)}`;
  const parentPath = req.parent && "codecPath" in req.parent ? req.parent.codecPath : null;
  return {
    codecSha256: sha256(await readFile(req.codecPath)),
    parentSha256: parentPath ? sha256(await readFile(parentPath)) : null,
    clips: shown.map(describe),
    heldOut: heldOut.map((clip) => sha256(describe(clip))),
    qualities: [...qualities],
    baselines: [...baselines],
    settings: JSON.stringify({
      codecParams: req.codecParams ?? {},
      qualityFloorDb: req.qualityFloorDb ?? null,
      adoption: req.adoption ?? null,
    }),
    evaluator: `${EVALUATOR_VERSION} scoring ${await scoringCodeFingerprint()}`,
  };
}

/** Bumped when a change to the pipeline changes what a result means (shards of two versions never merge). */
export const EVALUATOR_VERSION = "codec-evolve evaluator 2";

/** What the parent's cached rungs depend on (parent-cache.ts), besides the machine's speed. */
async function parentCacheMaterial(
  req: EvaluationRequest,
  parentPath: string,
  clips: readonly ClipStream[],
  shownClips: number,
  qualities: readonly number[],
  result: EvaluationResult,
  deps: EvaluatorDeps,
): Promise<ParentCacheMaterial> {
  const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");
  // Sources by kind and samples, not by path: the same clip in another checkout is the same clip.
  const describe = async (clip: ClipStream) =>
    `${clip.name} ${clip.width}x${clip.height} ${clip.frameCount} frames @ ${clip.fps} fps, ` +
    `${clip.source.kind === "synthetic" ? describeSource(clip) : clip.source.kind}, ` +
    `samples ${await clipSamplesHash(clip, false)}`;
  const sandbox = req.sandbox ?? {};
  const pythonVersions = deps.pythonVersions ?? defaultDeps.pythonVersions!;
  return {
    parentSha256: sha256(await readFile(parentPath)),
    clips: await Promise.all(clips.map(describe)),
    shownClips,
    qualities: [...qualities],
    codecParams: JSON.stringify(req.codecParams ?? {}),
    sandbox: JSON.stringify({
      isolation: result.sandbox?.isolation ?? null,
      limits: resolveLimits(sandbox.limits),
      allowedImports: sandbox.allowedImports ?? null,
      layers: sandbox.layers ?? null,
      gpu: sandbox.gpu ?? false,
      python: await pythonVersions(req.sandbox),
    }),
    evaluator: `${EVALUATOR_VERSION} scoring ${await scoringCodeFingerprint()}`,
  };
}

/** A parent EvaluationResult assembled from the parent curves measured in this run. */
export function parentResultFrom(
  result: EvaluationResult,
  heldOut: ClipResult[],
): EvaluationResult {
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
export function summariseHeldOut(clips: readonly ClipResult[]): HeldOutSummary {
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

/** How a clip's origin is written in results. */
export function describeSource(clip: ClipStream): string {
  const source = clip.source;
  return source.kind === "synthetic"
    ? `synthetic ${source.generator} (seed ${source.seed})`
    : `${source.kind} ${source.path}`;
}
