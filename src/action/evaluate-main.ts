/**
 * Mode `evaluate`, the untrusted job (pull_request, contents: read, no
 * secrets): the PR head's codec against its parent (the base branch's codec),
 * x265 and the configured baselines, on the base branch's clips with the base
 * branch's evaluator and config. Writes the results JSON, the job summary and
 * the artifact for the report job.
 */
import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { resolveClips } from "../cli/resolve-clips.js";
import { sandboxOptions } from "../cli/sandbox-options.js";
import { loadConfig } from "../config/load-config.js";
import type { Config } from "../config/schema.js";
import { evaluateCodec } from "../evaluate/evaluator.js";
import { pairedTimingLine } from "../evaluate/report/paired-timing-line.js";
import { renderMarkdown, verdictKind } from "../evaluate/report/markdown.js";
import type { EvaluationResult } from "../evaluate/results.js";
import { mergeShardResults, type ShardFile } from "../evaluate/merge-results.js";
import { parseShard, type ShardSpec } from "../evaluate/shard.js";
import {
  ARTIFACT_FORMAT,
  MAX_RESULTS_BYTES,
  readResultsFile,
  RESULTS_FILE,
  ResultsRejected,
  validateResultsArtifact,
  type ResultsArtifact,
} from "../github/results-artifact.js";
import { CACHE_FORMAT } from "../evaluate/baselines/cache.js";
import { PARENT_CACHE_FORMAT } from "../evaluate/parent-cache.js";
import { restoreFolderCache } from "./folder-cache.js";
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

/** A hash of `parts` and the clip files (name and content): what a cache entry's inputs include. */
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
  // A dispatched run has no pull_request event: the plan job's resolve outputs come as inputs.
  const hints = {
    pullRequest: inputs["pull-request"] ?? (pr.success ? pr.data.pull_request.number : null),
    headSha: inputs["head-sha"] ?? (pr.success ? pr.data.pull_request.head.sha : null),
    baseSha: inputs["base-sha"] ?? (pr.success ? pr.data.pull_request.base.sha : null),
  };

  // A shard: this machine's part only, for merge-shards; BD-rates and the verdict come from the merge.
  if (inputs.shard) {
    const shard = parseShard(inputs.shard);
    const result = await evaluateHere(inputs, root, config, candidate, parent, shard);
    const shardPath = resolve(
      root,
      inputs["results-path"] ??
        join(process.env.RUNNER_TEMP ?? root, "codec-evolve", `shard-${shard.index}.json`),
    );
    await mkdir(dirname(shardPath), { recursive: true });
    await writeFile(shardPath, `${JSON.stringify(result, null, 2)}\n`);
    core.info(
      `shard ${shard.index}/${shard.count}: ran ${result.shard?.units.join(", ") || "nothing"}; written to ${shardPath}`,
    );
    return { result, resultsPath: shardPath, markdown: "" };
  }

  // 2-4. Evaluate here, or take results already evaluated (shards to merge, or merged elsewhere), validated as untrusted.
  const result = inputs["merge-shards"]
    ? await mergeShards(root, inputs["merge-shards"], config.codec)
    : inputs["evaluated-results"]
      ? (await readResultsFile(resolve(root, inputs["evaluated-results"]), config.codec)).results
      : await evaluateHere(inputs, root, config, candidate, parent);

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

/**
 * The shard results matching `pattern` (a * in the file name only) merged into
 * one machine's result by merge-results' code. Each shard came from an
 * untrusted job: size-checked before reading, and the merged result validated
 * like an artifact.
 */
async function mergeShards(
  root: string,
  pattern: string,
  codecPath: string,
): Promise<EvaluationResult> {
  const full = resolve(root, pattern);
  const dir = dirname(full);
  const escape = (part: string) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
  const matches = new RegExp(`^${basename(full).split("*").map(escape).join("[^/]*")}$`);
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => matches.test(n));
  if (names.length === 0) {
    throw new Error(
      `merge-shards: no file matches ${pattern} in ${dir}; download the shards' artifacts there first`,
    );
  }
  const files: ShardFile[] = [];
  for (const name of names.sort()) {
    const path = join(dir, name);
    const size = (await stat(path)).size;
    if (size > MAX_RESULTS_BYTES) {
      throw new ResultsRejected(
        `${path}: ${size} bytes is over the ${MAX_RESULTS_BYTES}-byte limit`,
      );
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new ResultsRejected(`${path}: not JSON (${(error as Error).message})`);
    }
    files.push({ path: name, result: parsed as EvaluationResult });
  }
  const merged = mergeShardResults(files);
  core.info(`merged ${files.length} shard results: ${names.join(", ")}`);
  return validateResultsArtifact(merged, `merged ${pattern}`, codecPath).results;
}

/** Steps 2-4 of mode evaluate: tools, clips and baseline cache, the evaluation itself. */
async function evaluateHere(
  inputs: ActionInputs,
  root: string,
  config: Config,
  candidate: string,
  parent: string | null,
  shard?: ShardSpec,
): Promise<EvaluationResult> {
  // 2. Tools on the runner.
  const evaluation = config.evaluation;
  const tools = await ensureTools({
    python: inputs.python ?? config.sandbox.python,
    install: inputs["install-tools"],
    needX265: evaluation.baselines.includes("x265"),
    needJpeg: evaluation.baselines.includes("jpeg"),
    log: (line) => core.info(line),
  });
  for (const line of tools.lines) core.info(line);

  // 3. Clips from the base checkout, and the baseline cache.
  const maxFrames = inputs["max-frames"] ?? evaluation.maxFrames ?? undefined;
  const clipOptions = { cwd: root, maxFrames, seed: 1 };
  const clips = await resolveClips([...evaluation.clips, ...evaluation.synthetic], clipOptions);
  const heldOut = await resolveClips(evaluation.heldOut, clipOptions);
  const cacheDir = join(root, ".codec-evolve", "cache", "baselines");
  const parentCacheDir = join(root, ".codec-evolve", "cache", "parents");
  const clipFiles = [...clips, ...heldOut].flatMap((c) =>
    "path" in c.source ? [c.source.path] : [],
  );
  const scope = await cacheScope(clipFiles, [
    evaluation.baselines,
    evaluation.qualities,
    maxFrames ?? null,
  ]);
  // The parent's entry depends on its code too; the evaluator checks the full key (parent-cache.ts).
  const parentScope =
    parent && !shard
      ? await cacheScope(
          [parent, ...clipFiles],
          [evaluation.qualities, maxFrames ?? null, evaluation.codecParams, config.sandbox],
        )
      : null;
  const [cached, parentCached] = await Promise.all([
    restoreFolderCache(
      {
        dir: cacheDir,
        prefix: `codec-evolve-baselines-v${CACHE_FORMAT}-`,
        scope,
        what: "baseline cache",
        anyScope: true,
      },
      inputs.cache,
    ),
    parentScope
      ? restoreFolderCache(
          {
            dir: parentCacheDir,
            prefix: `codec-evolve-parent-v${PARENT_CACHE_FORMAT}-`,
            scope: parentScope,
            what: "parent cache",
            anyScope: false,
          },
          inputs.cache,
        )
      : null,
  ]);
  core.info(cached.restored);
  if (parentCached) core.info(parentCached.restored);

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
    parentCacheDir: inputs.cache && parent ? parentCacheDir : null,
    ...(shard ? { shard } : {}),
    onEvent: (e) => {
      if (e.type === "baseline-done" || e.type === "rung-done")
        core.info(
          `  ${e.done}/${e.total} ${e.type === "rung-done" ? `${e.codec} ${e.clip} q=${e.quality}` : `${e.baseline} ${e.clip}`}`,
        );
    },
  });
  core.info(`evaluated in ${((Date.now() - started) / 1000).toFixed(1)} s: ${verdictKind(result)}`);
  if (result.environment?.parent) core.info(`parent: ${result.environment.parent}`);
  if (result.pairedTiming) core.info(pairedTimingLine(result.pairedTiming));
  core.info(await cached.save());
  if (parentCached) core.info(await parentCached.save());
  return result;
}
