/**
 * `npm run bench -- paired`: what paired timing buys and costs, on this machine as loaded now.
 *  1. Spread: one codec against a copy of itself (the true ratio is 1.00), R times, timed
 *     side by side (paired-timing.ts) and as today's unpaired ratio (each side's encode-only
 *     rungs in turn, mean CPU fps over mean CPU fps), on the same frames and rungs.
 *  2. Cost: one evaluation of the codec against the copy with paired timing off, then on;
 *     the added time as a ratio.
 * PAIRED_BENCH_CODEC (default codec/evolved_codec.py), PAIRED_BENCH_CLIP (default the bundled
 * astronaut-pan), PAIRED_BENCH_FRAMES (clip frames, default 24), PAIRED_BENCH_REPEATS (default 4).
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adoptionSchema } from "../config/schema.js";
import { bundledClipsDir, loadClip } from "../evaluate/clips/load-clip.js";
import { streamOf } from "../evaluate/clips/clip-stream.js";
import { evaluateCodec } from "../evaluate/evaluator.js";
import { closeSharedQualityPool } from "../evaluate/metrics/quality-pool.js";
import { pairedSegments, timedQualities, timePaired } from "../evaluate/paired-timing.js";
import { streamRung } from "../evaluate/stream-rung.js";
import { CodecSide } from "../sandbox/codec-side.js";

const LADDER = [20, 35, 50, 65, 80];

/** Runs both parts; returns a printable report. */
export async function benchPairedTiming(): Promise<string> {
  const env = process.env;
  const codec =
    env.PAIRED_BENCH_CODEC ?? join(bundledClipsDir(), "..", "codec", "evolved_codec.py");
  const clipPath = env.PAIRED_BENCH_CLIP ?? join(bundledClipsDir(), "astronaut-pan.y4m");
  const frames = Number(env.PAIRED_BENCH_FRAMES ?? 24);
  const repeats = Number(env.PAIRED_BENCH_REPEATS ?? 4);
  const dir = mkdtempSync(join(tmpdir(), "paired-bench-"));
  const copy = join(dir, "copy_of_codec.py");
  copyFileSync(codec, copy);
  const openSide: Parameters<typeof streamRung>[0]["openSide"] = (mode, path, config, opts) =>
    CodecSide.open(mode, path, config, opts);
  try {
    const clip = await loadClip(clipPath, { maxFrames: frames });
    const configFor = (c: { width: number; height: number; fps: number }, quality: number) => ({
      quality,
      width: c.width,
      height: c.height,
      fps: c.fps,
    });
    const settings = { framesPerSide: 18, chunkFrames: 2 };
    // One clip: one segment per timed rung, all of the same length.
    const perRung = pairedSegments(settings, LADDER, [clip.frames.length])[0]!.frames;
    const sample = { ...clip, frames: clip.frames.slice(0, perRung) };
    const lines: string[] = [];
    // Printed as produced too: on a loaded box the whole part takes many minutes.
    const say = (line: string) => {
      lines.push(line);
      console.error(line);
    };
    say(
      `paired timing bench: ${codec} against a copy of itself, ${clip.name} (${clip.width}x${clip.height}), ` +
        `${perRung} frames per rung at q${timedQualities(LADDER).join("/")}`,
    );
    const pairedRatios: number[] = [];
    const unpairedRatios: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const timed = await timePaired({
        openSide,
        candidatePath: copy,
        parentPath: codec,
        clips: [streamOf(clip)],
        qualities: LADDER,
        configFor,
        settings,
      });
      if (!timed.ok) throw new Error(`paired timing failed: ${timed.failure.message}`);
      pairedRatios.push(timed.timing.speedup);
      // Today's way: each codec's rungs on their own, one after the other; mean CPU fps each.
      const meanCpuFps = async (path: string) => {
        const fpsValues: number[] = [];
        for (const quality of timedQualities(LADDER)) {
          const outcome = await streamRung({
            openSide,
            codecPath: path,
            clip: streamOf(sample),
            config: configFor(clip, quality),
            encodeOnly: true,
          });
          if (!outcome.ok) throw new Error(`encode failed: ${outcome.failure.message}`);
          fpsValues.push(outcome.rung.encodeCpuFps!);
        }
        return fpsValues.reduce((a, b) => a + b, 0) / fpsValues.length;
      };
      const parentFps = await meanCpuFps(codec);
      const candidateFps = await meanCpuFps(copy);
      unpairedRatios.push(candidateFps / parentFps);
      say(
        `  repeat ${r + 1}: paired ${timed.timing.speedup.toFixed(3)}x ` +
          `(chunks ${timed.timing.chunkSpeedups.min.toFixed(2)}–${timed.timing.chunkSpeedups.max.toFixed(2)}x), ` +
          `unpaired ${(candidateFps / parentFps).toFixed(3)}x`,
      );
    }
    say(`  paired:   ${describe(pairedRatios)}`);
    say(`  unpaired: ${describe(unpairedRatios)}`);

    const evaluate = async (pairedTimingFrames: number) => {
      const started = performance.now();
      const result = await evaluateCodec({
        codecPath: copy,
        clips: [clip],
        qualities: LADDER,
        parent: { codecPath: codec },
        adoption: adoptionSchema.parse({ pairedTimingFrames }),
      });
      if (result.status !== "ok") throw new Error(`evaluation failed: ${result.failure?.message}`);
      return { seconds: (performance.now() - started) / 1000, result };
    };
    const off = await evaluate(0);
    const on = await evaluate(settings.framesPerSide);
    say(
      `evaluation of ${clip.frames.length} frames x ${LADDER.length} rungs, candidate and parent: ` +
        `${off.seconds.toFixed(1)} s without pairing, ${on.seconds.toFixed(1)} s with ` +
        `(${(on.seconds / off.seconds).toFixed(3)}x; wall clock on a shared machine)`,
    );
    say(`  verdict with pairing: ${on.result.verdict?.reason ?? "none"}`);
    return lines.join("\n");
  } finally {
    await closeSharedQualityPool();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean, min–max and the largest distance from 1.00 of ratios whose true value is 1. */
function describe(ratios: readonly number[]): string {
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const worst = Math.max(...ratios.map((r) => Math.max(r, 1 / r)));
  return (
    `mean ${mean.toFixed(3)}x, range ${Math.min(...ratios).toFixed(3)}–${Math.max(...ratios).toFixed(3)}x, ` +
    `worst ${worst.toFixed(3)}x away from 1`
  );
}
