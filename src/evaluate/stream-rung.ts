/**
 * One codec on one clip at one quality, streamed frame by frame: read frame k,
 * encode it in the encoder process, decode the payload in two decoder
 * processes at once, compare the two decodes byte for byte, and score the
 * first against the source on a worker thread while frame k+1 is coded. Only
 * the running sums survive a frame, so memory does not grow with clip length.
 */
import { createHash } from "node:crypto";
import type { ClipStream } from "./clips/clip-stream.js";
import type { CodecSide } from "../sandbox/codec-side.js";
import type { CodecConfig } from "../sandbox/codec-config.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";
import { frameQuality, QualitySums } from "./metrics/quality.js";
import { rateMetrics } from "./metrics/rate.js";
import type { ReconWriter } from "./report/recon.js";
import type { Failure, Rung } from "./results.js";

/** The part of a CodecSide a rung uses (tests substitute their own). */
export type StreamingSide = Pick<CodecSide, "process" | "finish" | "dispose">;

/** Starts one side of a codec; resolves once the codec loaded, or to why it did not. */
export type OpenCodecSide = (
  mode: "encode" | "decode",
  codecPath: string,
  config: CodecConfig,
  opts?: SandboxOptions,
) => Promise<{ ok: true; side: StreamingSide } | { ok: false; failure: Failure }>;

/**
 * The measured rung, or why it failed. `payloadDigest`: sha256 of the first `digestFrames`
 * payloads, when asked for (paired timing checks it encoded the same bytes).
 */
export type RungOutcome =
  { ok: true; rung: Rung; payloadDigest?: string } | { ok: false; failure: Failure };

export interface StreamRungRequest {
  openSide: OpenCodecSide;
  codecPath: string;
  clip: ClipStream;
  config: CodecConfig;
  sandbox?: SandboxOptions;
  /** Decode nothing, score nothing: only the payload sizes (a shard needs a clip's rates for its baselines). */
  encodeOnly?: boolean;
  recon?: ReconWriter | null;
  /** Hash this many leading payloads into the outcome's `payloadDigest`. */
  digestFrames?: number;
}

/**
 * sha256 over a run of payloads, each preceded by its length, so that bytes moved from one
 * frame to the next change the digest (paired timing compares two runs' digests).
 */
export function payloadDigest(): { add(payload: Uint8Array): void; hex(): string } {
  const hash = createHash("sha256");
  const length = new Uint8Array(4);
  return {
    add(payload) {
      new DataView(length.buffer).setUint32(0, payload.length);
      hash.update(length).update(payload);
    },
    hex: () => hash.digest("hex"),
  };
}

/** Stream the clip through encoder, two decoders and the metrics; see the module comment. */
export async function streamRung(req: StreamRungRequest): Promise<RungOutcome> {
  const { clip, config } = req;
  const sides: StreamingSide[] = [];
  const fail = (stage: string, failure: Failure): RungOutcome => ({
    ok: false,
    failure: { stage, ...failure },
  });
  try {
    // All three start at once (Python and numpy load in parallel); the encoder's failure is reported first.
    const opening = [
      req.openSide("encode", req.codecPath, config, req.sandbox),
      ...(req.encodeOnly
        ? []
        : [
            req.openSide("decode", req.codecPath, config, req.sandbox),
            req.openSide("decode", req.codecPath, config, req.sandbox),
          ]),
    ];
    const opened = await Promise.all(opening);
    for (const outcome of opened) if (outcome.ok) sides.push(outcome.side);
    for (const [i, outcome] of opened.entries()) {
      if (!outcome.ok) return fail(i === 0 ? "encode" : "decode", outcome.failure);
    }
    const [encoder, decoderA, decoderB] = sides as [StreamingSide, StreamingSide?, StreamingSide?];

    const sums = new QualitySums();
    let scoring: Promise<void> = Promise.resolve();
    let bytes = 0;
    let encodeSeconds = 0;
    let encodeCpuSeconds = 0;
    let decodeSeconds = 0;
    let frames = 0;
    const digest = req.digestFrames ? payloadDigest() : null;
    const frameBytes = config.width * config.height * 3;
    for await (const frame of clip.frames()) {
      const { index, rgb } = frame;
      if (
        rgb.width !== config.width ||
        rgb.height !== config.height ||
        rgb.data.length !== frameBytes
      ) {
        throw new Error(
          `clip ${clip.name}: frame ${index} is ${rgb.width}x${rgb.height} (${rgb.data.length} bytes) but config says ${config.width}x${config.height}`,
        );
      }
      const encoded = await encoder.process(index, rgb.data);
      if (!encoded.ok) return fail("encode", encoded.failure);
      bytes += encoded.data.length;
      if (digest && frames < req.digestFrames!) digest.add(encoded.data);
      encodeSeconds += encoded.seconds;
      encodeCpuSeconds += encoded.cpuSeconds;
      frames++;
      if (!decoderA || !decoderB) continue;

      const [first, second] = await Promise.all([
        decoderA.process(index, encoded.data),
        decoderB.process(index, encoded.data),
      ]);
      if (!first.ok) return fail("decode", first.failure);
      if (!second.ok) return fail("decode", second.failure);
      if (!first.data.equals(second.data)) {
        return fail("decode", {
          category: "nondeterministic",
          message: `Two decodes of the same bytes differ at frame ${index}: the decoder must be a pure function of (bytes, index, config).`,
          line: null,
          frameIndex: index,
        });
      }
      decodeSeconds += first.seconds;
      // One frame pair under measurement at a time, folded in frame order.
      await scoring;
      const decoded = { width: config.width, height: config.height, data: first.data };
      scoring = frameQuality(rgb, decoded).then((frameSums) => sums.add(frameSums));
      // A failure on a later frame returns without awaiting this one: never leave it unhandled.
      scoring.catch(() => undefined);
      await req.recon?.add(rgb.data, encoded.data, first.data);
    }
    await scoring;

    const encoderEnd = await encoder.finish();
    if (encoderEnd) return fail("encode", encoderEnd);
    for (const decoder of [decoderA, decoderB]) {
      const decoderEnd = await decoder?.finish();
      if (decoderEnd) return fail("decode", decoderEnd);
    }
    if (frames !== clip.frameCount) {
      throw new Error(`clip ${clip.name}: streamed ${frames} frames, expected ${clip.frameCount}`);
    }

    const rate = rateMetrics(bytes, clip.width, clip.height, frames, clip.fps);
    const quality = req.encodeOnly
      ? { psnrRgb: NaN, ssimRgb: NaN, psnrY: NaN, ssimY: NaN }
      : sums.result(clip.width * clip.height);
    const rung: Rung = {
      quality: config.quality,
      ...rate,
      ...quality,
      encodeFps: frames / Math.max(encodeSeconds, 1e-9),
      decodeFps: frames / Math.max(decodeSeconds, 1e-9),
      encodeCpuFps: frames / Math.max(encodeCpuSeconds, 1e-9),
    };
    return digest ? { ok: true, rung, payloadDigest: digest.hex() } : { ok: true, rung };
  } finally {
    for (const side of sides) side.dispose();
  }
}
