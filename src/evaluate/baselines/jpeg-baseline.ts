/**
 * Intra-only JPEG: every frame a separate baseline JPEG file from mozjpeg (via
 * sharp), 4:2:0, no metadata. The rate is the sum of the files, headers and
 * tables included, since a JPEG frame cannot be decoded without them. Works on
 * the same RGB frames the candidate receives (JPEG's own full-range YCbCr), and
 * decodes back to RGB with sharp. Frames are read from the clip as they are
 * encoded and again as they are scored; only the JPEG files are kept.
 */
import { performance } from "node:perf_hooks";
import type SharpModule from "sharp";
import { streamOf } from "../clips/clip-stream.js";
import { frameQuality, QualitySums } from "../metrics/quality.js";
import type { BaselineEncoder, Encoded, EncoderSession } from "./baseline-encoder.js";

type Sharp = typeof SharpModule;
let sharpModule: Promise<Sharp> | null = null;

/**
 * sharp, loaded on first use: it is a native module, so the bundled Action
 * keeps it outside the bundle and installs it only when JPEG is a baseline.
 */
function loadSharp(): Promise<Sharp> {
  sharpModule ??= import("sharp").then((m) => m.default);
  return sharpModule;
}

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
  version: () => jpegVersion(),
  describe: (version) => `JPEG (${version}), ${SETTINGS}`,
  usesNativeSamples: () => false,
  open(clipInput, context) {
    const clip = streamOf(clipInput);
    const files = new Map<number, { jpegs: Buffer[]; encoded: Encoded }>();
    const encode = async (quality: number): Promise<Encoded> => {
      context.signal?.throwIfAborted();
      const sharp = await loadSharp();
      const started = performance.now();
      const jpegs: Buffer[] = [];
      for await (const { rgb: frame } of clip.frames()) {
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
        const sharp = await loadSharp();
        context.signal?.throwIfAborted();
        // Decode time is the decoder's alone; scoring runs between frames, outside the clock.
        let decodeSeconds = 0;
        const sums = new QualitySums();
        for await (const { index: i, rgb } of clip.frames()) {
          const started = performance.now();
          const { data, info } = await sharp(jpegs[i]!).raw().toBuffer({ resolveWithObject: true });
          decodeSeconds += (performance.now() - started) / 1000;
          if (info.width !== clip.width || info.height !== clip.height || info.channels !== 3) {
            throw new Error(
              `JPEG frame ${i} at q=${quality} decoded to ${info.width}x${info.height}x${info.channels}, ` +
                `expected ${clip.width}x${clip.height}x3`,
            );
          }
          sums.add(await frameQuality(rgb, { width: info.width, height: info.height, data }));
        }
        const score = sums.result(clip.width * clip.height);
        return { encoded, decoded: { quality: score, decodeSeconds } };
      },
      close: () => Promise.resolve(),
    };
    return Promise.resolve(session);
  },
};

/** "sharp 0.35.5 / libvips 8.18.7 / mozjpeg 0826579". */
async function jpegVersion(): Promise<string> {
  const sharp = await loadSharp();
  const versions = sharp.versions as Record<string, string | undefined>;
  return `sharp ${versions.sharp ?? "?"} / libvips ${versions.vips ?? "?"} / mozjpeg ${versions.mozjpeg ?? "?"}`;
}
