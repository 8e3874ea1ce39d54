/**
 * Memory and scaling of the streaming evaluator (issue 7 item 6).
 *
 * Peak memory: a 1080p testsrc2 clip of 60 and of 300 frames (made with
 * ffmpeg in a temporary folder), evaluated by the real CLI in a child process
 * with a pass-through codec, four rungs, no baseline. The peak is the largest
 * sum of the resident sets of the CLI and all its descendants (codec
 * processes, ffmpeg), sampled from /proc every 50 ms, and the CLI's own peak.
 * Streaming means the 300-frame peak stays near the 60-frame one.
 *
 * Scaling: a bundled clip (10 frames, four rungs) with the job pool limited to
 * 1 and to 2 jobs (CODEC_EVOLVE_JOBS), timed one after the other in this run,
 * reported as a ratio.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledClipPaths } from "../evaluate/clips/load-clip.js";
import { runProcess } from "../evaluate/run-process.js";

const PASS_THROUGH = `import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    return np.frombuffer(compressed_data, dtype=np.uint8).reshape(shape).copy()
`;

const PAGE_BYTES = 4096;
/** Four rungs as in the issue; CODEC_EVOLVE_BENCH_QUALITIES (e.g. "50") shortens a run on a busy machine. */
const QUALITIES = process.env.CODEC_EVOLVE_BENCH_QUALITIES || "20,35,50,65";

/** One measured run of the CLI. */
export interface MemoryRun {
  frames: number;
  jobs: number | null;
  seconds: number;
  /** Largest sum of RSS over the CLI and its descendants. */
  peakTreeBytes: number;
  /** Largest RSS of the CLI process alone. */
  peakCliBytes: number;
}

/** Resident bytes of every process, and each process's parent, from /proc. */
function processTable(): Map<number, { ppid: number; rss: number }> {
  const table = new Map<number, { ppid: number; rss: number }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after the command name (which may hold spaces) start after the last ")".
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      const rssPages = Number(fields[21]);
      table.set(Number(entry), { ppid, rss: rssPages * PAGE_BYTES });
    } catch {
      // the process ended while we looked
    }
  }
  return table;
}

/** Sum of RSS of `root` and all its descendants, and of `root` alone. */
function treeRss(root: number): { tree: number; own: number } {
  const table = processTable();
  let tree = 0;
  const stack = [root];
  const seen = new Set<number>();
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    tree += table.get(pid)?.rss ?? 0;
    for (const [child, info] of table) if (info.ppid === pid) stack.push(child);
  }
  return { tree, own: table.get(root)?.rss ?? 0 };
}

/** Run the CLI's evaluate on `clip` and sample its memory until it exits. */
async function measureCli(
  dir: string,
  clip: string,
  frames: number,
  jobs: number | null,
  qualities = QUALITIES,
): Promise<MemoryRun> {
  const cli = fileURLToPath(new URL("../cli.js", import.meta.url));
  const args = [cli, "evaluate", join(dir, "pass_through.py"), "--clip", clip];
  args.push("--quality", qualities, "--baseline", "none", "--max-frames", String(frames));
  const json = join(dir, `result-${frames}-${jobs ?? "auto"}.json`);
  args.push("--json", json);
  const env = { ...process.env, ...(jobs ? { CODEC_EVOLVE_JOBS: String(jobs) } : {}) };
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env,
  });
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  let peakTree = 0;
  let peakCli = 0;
  const sample = () => {
    if (child.pid === undefined) return;
    const { tree, own } = treeRss(child.pid);
    peakTree = Math.max(peakTree, tree);
    peakCli = Math.max(peakCli, own);
  };
  const timer = setInterval(sample, 50);
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) {
    let failure = "";
    try {
      failure = JSON.stringify(
        (JSON.parse(readFileSync(json, "utf8")) as { failure: unknown }).failure,
      );
    } catch {
      // no results file: stderr says why
    }
    throw new Error(`memory bench: evaluate exited ${code}: ${failure}\n${stderr}`);
  }
  return { frames, jobs, seconds, peakTreeBytes: peakTree, peakCliBytes: peakCli };
}

/** Writes a 1080p testsrc2 Y4M of `frames` frames with ffmpeg. */
async function makeClip(path: string, frames: number): Promise<void> {
  const result = await runProcess("ffmpeg", [
    ...["-hide_banner", "-loglevel", "error", "-f", "lavfi"],
    ...["-i", "testsrc2=size=1920x1080:rate=30", "-frames:v", String(frames)],
    ...["-pix_fmt", "yuv420p", "-y", path],
  ]);
  if (result.code !== 0)
    throw new Error(`memory bench: ffmpeg could not make ${path}:\n${result.stderr}`);
}

const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

/** Peak memory at 60 and 300 frames, and 1-vs-2-job scaling; returns a printable report. */
export async function benchMemory(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "memory-bench-"));
  try {
    writeFileSync(join(dir, "pass_through.py"), PASS_THROUGH);
    const runs: MemoryRun[] = [];
    for (const frames of [60, 300]) {
      const clip = join(dir, `testsrc2-1080p-${frames}.y4m`);
      await makeClip(clip, frames);
      runs.push(await measureCli(dir, clip, frames, null));
      rmSync(clip);
    }
    const [short, long] = runs as [MemoryRun, MemoryRun];

    // Scaling: a bundled clip (448x320), 10 frames, four rungs; 1 job, then 2, in the same run.
    const scaleClip = bundledClipPaths()[0]!;
    const one = await measureCli(dir, scaleClip, 10, 1, "20,35,50,65");
    const two = await measureCli(dir, scaleClip, 10, 2, "20,35,50,65");

    const row = (run: MemoryRun) =>
      `  ${String(run.frames).padStart(3)} frames: peak ${gb(run.peakTreeBytes)} (CLI process alone ${gb(run.peakCliBytes)}), wall ${run.seconds.toFixed(1)} s`;
    return [
      `memory bench: 1080p testsrc2, pass-through codec, ${QUALITIES.split(",").length} rungs, no baseline, real CLI`,
      row(short),
      row(long),
      `  300-frame peak / 60-frame peak: ${(long.peakTreeBytes / short.peakTreeBytes).toFixed(2)}x (goal ≤ 1.3x, and under 2 GB)`,
      `scaling (${basename(scaleClip)}, 10 frames, 4 rungs, one after the other): 1 job ${one.seconds.toFixed(1)} s, 2 jobs ${two.seconds.toFixed(1)} s: ${(one.seconds / two.seconds).toFixed(2)}x`,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
