/**
 * Run the BUILT action (action/dist/index.js) the way a runner does: a fresh
 * node process, inputs as INPUT_* variables, the event in GITHUB_EVENT_PATH,
 * outputs and the job summary in the files the runner provides.
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
export const DIST = join(REPO_ROOT, "action", "dist", "index.js");

export interface ActionRun {
  code: number | null;
  log: string;
  outputs: Record<string, string>;
  summary: string;
}

/** Parse GITHUB_OUTPUT (`name<<DELIM\nvalue\nDELIM` and `name=value`). */
export function parseOutputs(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (heredoc) {
      const value: string[] = [];
      while (++i < lines.length && lines[i] !== heredoc[2]) value.push(lines[i]!);
      out[heredoc[1]!] = value.join("\n");
    } else if (lines[i]!.includes("=")) {
      const [k, ...v] = lines[i]!.split("=");
      out[k!] = v.join("=");
    }
  }
  return out;
}

/** Run the action with these inputs and environment; resolves when the process exits. */
export async function runAction(opts: {
  inputs: Record<string, string>;
  eventName: string;
  event: unknown;
  env?: Record<string, string>;
  dist?: string;
  cwd?: string;
  timeoutMs?: number;
}): Promise<ActionRun> {
  const dir = await mkdtemp(join(tmpdir(), "ce-action-run-"));
  const files = {
    event: join(dir, "event.json"),
    output: join(dir, "output.txt"),
    summary: join(dir, "summary.md"),
  };
  await writeFile(files.event, JSON.stringify(opts.event));
  await writeFile(files.output, "");
  await writeFile(files.summary, "");
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? dir,
    GITHUB_ACTIONS: "true",
    GITHUB_REPOSITORY: "octo/codecs",
    GITHUB_EVENT_NAME: opts.eventName,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: opts.cwd ?? dir,
    RUNNER_TEMP: dir,
    // A workflow_run's GITHUB_SHA is the default branch's, never the PR's head.
    GITHUB_SHA: "0".repeat(40),
    ...opts.env,
  };
  for (const [key, value] of Object.entries(opts.inputs)) env[`INPUT_${key.toUpperCase()}`] = value;
  const child = spawn(process.execPath, [opts.dist ?? DIST], { cwd: opts.cwd ?? dir, env });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
  const code = await new Promise<number | null>((r) => child.on("close", r));
  clearTimeout(timer);
  return {
    code,
    log,
    outputs: parseOutputs(await readFile(files.output, "utf8")),
    summary: await readFile(files.summary, "utf8"),
  };
}
