#!/usr/bin/env node
// The verdict's side-by-side speed ratio for any two codec files, measured the way the evaluator
// measures it (src/evaluate/paired-timing.ts: both codecs in their own sandboxed encoders,
// alternating in short chunks at the ladder's low, middle and high rungs, CPU seconds per side).
// In-process A/B scripts (speed-codecs.py) run without the sandbox and read a few per cent off it;
// use this one before claiming a speed-up the verdict should see.
//
//   npm run build && node scripts/paired-speed.mjs PARENT.py CANDIDATE.py [CLIP ...] [--frames N] [--repeats R]
//
// Without CLIP it times the four bundled clips, as `evolve` does.
//
// Prints Σ parent CPU s ÷ Σ candidate CPU s (above 1: the candidate is faster) per repeat.
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { bundledClipPaths, loadClip } from "../dist/evaluate/clips/load-clip.js";
import { streamOf } from "../dist/evaluate/clips/clip-stream.js";
import { timePaired } from "../dist/evaluate/paired-timing.js";
import { CodecSide } from "../dist/sandbox/codec-side.js";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    frames: { type: "string", default: "60" },
    chunk: { type: "string", default: "2" },
    repeats: { type: "string", default: "1" },
  },
});
if (positionals.length < 2) {
  console.error(
    "usage: node scripts/paired-speed.mjs PARENT.py CANDIDATE.py [CLIP.y4m ...] [--frames N] [--repeats R]",
  );
  process.exit(2);
}
const [parentPath, candidatePath, ...clipArgs] = positionals;
const clipPaths = clipArgs.length > 0 ? clipArgs : bundledClipPaths();
const ladder = [20, 35, 50, 65, 80];
const clips = await Promise.all(clipPaths.map((path) => loadClip(path)));
const settings = { framesPerSide: Number(values.frames), chunkFrames: Number(values.chunk) };
for (let r = 0; r < Number(values.repeats); r++) {
  const timed = await timePaired({
    openSide: (mode, path, config, opts) => CodecSide.open(mode, path, config, opts),
    candidatePath: resolve(candidatePath),
    parentPath: resolve(parentPath),
    clips: clips.map((clip) => streamOf(clip)),
    qualities: ladder,
    configFor: (c, quality) => ({ quality, width: c.width, height: c.height, fps: c.fps }),
    settings,
  });
  if (!timed.ok) {
    console.error(`${timed.side} failed: ${timed.failure.category}: ${timed.failure.message}`);
    process.exit(1);
  }
  const t = timed.timing;
  console.log(
    `repeat ${r + 1}: ${t.speedup.toFixed(3)}x side by side (chunks ${t.chunkSpeedups.min.toFixed(2)}–` +
      `${t.chunkSpeedups.max.toFixed(2)}x, median ${t.chunkSpeedups.median.toFixed(2)}x; CPU s parent ` +
      `${t.parentCpuSeconds.toFixed(2)}, candidate ${t.candidateCpuSeconds.toFixed(2)}; ${t.frames} frames ` +
      `per side: ${t.segments.map((g) => `${g.clip} q${g.quality} x${g.frames}`).join(", ")})`,
  );
}
