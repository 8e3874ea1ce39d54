/**
 * Not a check: prints each baseline's ladder and wall-clock time on the bundled
 * CIF clip (20 frames), cold and from the cache. Run with
 *   BASELINE_MEASURE=1 NODE_OPTIONS=--experimental-vm-modules npx jest test/unit/baselines/measure-cif
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BASELINE_NAMES, runBaseline } from "../../../src/evaluate/baselines/index.js";
import { bundledClipsDir, loadClip } from "../../../src/evaluate/clips/load-clip.js";
import { recordingRunner } from "./helpers.js";

const measure = process.env.BASELINE_MEASURE === "1" ? test : test.skip;
const TARGETS = [0.1, 0.2, 0.4, 0.8, 1.6];

measure("baselines on astronaut-pan.y4m (352x288, 20 frames)", async () => {
  const clip = await loadClip(join(bundledClipsDir(), "astronaut-pan.y4m"));
  const cacheDir = await mkdtemp(join(tmpdir(), "baseline-measure-"));
  const lines: string[] = [`targets (bpp): ${TARGETS.join(", ")}`];
  try {
    for (const name of BASELINE_NAMES) {
      const { runner, calls } = recordingRunner();
      const started = performance.now();
      const result = await runBaseline(name, {
        clip,
        targetBitsPerPixel: TARGETS,
        cacheDir,
        runner,
      });
      const cold = (performance.now() - started) / 1000;
      const encodes = calls.filter((c) => c.args.includes("-y")).length;
      const again = performance.now();
      await runBaseline(name, { clip, targetBitsPerPixel: TARGETS, cacheDir, runner });
      const warm = (performance.now() - again) / 1000;
      lines.push(
        `${name}: ${result.encoder}`,
        `  cold ${cold.toFixed(1)} s (${calls.length} ffmpeg runs, ${encodes} encodes), cached ${warm.toFixed(3)} s`,
        ...result.rungs.map(
          (r) =>
            `  ${r.setting!.padEnd(7)} ${r.bitsPerPixel.toFixed(3)} bpp ${r.mbps1080p30.toFixed(2).padStart(6)} Mbps@1080p30 ` +
            `PSNR-RGB ${r.psnrRgb.toFixed(2)} SSIM-RGB ${r.ssimRgb.toFixed(4)} PSNR-Y ${r.psnrY.toFixed(2)} ` +
            `enc ${r.encodeFps.toFixed(0)} fps dec ${r.decodeFps.toFixed(0)} fps`,
        ),
      );
      expect(result.rungs[0]!.bitsPerPixel).toBeLessThanOrEqual(TARGETS[0]!);
    }
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
  }
  console.log(lines.join("\n"));
});
