/**
 * The shipped evaluate and report workflows, read as YAML and their
 * expressions evaluated as the runner evaluates them: the evaluate workflow
 * starts on pull_request and on workflow_dispatch (input pr, what the App and
 * the Actions-only mode dispatch); for a dispatched run no expression reaches
 * `github.event.pull_request` (absent from its event), the jobs after the plan
 * read the PR only from the plan's outputs, and the run is named so the
 * report job finds its PR; the report job accepts dispatched runs. Every
 * input given to the Action and every output read from it is declared in
 * action/action.yml.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { evaluateRunName, parseEvaluateRunName } from "../../../src/github/names.js";
import { evaluateCondition, expandTemplate } from "../../fixtures/workflow-expression.js";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const BASE = "b".repeat(40);
const HEAD = "c".repeat(40);
const MAIN = "d".repeat(40);

interface Step {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, string>;
}
interface Job {
  needs?: string | string[];
  if?: string;
  outputs?: Record<string, string>;
  strategy?: unknown;
  steps: Step[];
}
interface Workflow {
  "run-name"?: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string };
  jobs: Record<string, Job>;
}

async function workflow(name: string): Promise<Workflow> {
  return parse(await readFile(join(ROOT, ".github/workflows", name), "utf8")) as Workflow;
}

/** The evaluate workflow the README gives to copy (its yaml block that starts with the file name). */
async function readmeEvaluateWorkflow(): Promise<Workflow> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const block = /```yaml\n(# \.github\/workflows\/codec-evolve-evaluate\.yml\n[\s\S]*?)```/.exec(
    readme,
  );
  if (!block)
    throw new Error("README.md has no yaml block for .github/workflows/codec-evolve-evaluate.yml");
  return parse(block[1]!) as Workflow;
}

async function actionYml(): Promise<{
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}> {
  return parse(await readFile(join(ROOT, "action/action.yml"), "utf8")) as never;
}

/** Every string of a job with `${{ }}`, and its `if:`s, with where they are. */
function expressions(
  job: Job,
  where: string,
): Array<{ where: string; text: string; condition: boolean }> {
  const out: Array<{ where: string; text: string; condition: boolean }> = [];
  const walk = (value: unknown, path: string) => {
    if (typeof value === "string") {
      if (path.endsWith(".if")) out.push({ where: path, text: value, condition: true });
      else if (value.includes("${{")) out.push({ where: path, text: value, condition: false });
    } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${path}[${i}]`));
    else if (value && typeof value === "object")
      for (const [k, v] of Object.entries(value)) walk(v, `${path}.${k}`);
  };
  walk(job, where);
  return out;
}

const planOutputs = {
  pr: "12",
  "base-sha": BASE,
  "head-sha": HEAD,
  "head-repository": "octo/codecs",
  shards: "1",
  list: "[1]",
};
const stepOutputs = {
  pr: {
    outputs: {
      "pull-request": "12",
      "base-sha": BASE,
      "head-sha": HEAD,
      "head-repository": "octo/codecs",
    },
  },
  shards: { outputs: { shards: "1", list: "[1]" } },
};

/** The contexts of a run of the evaluate workflow for PR 12. */
function contexts(event: "pull_request" | "workflow_dispatch") {
  const github =
    event === "pull_request"
      ? {
          event_name: "pull_request",
          sha: "e".repeat(40), // the PR's merge commit: never checked out as the trusted side
          token: "ghs_x",
          event: {
            number: 12,
            pull_request: {
              number: 12,
              base: { sha: BASE },
              head: { sha: HEAD, repo: { full_name: "octo/codecs" } },
            },
          },
        }
      : {
          event_name: "workflow_dispatch",
          sha: MAIN,
          token: "ghs_x",
          event: { inputs: { pr: "12" }, ref: "refs/heads/main" },
        };
  return {
    github,
    inputs: event === "workflow_dispatch" ? { pr: 12 } : {},
    needs: { plan: { outputs: planOutputs } },
    steps: stepOutputs,
    matrix: { shard: 1 },
    secrets: {},
  };
}

describe("codec-evolve-evaluate.yml", () => {
  it("starts on pull_request to self-improved-framework and on workflow_dispatch with a required input pr", async () => {
    const wf = await workflow("codec-evolve-evaluate.yml");
    expect(wf.on.pull_request).toEqual({ branches: ["self-improved-framework"] });
    expect(wf.on.workflow_dispatch).toMatchObject({
      inputs: { pr: { required: true, type: "number" } },
    });
    // Read-only and no secrets: the PR's code runs here.
    expect(wf.permissions).toEqual({ contents: "read", "pull-requests": "read" });
    expect(JSON.stringify(wf)).not.toMatch(/secrets\./);
  });

  it.each(["pull_request", "workflow_dispatch"] as const)(
    "on %s: names the run for the report job, groups by PR, checks out the trusted ref first, never reads an absent event field",
    async (event) => {
      const wf = await workflow("codec-evolve-evaluate.yml");
      const context = contexts(event);
      const reads: string[] = [];
      const name = expandTemplate(wf["run-name"]!, context, reads);
      expect(name).toBe(evaluateRunName(12));
      expect(parseEvaluateRunName(name)).toBe(12);
      expect(expandTemplate(wf.concurrency.group, context, reads)).toBe("codec-evolve-evaluate-12");
      // The plan's Action comes from the PR's base, or from the default branch for a dispatch: never the PR's merge commit.
      const planCheckout = wf.jobs.plan!.steps[0]!;
      expect(planCheckout.uses).toMatch(/^actions\/checkout@/);
      expect(expandTemplate(planCheckout.with!.ref!, context, reads)).toBe(
        event === "pull_request" ? BASE : MAIN,
      );
      for (const [name, job] of Object.entries(wf.jobs)) {
        for (const e of expressions(job, `jobs.${name}`)) {
          if (e.condition) evaluateCondition(e.text, context, reads);
          else expandTemplate(e.text, context, reads);
        }
      }
      if (event === "workflow_dispatch") {
        expect(reads.filter((path) => path.startsWith("github.event.pull_request"))).toEqual([]);
        expect(reads).toContain("inputs.pr");
      } else expect(reads).toContain("github.event.pull_request.base.sha");
    },
  );

  it("jobs after the plan take the PR, base and head only from the plan's outputs", async () => {
    const wf = await workflow("codec-evolve-evaluate.yml");
    for (const [name, job] of Object.entries(wf.jobs)) {
      if (name === "plan") continue;
      expect({ job: name, events: JSON.stringify(job).match(/github\.event\.[\w.]+/g) }).toEqual({
        job: name,
        events: null,
      });
      for (const step of job.steps.filter((s) => s.uses === "actions/checkout@v4")) {
        expect(step.with!.ref).toMatch(/^\$\{\{ needs\.plan\.outputs\.(base-sha|head-sha) \}\}$/);
      }
    }
    // The single-machine job checks out the base and the head into pr-head/, and gives the Action the hints.
    const steps = wf.jobs.evaluate!.steps;
    expect(steps[0]!.with!.ref).toContain("base-sha");
    expect(steps[1]!.with).toMatchObject({
      path: "pr-head",
      ref: "${{ needs.plan.outputs.head-sha }}",
    });
    expect(steps[2]!.with).toMatchObject({
      mode: "evaluate",
      "pull-request": "${{ needs.plan.outputs.pr }}",
    });
  });

  it("gives the Action only inputs action.yml declares, and reads only outputs it declares", async () => {
    const action = await actionYml();
    for (const file of ["codec-evolve-evaluate.yml", "codec-evolve-report.yml"]) {
      const wf = await workflow(file);
      for (const job of Object.values(wf.jobs)) {
        for (const step of job.steps.filter((s) => s.uses === "./action")) {
          for (const input of Object.keys(step.with ?? {}))
            expect({ file, input, declared: input in action.inputs }).toEqual({
              file,
              input,
              declared: true,
            });
        }
      }
    }
    const evaluate = JSON.stringify(await workflow("codec-evolve-evaluate.yml"));
    for (const [, output] of evaluate.matchAll(/steps\.pr\.outputs\.([\w-]+)/g)) {
      expect({ output, declared: output! in action.outputs }).toEqual({ output, declared: true });
    }
  });
});

describe("the evaluate workflow the README gives to copy", () => {
  it.each(["pull_request", "workflow_dispatch"] as const)(
    "on %s: same trigger and run name, the PR read through the resolve step, no absent event field read",
    async (event) => {
      const wf = await readmeEvaluateWorkflow();
      expect(Object.keys(wf.on).sort()).toEqual(["pull_request", "workflow_dispatch"]);
      const context = contexts(event);
      const reads: string[] = [];
      expect(expandTemplate(wf["run-name"]!, context, reads)).toBe(evaluateRunName(12));
      const action = await actionYml();
      for (const [name, job] of Object.entries(wf.jobs)) {
        for (const e of expressions(job, `jobs.${name}`)) expandTemplate(e.text, context, reads);
        for (const step of job.steps.filter((s) => s.uses?.includes("/action@"))) {
          for (const input of Object.keys(step.with ?? {}))
            expect(input in action.inputs).toBe(true);
        }
        const checkouts = job.steps.filter((s) => s.uses === "actions/checkout@v4");
        expect(checkouts.map((s) => expandTemplate(s.with!.ref!, context))).toEqual([BASE, HEAD]);
      }
      if (event === "workflow_dispatch")
        expect(reads.filter((path) => path.startsWith("github.event.pull_request"))).toEqual([]);
    },
  );
});

describe("codec-evolve-report.yml", () => {
  const run = (event: string, conclusion: string) => ({
    github: {
      event_name: "workflow_run",
      event: {
        workflow_run: {
          event,
          conclusion,
          head_sha: event === "workflow_dispatch" ? MAIN : HEAD,
          display_title: evaluateRunName(12),
        },
      },
    },
  });

  it("reports pull_request and dispatched evaluate runs, not cancelled ones nor other events", async () => {
    const wf = await workflow("codec-evolve-report.yml");
    const condition = wf.jobs.report!.if!;
    expect(evaluateCondition(condition, run("pull_request", "success"))).toBe(true);
    expect(evaluateCondition(condition, run("workflow_dispatch", "failure"))).toBe(true);
    expect(evaluateCondition(condition, run("workflow_dispatch", "cancelled"))).toBe(false);
    expect(evaluateCondition(condition, run("push", "success"))).toBe(false);
  });

  it("serialises reports per PR head, and per PR for dispatched runs (whose head_sha is the default branch's)", async () => {
    const wf = await workflow("codec-evolve-report.yml");
    expect(expandTemplate(wf.concurrency.group, run("pull_request", "success"))).toBe(
      `codec-evolve-report-${HEAD}`,
    );
    expect(expandTemplate(wf.concurrency.group, run("workflow_dispatch", "success"))).toBe(
      `codec-evolve-report-${evaluateRunName(12)}`,
    );
    expect(wf.permissions).toEqual({ checks: "write", "pull-requests": "write", actions: "read" });
  });
});
