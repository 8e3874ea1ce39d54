/**
 * The 4:2:0 samples a video baseline is fed. A clip read from a 4:2:0 source
 * keeps its own planes (re-deriving them from the RGB frames would add a
 * round trip the candidate never paid for); anything else (synthetic clips,
 * RGB or 4:4:4 sources) is converted from the very RGB frames the candidate
 * codec was given, with the project's one BT.601 conversion.
 */
import type { Clip } from "../clips/clip.js";
import { rgbToYuv, yuvFrameSize, type YuvRange } from "../clips/colour.js";

export interface YuvInput {
  /** All frames' planar yuv420p samples, concatenated. */
  readonly samples: Buffer;
  readonly frameSize: number;
  /** Range the samples are in; the decoded output is read back with the same range. */
  readonly range: YuvRange;
  readonly native: boolean;
}

/** True when the clip carries native 4:2:0 planes that a baseline can take as they are. */
export function hasNative420(clip: Clip): boolean {
  return clip.native?.pixFmt === "yuv420p" && clip.native.frames.length === clip.frames.length;
}

/** The yuv420p samples to feed a video baseline for this clip (see module comment). */
export function yuv420Input(clip: Clip): YuvInput {
  const frameSize = yuvFrameSize("yuv420p", clip.width, clip.height);
  if (hasNative420(clip)) {
    const native = clip.native!;
    native.frames.forEach((frame, i) => {
      if (frame.length !== frameSize) {
        throw new Error(
          `clip ${clip.name}: native frame ${i} has ${frame.length} bytes, ` +
            `expected ${frameSize} for yuv420p ${clip.width}x${clip.height}`,
        );
      }
    });
    return { samples: Buffer.concat(native.frames), frameSize, range: native.range, native: true };
  }
  const range: YuvRange = "tv";
  const samples = Buffer.concat(clip.frames.map((frame) => rgbToYuv(frame, "yuv420p", range)));
  return { samples, frameSize, range, native: false };
}
