/**
 * The 4:2:0 samples a video baseline is fed, one frame at a time. A clip read
 * from a 4:2:0 source keeps its own planes (re-deriving them from the RGB
 * frames would add a round trip the candidate never paid for); anything else
 * (synthetic clips, RGB or 4:4:4 sources) is converted from the very RGB
 * frames the candidate codec was given, with the project's one BT.601
 * conversion.
 */
import type { ClipStream } from "../clips/clip-stream.js";
import { rgbToYuv, yuvFrameSize, type YuvRange } from "../clips/colour.js";

export interface YuvInput {
  /** Every frame's planar yuv420p samples, in order, read from the clip as ffmpeg asks for them. */
  readonly frames: () => AsyncIterable<Uint8Array>;
  readonly frameSize: number;
  /** Range the samples are in; the decoded output is read back with the same range. */
  readonly range: YuvRange;
  readonly native: boolean;
}

/** True when the clip carries native 4:2:0 planes that a baseline can take as they are. */
export function hasNative420(clip: ClipStream): boolean {
  return clip.native?.pixFmt === "yuv420p";
}

/** The yuv420p samples to feed a video baseline for this clip (see module comment). */
export function yuv420Input(clip: ClipStream): YuvInput {
  const frameSize = yuvFrameSize("yuv420p", clip.width, clip.height);
  const native = hasNative420(clip);
  const range: YuvRange = native ? clip.native!.range : "tv";
  return {
    frameSize,
    range,
    native,
    async *frames() {
      for await (const frame of clip.frames()) {
        const planes = native ? frame.native : rgbToYuv(frame.rgb, "yuv420p", range);
        if (!planes || planes.length !== frameSize) {
          throw new Error(
            `clip ${clip.name}: native frame ${frame.index} has ${planes?.length ?? 0} bytes, ` +
              `expected ${frameSize} for yuv420p ${clip.width}x${clip.height}`,
          );
        }
        yield planes;
      }
    },
  };
}
