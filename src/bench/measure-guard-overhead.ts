/**
 * Measures what the sandbox costs a well-behaved codec: the same frames encoded
 * and decoded with every guard on (static check, audit hook, bubblewrap when it
 * runs here) and with all of them off (isolation "none", no static check, no
 * audit hook), alternating runs, plus bubblewrap's start-up cost.
 *
 *   npm run build && node dist/bench/measure-guard-overhead.js [CODEC.py] [CLIP] [FRAMES]
 */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { bundledClipPaths, loadClip } from "../evaluate/clips/load-clip.js";
import { findPython } from "../sandbox/find-python.js";
import {
  bubblewrapArgs,
  describeIsolation,
  sandboxEnvironment,
  sandboxUser,
} from "../sandbox/isolation.js";
import { probePython } from "../sandbox/python-info.js";
import { decodePayloads, encodeFrames } from "../sandbox/run-codec.js";
import type { SandboxOptions } from "../sandbox/sandbox-options.js";

const REPEATS = 3;

interface Timing {
  wallSeconds: number;
  codecSeconds: number;
}

async function timeOnce(
  codecPath: string,
  clipPath: string,
  frames: number,
  opts: SandboxOptions,
): Promise<Timing> {
  const clip = await loadClip(clipPath, { maxFrames: frames, seed: 1 });
  const config = { quality: 50, width: clip.width, height: clip.height, fps: clip.fps };
  const started = performance.now();
  const encoded = await encodeFrames(codecPath, clip.frames, config, opts);
  if (!encoded.ok) throw new Error(`encode failed: ${JSON.stringify(encoded.failure)}`);
  const decoded = await decodePayloads(codecPath, encoded.payloads, config, opts);
  if (!decoded.ok) throw new Error(`decode failed: ${JSON.stringify(decoded.failure)}`);
  return {
    wallSeconds: (performance.now() - started) / 1000,
    codecSeconds: encoded.codecSeconds + decoded.codecSeconds,
  };
}

/** Mean wall-clock milliseconds of `python -c pass` with and without bubblewrap around it. */
async function bubblewrapStartup(runs: number): Promise<{ bareMs: number; wrappedMs: number }> {
  const info = await probePython(await findPython());
  const dir = mkdtempSync(join(tmpdir(), "codec-evolve-bwrap-bench-"));
  chmodSync(dir, 0o755);
  const user = sandboxUser();
  const time = (command: string, args: string[]): number => {
    const started = performance.now();
    for (let i = 0; i < runs; i++)
      execFileSync(command, args, { env: sandboxEnvironment(), ...user });
    return (performance.now() - started) / runs;
  };
  try {
    const pythonArgs = [info.executable, "-s", "-c", "pass"];
    const bareMs = time(pythonArgs[0]!, pythonArgs.slice(1));
    const wrappedMs = time("bwrap", [
      ...bubblewrapArgs(info, dir, sandboxEnvironment()),
      ...pythonArgs,
    ]);
    return { bareMs, wrappedMs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run the measurement and print it. */
export async function measureGuardOverhead(
  codecPath: string,
  clipPath: string,
  frames: number,
): Promise<void> {
  const guarded: SandboxOptions = {};
  const bare: SandboxOptions = {
    isolation: "none",
    layers: { staticCheck: false, runtimeGuards: false },
  };
  console.log(`codec ${codecPath}, clip ${clipPath}, ${frames} frames, ${REPEATS} runs each`);
  console.log(`guarded: ${(await describeIsolation(guarded)).isolation}`);
  const results: Record<"guarded" | "bare", Timing[]> = { guarded: [], bare: [] };
  await timeOnce(codecPath, clipPath, frames, bare); // warm the page cache
  for (let i = 0; i < REPEATS; i++) {
    results.bare.push(await timeOnce(codecPath, clipPath, frames, bare));
    results.guarded.push(await timeOnce(codecPath, clipPath, frames, guarded));
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  for (const name of ["bare", "guarded"] as const) {
    const wall = mean(results[name].map((t) => t.wallSeconds));
    const codec = mean(results[name].map((t) => t.codecSeconds));
    console.log(
      `${name.padEnd(8)} wall ${wall.toFixed(3)} s (encode+decode incl. process start), codec's own calls ${codec.toFixed(3)} s`,
    );
  }
  const ratio = (key: keyof Timing): number =>
    mean(results.guarded.map((t) => t[key])) / mean(results.bare.map((t) => t[key]));
  console.log(
    `ratio guarded/bare: wall ${ratio("wallSeconds").toFixed(3)}, codec calls ${ratio("codecSeconds").toFixed(3)}`,
  );
  try {
    const startup = await bubblewrapStartup(10);
    console.log(
      `bubblewrap start-up: python -c pass ${startup.bareMs.toFixed(1)} ms bare, ${startup.wrappedMs.toFixed(1)} ms in bwrap (+${(startup.wrappedMs - startup.bareMs).toFixed(1)} ms per process)`,
    );
  } catch (error) {
    console.log(`bubblewrap start-up: not measurable here (${(error as Error).message})`);
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const [codec = "codec/evolved_codec.py", clip = bundledClipPaths()[0]!, frames = "10"] =
    process.argv.slice(2);
  measureGuardOverhead(codec, clip, Number(frames)).catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
