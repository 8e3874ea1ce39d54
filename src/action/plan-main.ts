/**
 * Mode `plan`, the evaluate workflow's plan step: how many machines score the
 * pull request, from `evaluation.shards` in the base commit's config, read and
 * validated by the same schema as every other field (an invalid config fails
 * here, with the field named, rather than on every shard).
 */
import * as core from "@actions/core";
import { resolve } from "node:path";
import { loadConfig } from "../config/load-config.js";
import type { ActionInputs } from "./inputs.js";

export interface ShardPlan {
  shards: number;
  /** 1..shards, for a matrix. */
  list: number[];
}

/** Run mode plan: the shard count of the config in `working-directory`. */
export async function planMain(inputs: ActionInputs): Promise<ShardPlan> {
  const root = resolve(
    inputs["working-directory"] ?? process.env.GITHUB_WORKSPACE ?? process.cwd(),
  );
  const { config, source } = await loadConfig(root, inputs.config);
  const shards = config.evaluation.shards;
  core.info(`config: ${source}; evaluation.shards = ${shards}`);
  return { shards, list: Array.from({ length: shards }, (_, i) => i + 1) };
}
