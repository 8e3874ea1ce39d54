/**
 * The shipped .github/workflows/codec-evolve-evaluate.yml run from its own
 * YAML (workflow-runner.ts) with the built Action: with `evaluation.shards: 2`
 * in the base commit's config the plan job says 2, two shard jobs each score
 * their part and upload it, and the merge job's results equal those of the
 * same workflow with `shards: 1` (one machine): BD-rates, rungs and verdict,
 * speeds aside (measured, so never equal twice).
 */
import { copyFile, cp, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { pullRequestPayload } from "./payloads.js";
import { REPO_ROOT } from "./run-action.js";
import { WorkflowRunner, type JobRun, type Workflow } from "./workflow-runner.js";

const HEAD = "a".repeat(40);
const SHARDED_BASE = "b".repeat(40);
const SINGLE_BASE = "c".repeat(40);

/** A base commit's tree: the Action, the harness, one clip, the starter codec and this config. */
async function baseTree(shards: number): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), `ce-wf-base-${shards}-`));
  await cp(join(REPO_ROOT, "action"), join(root, "action"), { recursive: true });
  await mkdir(join(root, "src", "sandbox"), { recursive: true });
  for (const file of ["harness.py", "static_check.py", "audit_guard.py"]) {
    await copyFile(join(REPO_ROOT, "src", "sandbox", file), join(root, "src", "sandbox", file));
  }
  await copyFile(join(REPO_ROOT, "package.json"), join(root, "package.json"));
  await mkdir(join(root, "clips"));
  await copyFile(
    join(REPO_ROOT, "clips", "astronaut-pan.y4m"),
    join(root, "clips", "astronaut-pan.y4m"),
  );
  await mkdir(join(root, "codec"));
  await copyFile(
    join(REPO_ROOT, "codec", "evolved_codec.py"),
    join(root, "codec", "evolved_codec.py"),
  );
  await mkdir(join(root, ".github", "workflows"), { recursive: true });
  await writeFile(
    join(root, ".github", "codec-evolve.yml"),
    [
      "evaluation:",
      "  clips: [clips/astronaut-pan.y4m]",
      "  maxFrames: 2",
      "  qualities: [20, 40, 60, 80]",
      "  baselines: [x265]",
      `  shards: ${shards}`,
      // Shards are not timed side by side (one machine would be): off, so both say the same.
      "adoption:",
      "  pairedTimingFrames: 0",
      "",
    ].join("\n"),
  );
  return root;
}

/** The PR head's tree: the starter with one knob changed. */
async function headTree(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "ce-wf-head-"));
  await mkdir(join(root, "codec"));
  const starter = await readFile(join(REPO_ROOT, "codec", "evolved_codec.py"), "utf8");
  // A knob every version responds to (the deadzones barely move a codec with RDOQ).
  const changed = starter.replace(/^INTER_QSCALE = [0-9.]+/m, "INTER_QSCALE = 1.5");
  expect(changed).not.toBe(starter);
  await writeFile(join(root, "codec", "evolved_codec.py"), changed);
  return root;
}

/** Run the workflow for a PR whose base has this config; the jobs that ran, by name. */
async function runWorkflow(
  workflow: Workflow,
  base: string,
  baseSha: string,
  head: string,
): Promise<Record<string, JobRun[]>> {
  const runner = new WorkflowRunner({
    workflow,
    eventName: "pull_request",
    event: pullRequestPayload({
      number: 31,
      headSha: HEAD,
      baseSha,
      headRef: "codec-evolve/candidate-c0031",
    }) as unknown as Record<string, unknown>,
    trees: { [baseSha]: base, [HEAD]: head },
    repositories: { "octo/codecs": [baseSha, HEAD] },
  });
  const ran: Record<string, JobRun[]> = {};
  const done: Record<string, JobRun> = {};
  // The jobs in the file's order, which is an order of their needs.
  for (const [name, job] of Object.entries(workflow.jobs)) {
    const needs = [job.needs ?? []].flat();
    const needed = Object.fromEntries(needs.map((n) => [n, done[n]!]));
    if (needs.some((n) => !done[n]) || !runner.shouldRun(name, needed)) continue;
    const runs: JobRun[] = [];
    for (const matrix of runner.matrixOf(name, needed)) {
      runs.push(await runner.runJob(name, needed, matrix));
    }
    ran[name] = runs;
    done[name] = runs[0]!;
  }
  return ran;
}

/** The results JSON the last Action step of this job wrote. */
async function resultsOf(job: JobRun): Promise<Record<string, unknown>> {
  const path = job.steps.map((s) => s.outputs["results-path"]).findLast(Boolean);
  expect(path).toBeTruthy();
  const artifact = JSON.parse(await readFile(path!, "utf8")) as {
    results: Record<string, unknown>;
  };
  return artifact.results;
}

/** A result without what is measured afresh each time (speeds) or names the run's workspace. */
function comparable(results: Record<string, unknown>): unknown {
  const text = JSON.stringify(
    { ...results, environment: undefined, sandbox: undefined },
    (key, value) =>
      key === "encodeFps" || key === "decodeFps" || key === "encodeCpuFps"
        ? undefined
        : key === "reason" && typeof value === "string"
          ? value
              .replace(/[0-9.]+ fps/g, "N fps")
              .replace(/[0-9.]+ CPU s/g, "N CPU s")
              .replace(/[0-9.]+x the parent's speed/g, "Nx the parent's speed")
              // Whether the speed-up is judged at all depends on the parent's measured CPU
              // seconds (under 2 s it is not), which on these tiny clips falls either side
              // of the gate from run to run; the clause never adopts here (BD-rate > 0).
              .replace(
                /; (encode Nx the parent's speed .*|speed-up not judged: .*)$/,
                "; SPEED-UP (timing-dependent)",
              )
          : value,
  );
  const workspace = new RegExp(
    `${tmpdir().replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}/ce-wf-work-[^/]+/repo`,
    "g",
  );
  return JSON.parse(text.replace(workspace, "WORKSPACE")) as unknown;
}

describe("codec-evolve-evaluate.yml, run from its own YAML with the built Action", () => {
  it("evaluation.shards: 2 plans two shard jobs whose merge equals the one-machine run", async () => {
    const workflow = parseYaml(
      await readFile(join(REPO_ROOT, ".github", "workflows", "codec-evolve-evaluate.yml"), "utf8"),
    ) as Workflow;
    const head = await headTree();

    const sharded = await runWorkflow(workflow, await baseTree(2), SHARDED_BASE, head);
    expect(Object.keys(sharded)).toEqual(["plan", "shard", "merge"]);
    expect(sharded.plan![0]!.outputs).toMatchObject({ shards: "2", list: "[1,2]", pr: "31" });
    expect(sharded.shard!.map((run) => run.matrix.shard)).toEqual([1, 2]);
    const merge = sharded.merge![0]!;
    expect(merge.steps.map((s) => s.log).join("\n")).toMatch(
      /merged 2 shard results: shard-1\.json, shard-2\.json/,
    );

    const single = await runWorkflow(workflow, await baseTree(1), SINGLE_BASE, head);
    expect(Object.keys(single)).toEqual(["plan", "evaluate"]);
    expect(single.plan![0]!.outputs.shards).toBe("1");

    const merged = await resultsOf(merge);
    const alone = await resultsOf(single.evaluate![0]!);
    expect(merged.status).toBe("ok");
    // The candidate differs from its parent: a real BD-rate, the same from both paths.
    const summary = merged.summary as { bdRate: Record<string, number> };
    expect(Math.abs(summary.bdRate.parent!)).toBeGreaterThan(0.01);
    expect(Number.isFinite(summary.bdRate.x265)).toBe(true);
    expect(comparable(merged)).toEqual(comparable(alone));
    const outputs = (job: JobRun) => job.steps.findLast((s) => s.outputs.verdict)!.outputs;
    expect(outputs(merge)).toMatchObject({
      verdict: outputs(single.evaluate![0]!).verdict,
      "bd-rate-parent": outputs(single.evaluate![0]!)["bd-rate-parent"],
      "bd-rate-x265": outputs(single.evaluate![0]!)["bd-rate-x265"],
    });
  }, 900_000);

  it("a config that is not valid fails the plan job, naming the field", async () => {
    const workflow = parseYaml(
      await readFile(join(REPO_ROOT, ".github", "workflows", "codec-evolve-evaluate.yml"), "utf8"),
    ) as Workflow;
    const base = await baseTree(1);
    await writeFile(join(base, ".github", "codec-evolve.yml"), "evaluation:\n  shards: two\n");
    await expect(runWorkflow(workflow, base, SINGLE_BASE, await headTree())).rejects.toThrow(
      /job plan, step shards failed[\s\S]*evaluation\.shards/,
    );
  }, 120_000);
});
