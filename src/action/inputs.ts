/**
 * The Action's inputs (action/action.yml): one zod schema, read from the
 * `INPUT_*` variables the runner sets. An error names the input, the bad value
 * and what is allowed.
 */
import * as core from "@actions/core";
import { z } from "zod";
import { COMMENT_MODES } from "../github/sticky-comment.js";

const flag = z.enum(["true", "false"]).transform((value) => value === "true");
const optionalText = z.string().transform((value) => (value.trim() === "" ? null : value.trim()));

/** Every input, as action.yml declares it (defaults repeated here for local runs without action.yml). */
export const inputsSchema = z.object({
  /** evaluate: score the PR's codec (untrusted job). report: post the results (trusted workflow_run job). resolve: which PR, base and head to evaluate (plan job). plan: how many shards (plan job). */
  mode: z.enum(["evaluate", "report", "resolve", "plan"]),
  /** Token for the GitHub API (report mode) and the artifact and cache services. */
  "github-token": optionalText,
  /** Root of the base-branch checkout: evaluator config, clips and the parent codec come from here. */
  "working-directory": optionalText,
  /** The candidate codec file (evaluate mode), e.g. pr-head/codec/evolved_codec.py. */
  candidate: optionalText,
  /** The parent codec file; default: the config's codec path in the base checkout; "none" for no parent. */
  parent: optionalText,
  /** Repository config file, relative to the working directory. */
  config: z.string().default(".github/codec-evolve.yml"),
  /** Python with numpy for the sandbox (e.g. from actions/setup-python); default: auto-detect. */
  python: optionalText,
  /** Install what is missing (ffmpeg, numpy, bubblewrap, the user-namespace setting). */
  "install-tools": flag.default(true),
  /** Read at most this many frames per clip (fewer frames: faster, less precise). */
  "max-frames": optionalText.pipe(
    z
      .string()
      .regex(/^[1-9][0-9]*$/, "a positive integer")
      .transform(Number)
      .nullable(),
  ),
  /** evaluate: package this results JSON (e.g. merged shards) instead of evaluating; same validation as the report's. */
  "evaluated-results": optionalText,
  /** evaluate: the PR's number, head and base commits for the artifact's hints when the event is not pull_request (a dispatched run): the resolve mode's outputs. */
  "pull-request": optionalText.pipe(
    z
      .string()
      .regex(/^[1-9][0-9]{0,9}$/, "a pull request number")
      .transform(Number)
      .nullable(),
  ),
  "head-sha": optionalText.pipe(
    z
      .string()
      .regex(/^[0-9a-f]{40}$/, "a commit SHA")
      .nullable(),
  ),
  "base-sha": optionalText.pipe(
    z
      .string()
      .regex(/^[0-9a-f]{40}$/, "a commit SHA")
      .nullable(),
  ),
  /** evaluate: run only shard I of N of the clip × rung work and write that shard's results JSON (no artifact, no verdict). */
  shard: optionalText.pipe(
    z
      .string()
      .regex(/^[1-9][0-9]*\/[1-9][0-9]*$/, "I/N, e.g. 2/4")
      .nullable(),
  ),
  /** evaluate: merge these shard results (a file name pattern with *, relative to the working directory) and package them as one run. */
  "merge-shards": optionalText,
  /** Keep baseline and parent measurements in the Actions cache between runs. */
  cache: flag.default(true),
  /** evaluate: where to write the results JSON; report: read results from this file instead of the artifact. */
  "results-path": optionalText,
  /** Sticky PR comment: always update it, only when the result changed, or never. */
  comment: z.enum(COMMENT_MODES).default("on-change"),
  /** Login whose comments are the sticky one (the account the token acts as). */
  "comment-author": z.string().default("github-actions[bot]"),
  /** Slug of the GitHub App whose PRs may be trusted for adoption. */
  "app-slug": z
    .string()
    .regex(/^[a-z0-9-]{1,64}$/, "a GitHub App slug")
    .default("codec-evolve"),
  /** Comma-separated globs: the only paths a trusted PR may change. */
  "codec-paths": z.string().default("codec/**"),
});
export type ActionInputs = z.infer<typeof inputsSchema>;

/** An input that is not valid; the message names it and the allowed values. */
export class InputError extends Error {
  override name = "InputError";
}

/** Read and validate all inputs from the environment. */
export function readInputs(): ActionInputs {
  const raw: Record<string, string> = {};
  for (const key of Object.keys(inputsSchema.shape)) {
    const value = core.getInput(key);
    if (value !== "") raw[key] = value;
  }
  for (const key of [
    "github-token",
    "working-directory",
    "candidate",
    "parent",
    "python",
    "max-frames",
    "evaluated-results",
    "results-path",
    "pull-request",
    "head-sha",
    "base-sha",
    "shard",
    "merge-shards",
  ]) {
    raw[key] ??= "";
  }
  const parsed = inputsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const key = String(issue.path[0] ?? "");
      return `input "${key}" = ${JSON.stringify(raw[key] ?? "")}: ${issue.message}`;
    });
    throw new InputError(problems.join("\n"));
  }
  return parsed.data;
}
