/**
 * Mode `evaluate`, the untrusted job (pull_request, contents: read, no
 * secrets): the PR head's codec against its parent (the base branch's codec),
 * x265 and the configured baselines, on the base branch's clips with the base
 * branch's evaluator and config. Writes the results JSON, the job summary and
 * the artifact for the report job.
 */
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import { resolveClips } from "../cli/resolve-clips.js";
import { sandboxOptions } from "../cli/sandbox-options.js";
import { loadConfig } from "../config/load-config.js";
import { evaluateCodec } from "../evaluate/evaluator.js";
import { renderMarkdown, verdictKind } from "../evaluate/report/markdown.js";
import type { EvaluationResult } from "../evaluate/results.js";
import { ARTIFACT_FORMAT, RESULTS_FILE, type ResultsArtifact } from "../github/results-artifact.js";
import { restoreBaselineCache } from "./baseline-cache.js";
import { ensureTools } from "./ensure-tools.js";
import type { ActionInputs } from "./inputs.js";
import { readEvent } from "./read-event.js";

const pullRequestEventSchema = z.object({
  pull_request: z.object({
    number: z.number().int().positive(),
    head: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/) }),
    base: z.object({ sha: z.string().regex(/^[0-9a-f]{40}$/), ref: z.string() }),
  }),
});

export interface EvaluateOutcome {
  result: EvaluationResult;
  resultsPath: string;
  markdown: string;
}

/** What the evaluation depends on besides the codecs: clips, ladder, baselines, tools. */
async function cacheScope(clipPaths: string[], parts: unknown[]): Promise<string> {
  const hash = createHash("sha256").update(JSON.stringify(parts));
  for (const path of clipPaths) {
    hash.update(path.split("/").pop() ?? "");
    hash.update(
      createHash("sha256")
        .update(await readFile(path))
        .digest("hex"),
    );
  }
  return hash.digest("hex").slice(0, 16);
}

/** Run mode evaluate; `upload` sends the artifact. */
export async function evaluateMain(
  inputs: ActionInputs,
  upload: (file: string) => Promise<string>,
): Promise<EvaluateOutcome> {
  // 1. Where things are: the base checkout (trusted evaluator, clips, config) and the PR's codec.
  const root = resolve(
    inputs["working-directory"] ?? process.env.GITHUB_WORKSPACE ?? process.cwd(),
  );
  const { config, source } = await loadConfig(root, inputs.config);
  core.info(`config: ${source}`);
  const candidate = resolve(root, inputs.candidate ?? join("pr-head", config.codec));
  const parent = inputs.parent === "none" ? null : resolve(root, inputs.parent ?? config.codec);
  const event = await readEvent();
  const pr = pullRequestEventSchema.safeParse(event.payload);
  const hints = pr.success
    ? {
        pullRequest: pr.data.pull_request.number,
        headSha: pr.data.pull_request.head.sha,
        baseSha: pr.data.pull_request.base.sha,
      }
    : { pullRequest: null, headSha: null, baseSha: null };

  // 2. Tools on the runner.
  const evaluation = config.evaluation;
  const tools = await ensureTools({
    python: inputs.python ?? config.sandbox.python,
    install: inputs["install-tools"],
    needX265: evaluation.baselines.includes("x265"),
    log: (line) => core.info(line),
  });
  for (const line of tools.lines) core.info(line);

  // 3. Clips from the base checkout, and the baseline cache.
  const maxFrames = inputs["max-frames"] ?? evaluation.maxFrames ?? undefined;
  const clipOptions = { cwd: root, maxFrames, seed: 1 };
  const clips = await resolveClips([...evaluation.clips, ...evaluation.synthetic], clipOptions);
  const heldOut = await resolveClips(evaluation.heldOut, clipOptions);
  const cacheDir = join(root, ".codec-evolve", "cache", "baselines");
  const clipFiles = [...clips, ...heldOut].flatMap((c) =>
    "path" in c.source ? [c.source.path] : [],
  );
  const scope = await cacheScope(clipFiles, [
    evaluation.baselines,
    evaluation.qualities,
    maxFrames ?? null,
  ]);
  const cached = await restoreBaselineCache(cacheDir, scope, inputs.cache);
  core.info(cached.restored);

  // 4. Evaluate: candidate vs parent vs baselines.
  const started = Date.now();
  const sandbox = sandboxOptions(config.sandbox, { python: tools.python });
  const result = await evaluateCodec({
    codecPath: candidate,
    clips,
    heldOutClips: heldOut,
    qualities: evaluation.qualities,
    baselines: evaluation.baselines,
    parent: parent ? { codecPath: parent } : null,
    adoption: config.adoption,
    codecParams: evaluation.codecParams,
    sandbox,
    qualityFloorDb: evaluation.qualityFloorDb,
    reconDir: null,
    cacheDir: inputs.cache ? cacheDir : null,
    onEvent: (e) => {
      if (e.type === "baseline-done" || e.type === "rung-done")
        core.info(
          `  ${e.done}/${e.total} ${e.type === "rung-done" ? `${e.codec} ${e.clip} q=${e.quality}` : `${e.baseline} ${e.clip}`}`,
        );
    },
  });
  core.info(`evaluated in ${((Date.now() - started) / 1000).toFixed(1)} s: ${verdictKind(result)}`);
  core.info(await cached.save());

  // 5. Results JSON (the artifact's one file), job summary, artifact.
  const resultsPath = resolve(
    root,
    inputs["results-path"] ?? join(process.env.RUNNER_TEMP ?? root, "codec-evolve", RESULTS_FILE),
  );
  const artifact: ResultsArtifact = {
    format: ARTIFACT_FORMAT,
    ...hints,
    codecPath: config.codec,
    results: { ...result, codec: config.codec },
  };
  await mkdir(dirname(resultsPath), { recursive: true });
  await writeFile(resultsPath, `${JSON.stringify(artifact, null, 2)}\n`);
  const subject = hints.pullRequest
    ? `PR #${hints.pullRequest} at ${hints.headSha?.slice(0, 7)} vs its base ${hints.baseSha?.slice(0, 7)} (untrusted job; the report job posts the check run)`
    : undefined;
  const markdown = renderMarkdown(artifact.results, {
    subject,
    rule: config.adoption,
    maxChars: 1_000_000,
  });
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown).write();
  core.info(await upload(resultsPath));
  return { result: artifact.results, resultsPath, markdown };
}
