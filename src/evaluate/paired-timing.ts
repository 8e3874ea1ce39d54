/**
 * Paired timing: the parent's and the candidate's encoders, each in its own
 * sandboxed process, encode the same frames in alternating chunks (candidate
 * first, then parent, then parent first, ...), so that whatever else the
 * machine runs falls on both sides alike. Each side is charged its process's
 * CPU seconds per answer (harness.py counts every thread from the previous
 * answer), so CPU burnt in a thread while the other side is timed is charged
 * to the side that burnt it. The payloads are hashed, so the evaluator can
 * check they are the bytes the same codec wrote in the evaluation proper: a
 * codec that noticed it was being timed and took a cheaper path would differ.
 *
 * The frames come from every shown clip (pairedSegments): a codec fast on one
 * kind of content only (the first clip's pan, say) is judged on the others too.
 */
import type { CodecConfig } from "../sandbox/codec-config.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";
import type { ClipStream } from "./clips/clip-stream.js";
import type { Failure, PairedTiming } from "./results.js";
import { payloadDigest, type OpenCodecSide, type StreamingSide } from "./stream-rung.js";

/** Why a verdict's speeds are not paired, in the words of every path that can say so. */
export const UNPAIRED = {
  off: "paired timing is off (adoption.pairedTimingFrames is 0)",
  storedParent: "the parent is a stored result without its codec file",
  sharded: "shards are not timed side by side (each ran on its own machine)",
} as const;

/** How much to time: frames per side over all timed rungs, and frames per chunk. */
export interface PairedTimingSettings {
  framesPerSide: number;
  chunkFrames: number;
}

export interface PairedTimingRequest {
  openSide: OpenCodecSide;
  candidatePath: string;
  parentPath: string;
  /** The shown clips (never held-out ones: their names are not reported). */
  clips: readonly ClipStream[];
  /** The evaluation's ladder; its low, middle and high rungs are timed, spread over the clips. */
  qualities: readonly number[];
  configFor: (clip: ClipStream, quality: number) => CodecConfig;
  settings: PairedTimingSettings;
  sandbox?: SandboxOptions;
}

type Side = "candidate" | "parent";

/** One stretch of timed frames: the first `frames` frames of shown clip `clip` at `quality`. */
export interface TimedSegment {
  clip: number;
  quality: number;
  frames: number;
}

/** The key of a segment's payload digest (segmentKey(clip index, quality)). */
export function segmentKey(clip: number, quality: number): string {
  return `${clip}:${quality}`;
}

/** The measurement and, per side and segment (segmentKey), sha256 of the segment's payloads. */
export type PairedTimingOutcome =
  | {
      ok: true;
      timing: Extract<PairedTiming, { status: "ok" }>;
      segments: TimedSegment[];
      digests: Record<Side, Map<string, string>>;
    }
  /** `segment`: the one being timed when the side failed (absent when no segment started). */
  | { ok: false; side: Side; failure: Failure; segment?: TimedSegment };

/** The ladder's lowest, middle and highest rungs (fewer when the ladder is shorter). */
export function timedQualities(qualities: readonly number[]): number[] {
  if (qualities.length === 0) return [];
  const picks = [0, Math.floor((qualities.length - 1) / 2), qualities.length - 1];
  return [...new Set(picks)].map((i) => qualities[i]!);
}

/** Chunk sizes that cover `frames` frames, `chunkFrames` at a time. */
export function chunkSizes(frames: number, chunkFrames: number): number[] {
  const sizes: number[] = [];
  for (let left = frames; left > 0; left -= chunkFrames) sizes.push(Math.min(chunkFrames, left));
  return sizes;
}

/** Which side goes first in chunk `k` (counted over all timed rungs): the order flips every chunk. */
export function chunkOrder(k: number): [Side, Side] {
  return k % 2 === 0 ? ["candidate", "parent"] : ["parent", "candidate"];
}

/**
 * The paired figures from per-chunk CPU seconds (parent's over candidate's, summed), or
 * null when a side spent no measurable CPU time (a ratio would be meaningless).
 */
export function pairedFigures(chunks: readonly { parent: number; candidate: number }[]): {
  parentCpuSeconds: number;
  candidateCpuSeconds: number;
  speedup: number;
  chunkSpeedups: { min: number; median: number; max: number };
} | null {
  const parentCpuSeconds = chunks.reduce((sum, c) => sum + c.parent, 0);
  const candidateCpuSeconds = chunks.reduce((sum, c) => sum + c.candidate, 0);
  if (!(parentCpuSeconds > 0) || !(candidateCpuSeconds > 0)) return null;
  // A chunk the candidate did in no measurable time counts as the largest finite speed-up seen.
  const ratios = chunks.map((c) => c.parent / Math.max(c.candidate, 1e-9)).sort((a, b) => a - b);
  const middle = ratios.length / 2;
  const median =
    ratios.length % 2 === 1
      ? ratios[Math.floor(middle)]!
      : (ratios[middle - 1]! + ratios[middle]!) / 2;
  return {
    parentCpuSeconds,
    candidateCpuSeconds,
    speedup: parentCpuSeconds / candidateCpuSeconds,
    chunkSpeedups: { min: ratios[0]!, median, max: ratios[ratios.length - 1]! },
  };
}

/**
 * What is timed: as many segments as there are timed rungs or shown clips, whichever is more;
 * segment s is clip s mod clips at timed rung s mod rungs (one clip: all three rungs; four
 * clips: q-low, q-mid, q-high, q-low), each the clip's first frames up to an equal share of
 * the per-side budget. Every shown clip is timed from its key frame, as in the evaluation.
 */
export function pairedSegments(
  settings: PairedTimingSettings,
  ladder: readonly number[],
  clipFrames: readonly number[],
): TimedSegment[] {
  const qualities = timedQualities(ladder);
  const clips = clipFrames.length;
  if (qualities.length === 0 || clips === 0) return [];
  const count = Math.max(qualities.length, clips);
  const share = Math.max(1, Math.ceil(settings.framesPerSide / count));
  return Array.from({ length: count }, (_, s) => ({
    clip: s % clips,
    quality: qualities[s % qualities.length]!,
    frames: Math.max(1, Math.min(clipFrames[s % clips]!, share)),
  }));
}

/** Time parent and candidate side by side; see the module comment. */
export async function timePaired(req: PairedTimingRequest): Promise<PairedTimingOutcome> {
  const segments = pairedSegments(
    req.settings,
    req.qualities,
    req.clips.map((clip) => clip.frameCount),
  );
  const chunks: { parent: number; candidate: number }[] = [];
  const digests: Record<Side, Map<string, string>> = { candidate: new Map(), parent: new Map() };
  const pathOf: Record<Side, string> = { candidate: req.candidatePath, parent: req.parentPath };

  for (const segment of segments) {
    const clip = req.clips[segment.clip]!;
    // Only this segment's frames are held: the budget bounds them (a few MB at CIF).
    const frames = await firstFrames(clip, segment.frames);
    const config = req.configFor(clip, segment.quality);
    const opened = await Promise.all(
      (["candidate", "parent"] as const).map((side) =>
        req.openSide("encode", pathOf[side], config, req.sandbox),
      ),
    );
    const sides: Partial<Record<Side, StreamingSide>> = {};
    try {
      for (const [i, side] of (["candidate", "parent"] as const).entries()) {
        const outcome = opened[i]!;
        if (outcome.ok) sides[side] = outcome.side;
      }
      for (const [i, side] of (["candidate", "parent"] as const).entries()) {
        const outcome = opened[i]!;
        if (!outcome.ok)
          return { ok: false, side, segment, failure: { stage: "encode", ...outcome.failure } };
      }
      const hashes = { candidate: payloadDigest(), parent: payloadDigest() };
      let start = 0;
      for (const size of chunkSizes(frames.length, req.settings.chunkFrames)) {
        const cpu = { parent: 0, candidate: 0 };
        for (const side of chunkOrder(chunks.length)) {
          for (const frame of frames.slice(start, start + size)) {
            const encoded = await sides[side]!.process(frame.index, frame.data);
            if (!encoded.ok)
              return { ok: false, side, segment, failure: { stage: "encode", ...encoded.failure } };
            cpu[side] += encoded.cpuSeconds;
            hashes[side].add(encoded.data);
          }
        }
        chunks.push(cpu);
        start += size;
      }
      for (const side of ["candidate", "parent"] as const) {
        const end = await sides[side]!.finish();
        if (end) return { ok: false, side, segment, failure: { stage: "encode", ...end } };
        digests[side].set(segmentKey(segment.clip, segment.quality), hashes[side].hex());
      }
    } finally {
      for (const side of Object.values(sides)) side.dispose();
    }
  }

  const frames = segments.reduce((sum, segment) => sum + segment.frames, 0);
  const figures = pairedFigures(chunks);
  if (!figures) {
    // The harness measures CPU time itself; none at all means a broken clock on that side.
    const side: Side = chunks.some((c) => c.parent > 0) ? "candidate" : "parent";
    const failure: Failure = {
      category: "invalid-output",
      message: `paired timing: the ${side} reported no CPU time for ${frames} frames`,
      line: null,
      stage: "encode",
    };
    return { ok: false, side, failure };
  }
  return {
    ok: true,
    segments,
    digests,
    timing: {
      status: "ok",
      clip: req.clips[segments[0]!.clip]!.name,
      qualities: [...new Set(segments.map((segment) => segment.quality))].sort((a, b) => a - b),
      frames,
      chunks: chunks.length,
      segments: segments.map((segment) => ({
        clip: req.clips[segment.clip]!.name,
        quality: segment.quality,
        frames: segment.frames,
      })),
      ...figures,
    },
  };
}

/** The clip's first `count` frames, kept in memory (a few frames: bounded by the settings). */
async function firstFrames(
  clip: ClipStream,
  count: number,
): Promise<{ index: number; data: Uint8Array }[]> {
  const frames: { index: number; data: Uint8Array }[] = [];
  for await (const frame of clip.frames()) {
    frames.push({ index: frame.index, data: frame.rgb.data });
    if (frames.length >= count) break;
  }
  return frames;
}
