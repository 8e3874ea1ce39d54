/**
 * The Action's evaluation time, as a runner runs it: the built
 * action/dist/index.js in mode evaluate, the starter codec against itself
 * (parent) and the configured baselines on the bundled clips, once with an
 * empty baseline cache (cold) and once with the cache the first run left
 * (warm: what @actions/cache restores on the next PR).
 */
import { spawn } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "action", "dist", "index.js");

async function runEvaluate(
  workspace: string,
): Promise<{ seconds: number; outputs: string; code: number | null }> {
  const output = join(workspace, "output.txt");
  await writeFile(output, "");
  const env = {
    ...process.env,
    GITHUB_WORKSPACE: workspace,
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: workspace,
    INPUT_MODE: "evaluate",
    INPUT_CANDIDATE: "pr-head/codec/evolved_codec.py",
  };
  const started = performance.now();
  const child = spawn(process.execPath, [DIST], {
    cwd: workspace,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const code = await new Promise<number | null>((r) => child.on("close", r));
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`action exited ${code}:\n${log.slice(-3000)}`);
  return { seconds, outputs: await readFile(output, "utf8"), code };
}

/** Run the bench; returns the report text. */
export async function benchAction(): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), "ce-action-bench-"));
  await symlink(join(ROOT, "clips"), join(workspace, "clips"));
  for (const dir of ["codec", "pr-head/codec"]) {
    await mkdir(join(workspace, dir), { recursive: true });
    await copyFile(
      join(ROOT, "codec", "evolved_codec.py"),
      join(workspace, dir, "evolved_codec.py"),
    );
  }
  const loadBefore = loadavg()[0]!.toFixed(1);
  const cold = await runEvaluate(workspace);
  const warm = await runEvaluate(workspace);
  const verdict = /verdict<<.*\n(.*)\n/.exec(cold.outputs)?.[1] ?? "?";
  return [
    `Action evaluate (built action/dist, starter vs itself, bundled clips, default config: x265 + jpeg), ${cpus().length} cores, load average ${loadBefore} before / ${loadavg()[0]!.toFixed(1)} after:`,
    `  cold baseline cache  ${cold.seconds.toFixed(1)} s  (goal <= 180 s)`,
    `  warm baseline cache  ${warm.seconds.toFixed(1)} s  (goal <= 60 s)`,
    `  warm / cold          ${(warm.seconds / cold.seconds).toFixed(2)}`,
    `  verdict ${verdict}`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchAction());
