import { runBaseline } from "../../../src/evaluate/baselines/index.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";
import { encodedStreams, nalTypes, recordingRunner } from "./helpers.js";

// 64x48 on purpose: SVT-AV1 refuses frames under 64 high, libaom must not.
const clip = syntheticClip("pan-texture", { width: 64, height: 48, frames: 6, seed: 5 });
const TARGETS = [0.3, 0.8] as const;

describe.each([
  ["x264", /^x264 \(ffmpeg \S+ \/ libx264 \d+ r\d+/],
  ["av1", /^AV1 \(ffmpeg \S+ \/ libaom \d+\.\d+/],
] as const)("%s baseline", (name, encoderPattern) => {
  test("spans the targets with rate and quality rising as CRF falls", async () => {
    const { runner, calls } = recordingRunner();
    const result = await runBaseline(name, { clip, targetBitsPerPixel: TARGETS, runner });
    expect(result.encoder).toMatch(encoderPattern);
    const rungs = result.rungs;
    expect(rungs.length).toBeGreaterThanOrEqual(5);
    expect(rungs[0]!.bitsPerPixel).toBeLessThanOrEqual(TARGETS[0]);
    expect(rungs[rungs.length - 1]!.bitsPerPixel).toBeGreaterThanOrEqual(TARGETS[1]);
    const streams = encodedStreams(calls);
    for (const [i, rung] of rungs.entries()) {
      expect(rung.bytes).toBe(streams.get(rung.quality)!.length);
      if (i === 0) continue;
      expect(rung.bytes).toBeGreaterThan(rungs[i - 1]!.bytes);
      expect(rung.quality).toBeLessThan(rungs[i - 1]!.quality);
      expect(rung.psnrRgb).toBeGreaterThan(rungs[i - 1]!.psnrRgb);
    }
    if (name === "x264") {
      // x264's options SEI is cut: no NAL type 6, one IDR (type 5) for the clip.
      const types = nalTypes(streams.get(rungs[1]!.quality)!, "h264");
      expect(types).not.toContain(6);
      expect(types.filter((t) => t === 5)).toHaveLength(1);
    }
  });
});
