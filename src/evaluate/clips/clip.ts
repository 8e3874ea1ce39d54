/**
 * The in-memory shape of a video clip as every stage sees it.
 *
 * Frames are the contract's packed RGB24 frames (src/contract/frame.ts). When
 * the clip came from a YUV source we also keep the native planes, so baselines
 * such as x265 can be fed the clip's own 4:2:0 samples rather than a
 * re-subsampled copy.
 */
import type { Frame } from "../../contract/frame.js";

export type { Frame } from "../../contract/frame.js";

/** Native planar YUV samples of a clip read from a YUV source (Y4M, yuv420p video). */
export interface NativeYuv {
  readonly pixFmt: "yuv420p" | "yuv444p";
  /** One buffer per frame: Y plane, then U, then V, planar, 8 bit. */
  readonly frames: readonly Uint8Array[];
  /** Colour range of the samples; "tv" = limited (16..235), "pc" = full. */
  readonly range: "tv" | "pc";
}

/** Where a clip came from, recorded in reports so a score can be reproduced. */
export type ClipSource =
  | { readonly kind: "y4m"; readonly path: string }
  | { readonly kind: "ffmpeg"; readonly path: string }
  | { readonly kind: "synthetic"; readonly generator: string; readonly seed: number };

export interface Clip {
  /** Base name without extension; used in reports and --recon file names. */
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly frames: readonly Frame[];
  readonly source: ClipSource;
  readonly native?: NativeYuv;
}
