/**
 * Mode `resolve`, the evaluate workflow's plan step: which pull request, base
 * commit and head commit the run scores. A `pull_request` run takes them from
 * its event. A `workflow_dispatch` run (the App's /evaluate, and the
 * Actions-only mode, whose PRs start no workflow) has only its input `pr`
 * and a GITHUB_SHA on the default branch, so the PR is read through the API:
 * it must be open and target the versions branch. The jobs then check the
 * base out for the evaluator, clips and config, and the head only for the codec.
 */
import * as core from "@actions/core";
import { z } from "zod";
import { EVOLUTION_BRANCH } from "../github/names.js";
import { createGitHubClient } from "../github/octokit.js";
import type { ActionInputs } from "./inputs.js";
import { currentRepo, readEvent } from "./read-event.js";

const sha = z.string().regex(/^[0-9a-f]{40}$/);

/** The fields of a pull request this mode reads, from an event or the API. */
const pullRequestSchema = z.object({
  number: z.number().int().positive(),
  state: z.string(),
  head: z.object({ sha, repo: z.object({ full_name: z.string() }).nullable() }),
  base: z.object({ sha, ref: z.string() }),
});

const dispatchEventSchema = z.object({
  inputs: z.object({
    pr: z
      .union([z.string(), z.number()])
      .transform(String)
      .pipe(z.string().regex(/^[1-9][0-9]{0,9}$/)),
  }),
});

export interface EvaluationTarget {
  pullRequest: number;
  baseSha: string;
  headSha: string;
  /** owner/name of the head repository (a fork's for a fork PR). */
  headRepository: string;
  /** How it was found, for the log. */
  source: string;
}

/** Run mode resolve. */
export async function resolveMain(inputs: ActionInputs): Promise<EvaluationTarget> {
  const event = await readEvent();
  let pull: z.infer<typeof pullRequestSchema>;
  let source: string;
  if (event.name === "workflow_dispatch") {
    const dispatch = dispatchEventSchema.safeParse(event.payload);
    if (!dispatch.success) {
      throw new Error(
        `a dispatched evaluation needs the input pr (a pull request number); this run's inputs are ${JSON.stringify((event.payload as { inputs?: unknown }).inputs ?? null).slice(0, 200)}`,
      );
    }
    const number = Number(dispatch.data.inputs.pr);
    const token = inputs["github-token"] ?? process.env.GITHUB_TOKEN ?? "";
    if (!token)
      throw new Error('input "github-token" is empty: pass ${{ github.token }} (the default)');
    const github = createGitHubClient({ token, log: (line) => core.warning(line) });
    let data: unknown;
    try {
      ({ data } = await github.rest.pulls.get({ ...currentRepo(), pull_number: number }));
    } catch (error) {
      if ((error as { status?: number }).status === 404)
        throw new Error(
          `input pr: pull request #${number} does not exist in ${process.env.GITHUB_REPOSITORY}`,
        );
      throw error;
    }
    const parsed = pullRequestSchema.safeParse(data);
    if (!parsed.success)
      throw new Error(
        `pull request #${number}: the API's answer is not as expected: ${parsed.error.issues[0]?.message}`,
      );
    pull = parsed.data;
    if (pull.state !== "open")
      throw new Error(
        `input pr: pull request #${number} is ${pull.state}; only an open one is evaluated`,
      );
    source = `pull request #${number} through the API (workflow_dispatch)`;
  } else {
    const parsed = z.object({ pull_request: pullRequestSchema }).safeParse(event.payload);
    if (!parsed.success) {
      throw new Error(
        `mode resolve runs on pull_request or workflow_dispatch (input pr); this run's event is "${event.name || "none"}"`,
      );
    }
    pull = parsed.data.pull_request;
    source = `the ${event.name} event`;
  }
  // The shipped pull_request trigger only fires for this base; a dispatch must not widen it.
  if (pull.base.ref !== EVOLUTION_BRANCH) {
    throw new Error(
      `pull request #${pull.number} targets ${pull.base.ref}; codec-evolve evaluates pull requests to ${EVOLUTION_BRANCH} only`,
    );
  }
  if (!pull.head.repo)
    throw new Error(`pull request #${pull.number}: its head repository was deleted`);
  const target: EvaluationTarget = {
    pullRequest: pull.number,
    baseSha: pull.base.sha,
    headSha: pull.head.sha,
    headRepository: pull.head.repo.full_name,
    source,
  };
  core.info(
    `evaluate PR #${target.pullRequest}: head ${target.headSha} (${target.headRepository}) against base ${target.baseSha}, from ${source}`,
  );
  return target;
}
