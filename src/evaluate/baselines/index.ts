/**
 * Reference encoders measured on exactly the frames the candidate saw, scored
 * by the same metric code: x265, x264 and AV1 (libaom) through ffmpeg, and
 * intra-only JPEG (mozjpeg via sharp). Never a constant.
 *
 * runBaseline: tool versions → cache lookup → ladder search spanning the
 * candidate's rates (encodes only) → decode and score the chosen rungs →
 * cache write → rungs sorted by rate (lossless and same-size rungs dropped,
 * see tidy-rungs.ts).
 */
import { streamOf, type ClipInput, type ClipStream } from "../clips/clip-stream.js";
import { rateMetrics } from "../metrics/rate.js";
import type { BaselineResult, Rung } from "../results.js";
import type { BaselineEncoder, EncoderSession } from "./baseline-encoder.js";
import {
  cacheKey,
  readCache,
  writeCache,
  type CacheKeyMaterial,
  type CachedKnob,
} from "./cache.js";
import { ffmpegBaseline } from "./ffmpeg-baseline.js";
import { AV1, X264, X265, X265_LD } from "./ffmpeg-encoders.js";
import { clipSamplesHash, scoringCodeFingerprint } from "./fingerprint.js";
import { JPEG_BASELINE } from "./jpeg-baseline.js";
import { chooseLadder, type KnownEncodes } from "./ladder.js";
import { runProcess, type ProcessRunner } from "../run-process.js";
import { tidyRungs } from "./tidy-rungs.js";

export type BaselineName = "x265" | "x265-ld" | "x264" | "jpeg" | "av1";
export const BASELINE_NAMES: readonly BaselineName[] = ["x265", "x265-ld", "x264", "jpeg", "av1"];

export type { ProcessRunner } from "../run-process.js";

export interface BaselineRequest {
  /** The clip: a stream is read again for every encode and decode, never held whole. */
  clip: ClipInput;
  /** Bits per pixel of the candidate's rungs; the ladder must span them (extend beyond both ends so BD-rate overlaps). Absent → a default ladder. */
  targetBitsPerPixel?: readonly number[];
  /** Cache folder (e.g. .codec-evolve/cache/baselines); null disables the cache. */
  cacheDir?: string | null;
  signal?: AbortSignal;
  /** Runs ffmpeg; tests inject one to count or forbid spawns. */
  runner?: ProcessRunner;
}

const ENCODERS: Record<BaselineName, BaselineEncoder> = {
  x265: ffmpegBaseline("x265", X265),
  "x265-ld": ffmpegBaseline("x265-ld", X265_LD),
  x264: ffmpegBaseline("x264", X264),
  av1: ffmpegBaseline("AV1", AV1),
  jpeg: JPEG_BASELINE,
};

function encoderFor(name: string): BaselineEncoder {
  const encoder = (ENCODERS as Record<string, BaselineEncoder | undefined>)[name];
  if (!encoder) {
    throw new Error(`unknown baseline "${name}"; known baselines: ${BASELINE_NAMES.join(", ")}`);
  }
  return encoder;
}

/** Version string of each tool, e.g. "ffmpeg 5.1.6 / libx265 3.5", for reports and cache keys. */
export async function baselineVersion(
  name: BaselineName,
  runner: ProcessRunner = runProcess,
): Promise<string> {
  return encoderFor(name).version(runner);
}

/** Measure one reference encoder on the clip's own frames: returns its encoder identity and RD rungs with full metrics. */
export async function runBaseline(
  name: BaselineName,
  req: BaselineRequest,
): Promise<BaselineResult> {
  const encoder = encoderFor(name);
  const clip = streamOf(req.clip);
  if (clip.frameCount === 0) throw new Error(`clip ${clip.name} has no frames`);
  const runner = req.runner ?? runProcess;
  const version = await encoder.version(runner);

  const material: CacheKeyMaterial = {
    baseline: name,
    version,
    settings: encoder.settings,
    samplesHash: await clipSamplesHash(clip, encoder.usesNativeSamples(clip)),
    scoringHash: await scoringCodeFingerprint(),
  };
  const key = req.cacheDir ? cacheKey(material) : null;
  const knobs =
    req.cacheDir && key ? await readCache(req.cacheDir, key) : new Map<number, CachedKnob>();
  let changed = false;

  let session: EncoderSession | null = null;
  const open = async (): Promise<EncoderSession> => {
    session ??= await encoder.open(clip, { runner, signal: req.signal });
    return session;
  };
  const pixels = clip.width * clip.height * clip.frameCount;

  try {
    // Every cached encode seeds the search, and scored ones are preferred, so a
    // candidate whose rates moved a little reuses what earlier runs measured.
    const earlier: KnownEncodes = {
      rates: new Map([...knobs].map(([knob, entry]) => [knob, (entry.bytes * 8) / pixels])),
      scored: (knob) => isScored(knobs.get(knob)),
    };
    const ladder = await chooseLadder(
      encoder.knob,
      req.targetBitsPerPixel ?? [],
      async (knob) => {
        let entry = knobs.get(knob);
        if (!entry) {
          entry = { ...(await (await open()).encode(knob)) };
          knobs.set(knob, entry);
          changed = true;
        }
        return (entry.bytes * 8) / pixels;
      },
      earlier,
    );

    const rungs: Rung[] = [];
    for (const knob of ladder) {
      let entry = knobs.get(knob);
      if (!isScored(entry)) {
        // Bytes and metrics must come from the same stream, so a knob known
        // only by its size is encoded again in this session before decoding.
        const { encoded, decoded } = await (await open()).decodeAndMeasure(knob);
        entry = { ...encoded, ...decoded };
        knobs.set(knob, entry);
        changed = true;
      }
      rungs.push(toRung(clip, encoder, knob, entry as Required<CachedKnob>));
    }
    if (req.cacheDir && key && changed) await writeCache(req.cacheDir, key, material, knobs);
    return { encoder: encoder.describe(version), rungs: tidyRungs(rungs) };
  } finally {
    await (session as EncoderSession | null)?.close();
  }
}

/** Whether a cached knob has been decoded and scored (not only encoded). */
function isScored(entry: CachedKnob | undefined): entry is Required<CachedKnob> {
  return entry?.quality !== undefined && entry.decodeSeconds !== undefined;
}

function toRung(
  clip: ClipStream,
  encoder: BaselineEncoder,
  knob: number,
  entry: Required<CachedKnob>,
): Rung {
  const frames = clip.frameCount;
  return {
    quality: knob,
    setting: `${encoder.knob.name}=${knob}`,
    ...rateMetrics(entry.bytes, clip.width, clip.height, frames, clip.fps),
    ...entry.quality,
    encodeFps: frames / entry.encodeSeconds,
    decodeFps: frames / entry.decodeSeconds,
  };
}
