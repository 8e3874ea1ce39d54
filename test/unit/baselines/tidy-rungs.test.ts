import { tidyRungs } from "../../../src/evaluate/baselines/tidy-rungs.js";
import type { Rung } from "../../../src/evaluate/results.js";

function rung(quality: number, bytes: number, psnrRgb: number): Rung {
  return {
    quality,
    setting: `q=${quality}`,
    bytes,
    bitsPerPixel: bytes / 100,
    mbps: 0,
    mbps1080p30: 0,
    compressionRatio: 1,
    psnrRgb,
    ssimRgb: 0.9,
    psnrY: psnrRgb,
    ssimY: 0.9,
    encodeFps: 1,
    decodeFps: 1,
  };
}

test("sorted by bytes, one rung per size, lossless rungs dropped, nothing else touched", () => {
  const tidy = tidyRungs([
    rung(50, 3000, 35),
    rung(3, 900, 21),
    rung(1, 900, 21),
    rung(100, 9000, Infinity),
    rung(70, 5000, 34), // not monotone: left for the BD-rate code to report
  ]);
  expect(tidy.map((r) => r.quality)).toEqual([1, 50, 70]);
});
