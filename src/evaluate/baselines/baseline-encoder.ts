/**
 * The shape every reference encoder (x265, x264, AV1, JPEG) takes, so one
 * ladder search, one cache and one scoring path serve them all.
 */
import type { ClipInput, ClipStream } from "../clips/clip-stream.js";
import type { QualityMetrics } from "../results.js";
import type { ProcessRunner } from "../run-process.js";

/** The encoder's own quality knob (CRF or JPEG quality): an integer range. */
export interface KnobScale {
  /** Name used in rung settings, e.g. "crf" gives "crf=28". */
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** True when a larger knob value spends more bits (JPEG quality); false for CRF. */
  readonly moreBitsWhenHigher: boolean;
  /** A first guess of how many knob steps double the rate; only steers the search. */
  readonly stepsPerDoubling: number;
  /** Knob value the search tries first. */
  readonly start: number;
  /** Ladder used when no candidate rates are given. */
  readonly defaultLadder: readonly number[];
}

/** One encode of the whole clip at one knob value. */
export interface Encoded {
  /** Size of the stream (or the sum of the per-frame files) in bytes. */
  bytes: number;
  /** Wall-clock seconds of the encoder over all frames. */
  encodeSeconds: number;
}

/** One decode of that stream, scored against the clip's RGB frames. */
export interface Decoded {
  quality: QualityMetrics;
  /** Wall-clock seconds of the decoder over all frames. */
  decodeSeconds: number;
}

/** An open encoder on one clip: encodes are kept until `close` so they can be decoded later. */
export interface EncoderSession {
  encode(knob: number): Promise<Encoded>;
  /** Decodes the encode at `knob` (encoding it first if this session has not) and scores it. */
  decodeAndMeasure(knob: number): Promise<{ encoded: Encoded; decoded: Decoded }>;
  /** Removes temporary files. */
  close(): Promise<void>;
}

export interface SessionContext {
  readonly runner: ProcessRunner;
  readonly signal?: AbortSignal;
}

export interface BaselineEncoder {
  readonly knob: KnobScale;
  /** Tool versions, e.g. "ffmpeg 5.1.6 / libx265 3.5" (memoised per process). */
  version(runner: ProcessRunner): Promise<string>;
  /** The full encoder identity for reports, given `version`. */
  describe(version: string): string;
  /** Every setting other than the knob, for cache keys. */
  readonly settings: string;
  /** Whether this encoder is fed `clip.native` rather than the RGB frames. */
  usesNativeSamples(clip: ClipStream): boolean;
  /** Open on a streamed clip: sessions read the clip again for each encode and decode, never holding it whole. */
  open(clip: ClipInput, context: SessionContext): Promise<EncoderSession>;
}
