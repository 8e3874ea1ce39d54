/**
 * A clip read one frame at a time. The evaluator, the baselines and the
 * fingerprints walk a ClipStream from the start as often as they need
 * (every rung is its own walk), so memory holds a few frames per running job
 * instead of whole clips: a 300-frame 1080p clip is 1.9 GB of RGB.
 *
 * Streams come from files (y4m.ts, ffmpeg-reader.ts) or wrap a clip already
 * in memory (synthetic clips, tests) with `streamOf`.
 */
import type { Clip, ClipSource, Frame } from "./clip.js";
import type { YuvPixFmt, YuvRange } from "./colour.js";

/** One frame of a stream: RGB24 for the codec and metrics, and the native planes when the source has them. */
export interface StreamedFrame {
  readonly index: number;
  readonly rgb: Frame;
  /** Planar Y, U, V samples in `ClipStream.native`'s format. */
  readonly native?: Uint8Array;
}

export interface ClipStream {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  /** Frames every walk yields, known before the first walk (maxFrames applied). */
  readonly frameCount: number;
  readonly source: ClipSource;
  /** Format of `StreamedFrame.native`, when the source is YUV. */
  readonly native?: { readonly pixFmt: YuvPixFmt; readonly range: YuvRange };
  /** Walk the frames from the first; every call starts afresh, and breaking out of the loop releases the source. */
  frames(): AsyncIterable<StreamedFrame>;
}

/** Either form the evaluator accepts. */
export type ClipInput = Clip | ClipStream;

/** True for a stream, false for a clip held in memory. */
export function isClipStream(clip: ClipInput): clip is ClipStream {
  return typeof (clip as ClipStream).frameCount === "number";
}

/** Number of frames of either form. */
export function frameCountOf(clip: ClipInput): number {
  return isClipStream(clip) ? clip.frameCount : clip.frames.length;
}

/** A stream over a clip already in memory (frames are not copied). */
export function streamOf(clip: ClipInput): ClipStream {
  if (isClipStream(clip)) return clip;
  const native = clip.native?.frames.length === clip.frames.length ? clip.native : undefined;
  return {
    name: clip.name,
    width: clip.width,
    height: clip.height,
    fps: clip.fps,
    frameCount: clip.frames.length,
    source: clip.source,
    ...(native ? { native: { pixFmt: native.pixFmt, range: native.range } } : {}),
    async *frames() {
      for (const [index, rgb] of clip.frames.entries()) {
        yield native ? { index, rgb, native: native.frames[index]! } : { index, rgb };
      }
      await Promise.resolve();
    },
  };
}

/** Read a whole stream into memory: for small clips and tests, never for the evaluation path. */
export async function collectClip(stream: ClipStream): Promise<Clip> {
  const frames: Frame[] = [];
  const planes: Uint8Array[] = [];
  for await (const frame of stream.frames()) {
    frames.push(frame.rgb);
    if (frame.native) planes.push(frame.native);
  }
  return {
    name: stream.name,
    width: stream.width,
    height: stream.height,
    fps: stream.fps,
    frames,
    source: stream.source,
    ...(stream.native && planes.length === frames.length
      ? { native: { ...stream.native, frames: planes } }
      : {}),
  };
}
