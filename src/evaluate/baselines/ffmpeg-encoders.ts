/**
 * The reference video encoders run through ffmpeg, and exactly how each is set
 * up. Every stream is raw (no container): bytes are the encoder's elementary
 * stream, parameter sets and per-NAL/OBU framing included, the encoder's
 * free-text "settings" SEI excluded (it carries no picture data and would be
 * hundreds of bytes on a small clip).
 *
 * One keyframe for the whole clip (keyint = clip length, no scene cuts), so a
 * baseline is the best its encoder can do on these frames, as a candidate
 * codec that keeps state across frames can.
 */
import type { KnobScale } from "./baseline-encoder.js";

export interface FfmpegEncoderSpec {
  /** ffmpeg's encoder name, e.g. "libx265". */
  readonly encoder: string;
  /** Raw elementary-stream muxer and demuxer, e.g. "hevc". */
  readonly format: string;
  readonly knob: KnobScale;
  /** Encoder options after `-c:v <encoder>` for a knob value and a clip of `frames` frames. */
  args(knob: number, frames: number): string[];
  /** The settings in words, for the encoder string and the cache key. */
  readonly settings: string;
  /** Options and pattern that read the library version from a one-frame probe encode. */
  readonly versionProbe: { readonly args: readonly string[]; readonly pattern: RegExp };
  /** Library name in version strings, e.g. "libx265". */
  readonly library: string;
}

/** CRF 0..51 of x265: rate roughly doubles every 6 to 8 steps. CRF 0 is not lossless in x265. */
const X265_CRF: KnobScale = {
  name: "crf",
  min: 0,
  max: 51,
  moreBitsWhenHigher: false,
  stepsPerDoubling: 7,
  start: 28,
  defaultLadder: [22, 27, 32, 37, 42],
};

/** x264 CRF 0 is lossless (infinite PSNR, no place on an RD curve), so its ladder starts at 1. */
const X264_CRF: KnobScale = { ...X265_CRF, min: 1 };

export const X265: FfmpegEncoderSpec = {
  encoder: "libx265",
  format: "hevc",
  library: "libx265",
  knob: X265_CRF,
  args: (crf, frames) => [
    ...["-preset", "medium", "-tune", "psnr", "-crf", String(crf)],
    // info=0 drops x265's settings SEI; log-level=error keeps stderr for errors.
    ...["-x265-params", `keyint=${frames}:min-keyint=${frames}:scenecut=0:info=0:log-level=error`],
  ],
  settings:
    "preset medium, tune psnr, one keyframe (keyint=clip, scenecut=0), raw Annex-B stream, no info SEI",
  versionProbe: {
    args: ["-x265-params", "log-level=info", "-f", "hevc"],
    pattern: /HEVC encoder version (\S+)/,
  },
};

/**
 * x265 in low delay: the codec contract gives a candidate one frame at a time
 * and no look-ahead, so its fair like-for-like is x265 without B-frames, every
 * frame after the keyframe a P-frame predicted from earlier frames only (one
 * reference direction). Same preset, tune and keyframe as X265, which stays
 * the headline baseline.
 */
export const X265_LD: FfmpegEncoderSpec = {
  ...X265,
  args: (crf, frames) => [
    ...["-preset", "medium", "-tune", "psnr", "-crf", String(crf)],
    ...[
      "-x265-params",
      `keyint=${frames}:min-keyint=${frames}:scenecut=0:bframes=0:b-adapt=0:info=0:log-level=error`,
    ],
  ],
  settings:
    "low delay: preset medium, tune psnr, bframes=0 (P-frames from past frames only), one keyframe (keyint=clip, scenecut=0), raw Annex-B stream, no info SEI",
};

export const X264: FfmpegEncoderSpec = {
  encoder: "libx264",
  format: "h264",
  library: "libx264",
  knob: X264_CRF,
  args: (crf, frames) => [
    ...["-preset", "medium", "-tune", "psnr", "-crf", String(crf)],
    ...["-g", String(frames), "-keyint_min", String(frames), "-sc_threshold", "0"],
    // x264 always writes its options as a user-data SEI and has no switch to
    // stop it; SEI (NAL type 6) carries no picture data, so it is cut here.
    ...["-bsf:v", "filter_units=remove_types=6"],
  ],
  settings:
    "preset medium, tune psnr, one keyframe (keyint=clip, scenecut off), raw Annex-B stream, SEI removed",
  versionProbe: { args: ["-f", "h264"], pattern: /x264 - core (\d+ r\d+ [0-9a-f]+)/ },
};

/**
 * AV1 with libaom rather than SVT-AV1: SVT-AV1 1.4 refuses frames under 64
 * pixels high, libaom takes any size. cpu-used 6 keeps a CIF ladder to seconds
 * on two cores (libaom's default of 1 is about ten times slower).
 */
export const AV1: FfmpegEncoderSpec = {
  encoder: "libaom-av1",
  format: "obu",
  library: "libaom",
  knob: {
    name: "crf",
    // CRF 0 with b:v 0 is lossless in libaom (infinite PSNR), so the ladder starts at 1.
    min: 1,
    max: 63,
    moreBitsWhenHigher: false,
    stepsPerDoubling: 12,
    start: 35,
    defaultLadder: [24, 32, 40, 48, 56],
  },
  args: (crf, frames) => [
    ...["-cpu-used", "6", "-row-mt", "1", "-tune", "psnr", "-crf", String(crf), "-b:v", "0"],
    ...["-g", String(frames), "-keyint_min", String(frames)],
  ],
  settings:
    "cpu-used 6, tune psnr, constant quality (b:v 0), one keyframe (keyint=clip), low-overhead OBU stream (temporal delimiters counted)",
  versionProbe: {
    args: ["-cpu-used", "8", "-f", "obu"],
    pattern: /\[libaom-av1 @ [^\]]+\] v(\d\S*)/,
  },
};
