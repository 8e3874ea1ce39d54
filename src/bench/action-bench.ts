/**
 * The Action's evaluation time, as a runner runs it: the built
 * action/dist/index.js in mode evaluate, the starter codec as parent, the
 * configured baselines on the bundled clips, three runs in one workspace:
 * - cold: empty baseline and parent caches (the first PR after the base moved
 *   and nothing was cached), the starter against itself;
 * - warm: the caches the first run left (what @actions/cache restores on the
 *   next PR), the starter against itself;
 * - warm, changed candidate: the same caches, a candidate with one knob
 *   changed (INTER_QSCALE; the deadzones barely move a codec with RDOQ), so its
 *   rates differ from anything measured.
 * `action` measures the codec in codec/evolved_codec.py (the latest adopted
 * version); `action-starter` measures v1, the starter every new repository
 * begins with (the seed record of docs/evolution-run/ledger.jsonl), so the
 * Action's own cost can be told apart from how heavy the evolved codec became.
 */
import { execFile, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, symlink, writeFile } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const DIST = join(ROOT, "action", "dist", "index.js");

async function runEvaluate(
  workspace: string,
): Promise<{ seconds: number; outputs: string; log: string; load: string }> {
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
  return { seconds, outputs: await readFile(output, "utf8"), log, load: loadavg()[0]!.toFixed(1) };
}

/** One line of the report: time, goal, verdict, BD-rate vs parent, and how the parent was obtained. */
function line(label: string, run: Awaited<ReturnType<typeof runEvaluate>>, goal: number): string {
  const verdict = /verdict<<.*\n(.*)\n/.exec(run.outputs)?.[1] ?? "?";
  const bd = /bd-rate-parent<<.*\n(.*)\n/.exec(run.outputs)?.[1] ?? "?";
  const parent =
    /^parent: (measured here|rungs from the parent cache)(?:[^\n]*(scaled by [0-9.]+))?/m.exec(
      run.log,
    );
  return (
    `  ${label.padEnd(26)} ${run.seconds.toFixed(1).padStart(6)} s  (goal <= ${goal} s; load ${run.load} at the end)  ` +
    `verdict ${verdict}, BD-rate vs parent ${bd || "n/a"}%; parent ${parent ? `${parent[1]}${parent[2] ? `, speeds ${parent[2]}` : ""}` : "?"}`
  );
}

/** The codec the bench measures: its source and how the report names it. */
interface BenchCodec {
  label: string;
  source: string;
}

/** The latest adopted codec, as checked out. */
async function currentCodec(): Promise<BenchCodec> {
  const source = await readFile(join(ROOT, "codec", "evolved_codec.py"), "utf8");
  return { label: "the current codec (codec/evolved_codec.py)", source };
}

/** v1, the starter: the seed record's commit in the committed evolution ledger. */
async function starterCodec(): Promise<BenchCodec> {
  const ledger = await readFile(join(ROOT, "docs", "evolution-run", "ledger.jsonl"), "utf8");
  const seed = ledger
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { status?: string; versionCommit?: string })
    .find((record) => record.status === "seed");
  if (!seed?.versionCommit) throw new Error("docs/evolution-run/ledger.jsonl has no seed record");
  const { stdout } = await promisify(execFile)(
    "git",
    ["show", `${seed.versionCommit}:codec/evolved_codec.py`],
    { cwd: ROOT, maxBuffer: 16 << 20 },
  );
  return { label: `the starter v1 (${seed.versionCommit.slice(0, 10)})`, source: stdout };
}

/** Run the bench on the current codec; returns the report text. */
export async function benchAction(): Promise<string> {
  return benchActionOn(await currentCodec());
}

/** Run the bench on the starter codec v1; returns the report text. */
export async function benchActionStarter(): Promise<string> {
  return benchActionOn(await starterCodec());
}

async function benchActionOn(codec: BenchCodec): Promise<string> {
  const workspace = await mkdtemp(join(tmpdir(), "ce-action-bench-"));
  await symlink(join(ROOT, "clips"), join(workspace, "clips"));
  const starter = codec.source;
  const changed = starter.replace(/^INTER_QSCALE = [0-9.]+/m, "INTER_QSCALE = 1.5");
  if (changed === starter) throw new Error("the codec has no INTER_QSCALE line to change");
  const candidate = join(workspace, "pr-head", "codec", "evolved_codec.py");
  await mkdir(join(workspace, "codec"), { recursive: true });
  await mkdir(join(workspace, "pr-head", "codec"), { recursive: true });
  await writeFile(join(workspace, "codec", "evolved_codec.py"), starter);
  await writeFile(candidate, starter);

  const loadBefore = loadavg()[0]!.toFixed(1);
  const cold = await runEvaluate(workspace);
  const warm = await runEvaluate(workspace);
  await writeFile(candidate, changed);
  const warmChanged = await runEvaluate(workspace);
  return [
    `Action evaluate of ${codec.label} (built action/dist, the codec as its own parent, the bundled clips, default config baselines), ${cpus().length} cores, load average ${loadBefore} before:`,
    line("cold caches, unchanged", cold, 180),
    line("warm caches, unchanged", warm, 60),
    line("warm caches, one knob", warmChanged, 60),
    `  warm / cold ${(warm.seconds / cold.seconds).toFixed(2)}, warm changed / cold ${(warmChanged.seconds / cold.seconds).toFixed(2)}`,
  ].join("\n");
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await benchAction());
