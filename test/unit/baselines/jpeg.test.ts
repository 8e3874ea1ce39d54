import sharp from "sharp";
import { runBaseline } from "../../../src/evaluate/baselines/index.js";
import { JPEG_BASELINE } from "../../../src/evaluate/baselines/jpeg-baseline.js";
import { runProcess } from "../../../src/evaluate/run-process.js";
import { measureQuality } from "../../../src/evaluate/metrics/quality.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";

const clip = syntheticClip("pan-texture", { width: 128, height: 96, frames: 4, seed: 9 });

describe("JPEG baseline", () => {
  test("quality ladder: rate and PSNR rise with q; spans the targets", async () => {
    const targets = [0.5, 1, 2];
    const result = await runBaseline("jpeg", { clip, targetBitsPerPixel: targets });
    expect(result.encoder).toMatch(/^JPEG \(sharp \S+ \/ libvips \S+ \/ mozjpeg \S+\)/);
    const rungs = result.rungs;
    expect(rungs.length).toBeGreaterThanOrEqual(5);
    expect(rungs[0]!.bitsPerPixel).toBeLessThanOrEqual(0.5);
    expect(rungs[rungs.length - 1]!.bitsPerPixel).toBeGreaterThanOrEqual(2);
    for (const [i, rung] of rungs.entries()) {
      expect(rung.setting).toBe(`q=${rung.quality}`);
      if (i === 0) continue;
      expect(rung.quality).toBeGreaterThan(rungs[i - 1]!.quality);
      expect(rung.bytes).toBeGreaterThan(rungs[i - 1]!.bytes);
      expect(rung.psnrRgb).toBeGreaterThan(rungs[i - 1]!.psnrRgb);
    }
  });

  test("bytes are the sum of the per-frame JPEG files, scored on their decoded pixels", async () => {
    const session = await JPEG_BASELINE.open(clip, { runner: runProcess });
    const { encoded, decoded } = await session.decodeAndMeasure(60);
    let bytes = 0;
    const frames = [];
    for (const frame of clip.frames) {
      const jpeg = await sharp(frame.data, { raw: { width: 128, height: 96, channels: 3 } })
        .jpeg({ quality: 60, mozjpeg: true, chromaSubsampling: "4:2:0" })
        .toBuffer();
      expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
      bytes += jpeg.length;
      frames.push({ width: 128, height: 96, data: await sharp(jpeg).raw().toBuffer() });
    }
    expect(encoded.bytes).toBe(bytes);
    expect(decoded.quality).toEqual(await measureQuality(clip.frames, frames));
  });
});
