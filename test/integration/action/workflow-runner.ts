/**
 * Runs a shipped workflow file's jobs from its own YAML, as a runner would:
 * `${{ }}` expressions (test/fixtures/workflow-expression.ts) substituted
 * from the event, `needs`, `steps` and `matrix`; job `if:` conditions and matrices honoured; `uses: ./action`
 * steps run the BUILT action/dist/index.js with their `with:` inputs over
 * action.yml's defaults; `run:` steps run with bash. The few marketplace
 * actions the workflow uses are done here by their documented effect:
 * actions/checkout copies the tree of the requested commit (path,
 * sparse-checkout), upload-artifact/download-artifact keep files in a folder
 * per artifact name (pattern, merge-multiple), setup-node does nothing.
 */
import { spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import {
  asText,
  evaluateCondition,
  evaluateExpression,
  expandTemplate,
} from "../../fixtures/workflow-expression.js";
import { parseOutputs, REPO_ROOT, runAction, type ActionRun } from "./run-action.js";

interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  strategy?: { matrix?: Record<string, unknown> };
  steps: Step[];
}
export interface Workflow {
  jobs: Record<string, Job>;
}

/** What a job left behind: its outputs, and each step's log (for failure messages). */
export interface JobRun {
  job: string;
  matrix: Record<string, unknown>;
  outputs: Record<string, string>;
  steps: { name: string; log: string; outputs: Record<string, string> }[];
}

type Context = Record<string, unknown>;

/** Substitute every `${{ }}` in a string; a whole-value expression keeps its type (a matrix list). */
function substitute(text: string, context: Context): unknown {
  const whole = /^\$\{\{([^}]*)\}\}$/.exec(text.trim());
  if (whole) return evaluateExpression(whole[1]!, context);
  return expandTemplate(text, context);
}

async function bash(
  script: string,
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; log: string }> {
  const child = spawn("bash", ["-e", "-o", "pipefail", "-c", script], { cwd, env });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { code, log };
}

export interface WorkflowRunnerOptions {
  /** The workflow file, parsed. */
  workflow: Workflow;
  eventName: string;
  event: Record<string, unknown>;
  /** Trees by commit SHA, for actions/checkout (`repository` is checked against `repositories`). */
  trees: Record<string, string>;
  /** owner/name → the SHAs it holds. */
  repositories: Record<string, string[]>;
  /** Extra environment for every step (e.g. PATH). */
  env?: Record<string, string>;
}

/** Runs jobs of one workflow run; artifacts are shared between its jobs. */
export class WorkflowRunner {
  private readonly artifacts: Promise<string>;
  /** Every job's workspace is this path, emptied first: on hosted runners it is /home/runner/work/R/R for all jobs. */
  private readonly workspace: Promise<string>;
  private readonly actionDefaults: Promise<Record<string, string>>;

  constructor(private readonly options: WorkflowRunnerOptions) {
    this.artifacts = mkdtemp(join(tmpdir(), "ce-wf-artifacts-"));
    this.workspace = mkdtemp(join(tmpdir(), "ce-wf-work-")).then((dir) => join(dir, "repo"));
    this.actionDefaults = (async () => {
      const actionYml = parseYaml(
        await readFile(join(REPO_ROOT, "action", "action.yml"), "utf8"),
      ) as { inputs: Record<string, { default?: string }> };
      return Object.fromEntries(
        Object.entries(actionYml.inputs).map(([name, input]) => [name, input.default ?? ""]),
      );
    })();
  }

  private baseContext(): Context {
    const { event, eventName } = this.options;
    return {
      github: { event_name: eventName, event, sha: "f".repeat(40), token: "" },
      inputs: (event.inputs as Record<string, unknown> | undefined) ?? {},
    };
  }

  /** Whether job `name` runs, given its needs' outputs. */
  shouldRun(name: string, needs: Record<string, JobRun>): boolean {
    const condition = this.options.workflow.jobs[name]!.if;
    if (!condition) return true;
    return evaluateCondition(condition, { ...this.baseContext(), needs: outputsOf(needs) });
  }

  /** The matrix values of job `name` (one run per value of its one matrix key), or [{}]. */
  matrixOf(name: string, needs: Record<string, JobRun>): Record<string, unknown>[] {
    const matrix = this.options.workflow.jobs[name]!.strategy?.matrix;
    if (!matrix) return [{}];
    const context = { ...this.baseContext(), needs: outputsOf(needs) };
    const [[key, spec]] = Object.entries(matrix) as [[string, unknown]];
    const values = typeof spec === "string" ? substitute(spec, context) : spec;
    return (values as unknown[]).map((value) => ({ [key]: value }));
  }

  /** Run job `name` once in a fresh workspace; throws with the step's log when a step fails. */
  async runJob(
    name: string,
    needs: Record<string, JobRun>,
    matrix: Record<string, unknown> = {},
  ): Promise<JobRun> {
    const job = this.options.workflow.jobs[name]!;
    const workspace = await this.workspace;
    await rm(workspace, { recursive: true, force: true });
    await mkdir(workspace, { recursive: true });
    const temp = await mkdtemp(join(tmpdir(), `ce-wf-${name}-temp-`));
    const steps: JobRun["steps"] = [];
    const stepOutputs: Record<string, { outputs: Record<string, string> }> = {};
    const context = () => ({
      ...this.baseContext(),
      needs: outputsOf(needs),
      matrix,
      steps: stepOutputs,
    });
    for (const [index, step] of job.steps.entries()) {
      const label = step.id ?? step.name ?? step.uses ?? `run #${index + 1}`;
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [
          k,
          asText(substitute(String(v), context())),
        ]),
      );
      let result: { code: number | null; log: string; outputs: Record<string, string> };
      if (step.uses === "./action") {
        result = await this.runLocalAction(inputs, workspace, temp, context());
      } else if (step.uses?.startsWith("actions/checkout@")) {
        result = await this.checkout(inputs, workspace);
      } else if (step.uses?.startsWith("actions/setup-node@")) {
        result = { code: 0, log: "setup-node: the node running this test", outputs: {} };
      } else if (step.uses?.startsWith("actions/upload-artifact@")) {
        result = await this.upload(inputs, workspace);
      } else if (step.uses?.startsWith("actions/download-artifact@")) {
        result = await this.download(inputs, workspace);
      } else if (step.run !== undefined) {
        const outputFile = join(temp, `output-${index}.txt`);
        await writeFile(outputFile, "");
        const script = asText(substitute(step.run, context()));
        const ran = await bash(script, workspace, {
          PATH: process.env.PATH ?? "",
          HOME: process.env.HOME ?? temp,
          GITHUB_OUTPUT: outputFile,
          GITHUB_WORKSPACE: workspace,
          RUNNER_TEMP: temp,
          ...this.options.env,
        });
        result = { ...ran, outputs: parseOutputs(await readFile(outputFile, "utf8")) };
      } else {
        throw new Error(
          `job ${name}: step ${label} uses ${step.uses}, which this runner does not know`,
        );
      }
      steps.push({ name: label, log: result.log, outputs: result.outputs });
      if (result.code !== 0) {
        throw new Error(`job ${name}, step ${label} failed (exit ${result.code}):\n${result.log}`);
      }
      if (step.id) stepOutputs[step.id] = { outputs: result.outputs };
    }
    const outputs = Object.fromEntries(
      Object.entries(job.outputs ?? {}).map(([k, v]) => [k, asText(substitute(v, context()))]),
    );
    return { job: name, matrix, outputs, steps };
  }

  private async runLocalAction(
    inputs: Record<string, string>,
    workspace: string,
    temp: string,
    context: Context,
  ): Promise<ActionRun> {
    const defaults = await this.actionDefaults;
    const withDefaults: Record<string, string> = {};
    for (const [key, value] of Object.entries(defaults)) {
      withDefaults[key] = asText(substitute(value, context));
    }
    return runAction({
      dist: join(workspace, "action", "dist", "index.js"),
      inputs: { ...withDefaults, ...inputs },
      eventName: this.options.eventName,
      event: this.options.event,
      cwd: workspace,
      env: { GITHUB_WORKSPACE: workspace, RUNNER_TEMP: temp, ...this.options.env },
      timeoutMs: 400_000,
    });
  }

  private async checkout(
    inputs: Record<string, string>,
    workspace: string,
  ): Promise<{ code: number; log: string; outputs: Record<string, string> }> {
    const sha = inputs.ref!;
    const tree = this.options.trees[sha];
    const repository = inputs.repository;
    if (!tree) throw new Error(`checkout: no commit ${sha}`);
    if (repository && !(this.options.repositories[repository] ?? []).includes(sha)) {
      throw new Error(`checkout: ${repository} has no commit ${sha}`);
    }
    const target = inputs.path ? join(workspace, inputs.path) : workspace;
    await mkdir(target, { recursive: true });
    const sparse = (inputs["sparse-checkout"] ?? "").split("\n").filter(Boolean);
    // Cone mode: the listed folders plus every file at the top level.
    for (const entry of await readdir(tree, { withFileTypes: true })) {
      if (sparse.length > 0 && entry.isDirectory() && !sparse.includes(entry.name)) continue;
      await cp(join(tree, entry.name), join(target, entry.name), { recursive: true });
    }
    return { code: 0, log: `checked out ${sha} into ${target}`, outputs: {} };
  }

  private async upload(
    inputs: Record<string, string>,
    workspace: string,
  ): Promise<{ code: number; log: string; outputs: Record<string, string> }> {
    const dir = join(await this.artifacts, inputs.name!);
    await mkdir(dir, { recursive: true });
    await cp(join(workspace, inputs.path!), join(dir, inputs.path!));
    return { code: 0, log: `uploaded ${inputs.path} as ${inputs.name}`, outputs: {} };
  }

  private async download(
    inputs: Record<string, string>,
    workspace: string,
  ): Promise<{ code: number; log: string; outputs: Record<string, string> }> {
    const root = await this.artifacts;
    const pattern = new RegExp(`^${(inputs.pattern ?? "*").split("*").join(".*")}$`);
    const names = (await readdir(root)).filter((n) => pattern.test(n));
    for (const name of names) {
      const into = inputs["merge-multiple"] === "true" ? workspace : join(workspace, name);
      await cp(join(root, name), into, { recursive: true });
    }
    return { code: 0, log: `downloaded ${names.join(", ")}`, outputs: {} };
  }
}

function outputsOf(
  needs: Record<string, JobRun>,
): Record<string, { outputs: Record<string, string> }> {
  return Object.fromEntries(Object.entries(needs).map(([k, v]) => [k, { outputs: v.outputs }]));
}
