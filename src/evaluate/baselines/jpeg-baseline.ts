/**
 * Intra-only JPEG: every frame a separate baseline JPEG file from mozjpeg (via
 * sharp), 4:2:0, no metadata. The rate is the sum of the files, headers and
 * tables included, since a JPEG frame cannot be decoded without them. Works on
 * the same RGB frames the candidate receives (JPEG's own full-range YCbCr), and
 * decodes back to RGB with sharp.
 */
import { performance } from "node:perf_hooks";
import sharp from "sharp";
import type { Frame } from "../clips/clip.js";
import { measureQuality } from "../metrics/quality.js";
import type { BaselineEncoder, Encoded, EncoderSession } from "./baseline-encoder.js";

const SETTINGS =
  "mozjpeg defaults (trellis, optimised scans), 4:2:0, intra only, one file per frame";

/** JPEG quality 1..100 as the knob; the search steers by rate, so the ladder adapts to the clip. */
export const JPEG_BASELINE: BaselineEncoder = {
  knob: {
    name: "q",
    min: 1,
    max: 100,
    moreBitsWhenHigher: true,
    stepsPerDoubling: 15,
    start: 50,
    defaultLadder: [10, 25, 50, 75, 90],
  },
  settings: `sharp jpeg: ${SETTINGS}`,
  version: () => Promise.resolve(jpegVersion()),
  describe: (version) => `JPEG (${version}), ${SETTINGS}`,
  usesNativeSamples: () => false,
  open(clip, context) {
    const files = new Map<number, { jpegs: Buffer[]; encoded: Encoded }>();
    const encode = async (quality: number): Promise<Encoded> => {
      context.signal?.throwIfAborted();
      const started = performance.now();
      const jpegs: Buffer[] = [];
      for (const frame of clip.frames) {
        const raw = { width: frame.width, height: frame.height, channels: 3 as const };
        jpegs.push(
          await sharp(frame.data, { raw })
            .jpeg({ quality, mozjpeg: true, chromaSubsampling: "4:2:0" })
            .toBuffer(),
        );
      }
      const encodeSeconds = (performance.now() - started) / 1000;
      const encoded = { bytes: jpegs.reduce((sum, jpeg) => sum + jpeg.length, 0), encodeSeconds };
      files.set(quality, { jpegs, encoded });
      return encoded;
    };
    const session: EncoderSession = {
      encode,
      async decodeAndMeasure(quality) {
        if (!files.has(quality)) await encode(quality);
        const { jpegs, encoded } = files.get(quality)!;
        context.signal?.throwIfAborted();
        const started = performance.now();
        const decoded: Frame[] = [];
        for (const [i, jpeg] of jpegs.entries()) {
          const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
          if (info.width !== clip.width || info.height !== clip.height || info.channels !== 3) {
            throw new Error(
              `JPEG frame ${i} at q=${quality} decoded to ${info.width}x${info.height}x${info.channels}, ` +
                `expected ${clip.width}x${clip.height}x3`,
            );
          }
          decoded.push({ width: info.width, height: info.height, data });
        }
        const decodeSeconds = (performance.now() - started) / 1000;
        const score = await measureQuality(clip.frames, decoded);
        return { encoded, decoded: { quality: score, decodeSeconds } };
      },
      close: () => Promise.resolve(),
    };
    return Promise.resolve(session);
  },
};

/** "sharp 0.35.5 / libvips 8.18.7 / mozjpeg 0826579". */
function jpegVersion(): string {
  const versions = sharp.versions as Record<string, string | undefined>;
  return `sharp ${versions.sharp ?? "?"} / libvips ${versions.vips ?? "?"} / mozjpeg ${versions.mozjpeg ?? "?"}`;
}
