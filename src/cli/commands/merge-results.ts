/** `codec-evolve merge-results A.json B.json ... --json ALL.json`: one result from the shards of `evaluate --shard I/N`. */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { mergeShardResults, MergeError, type ShardFile } from "../../evaluate/merge-results.js";
import { renderEvaluation } from "../../evaluate/report/rd-table.js";
import type { EvaluationResult } from "../../evaluate/results.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, ExitError } from "../exit-error.js";
import { defineCommand, flag } from "../flags.js";

/** The merge-results command's arguments and flags. */
export const MERGE_RESULTS = defineCommand({
  name: "merge-results",
  args: "SHARD.json...",
  positionals: { min: 1, max: 10_000 },
  flags: {
    json: flag.string("OUT.json", "write the merged results JSON"),
  },
});

/** Enough of a results file to merge it; the merge itself checks the rest. */
const SHARD_FILE = z
  .object({
    codec: z.string(),
    status: z.enum(["ok", "failed"]),
    clips: z.array(
      z.object({ name: z.string(), rungs: z.array(z.object({}).passthrough()) }).passthrough(),
    ),
    shard: z
      .object({
        index: z.number().int().positive(),
        count: z.number().int().positive(),
        units: z.array(z.string()),
        identity: z.object({}).passthrough(),
        heldOutClips: z.array(z.object({}).passthrough()),
        baselineTargets: z.record(z.string(), z.array(z.number())),
        parentRungs: z.record(z.string(), z.record(z.string(), z.unknown())),
        parentEncoder: z.string().nullable(),
      })
      .optional(),
  })
  .passthrough();

/** Run merge-results; returns the exit code (the merged result's, as evaluate would return it). */
export async function mergeResultsCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values, positionals } = MERGE_RESULTS.parse(argv);
  if (help) {
    io.stdout.write(`${MERGE_RESULTS.usage}\n`);
    return EXIT.ok;
  }
  const files: ShardFile[] = [];
  for (const name of positionals) {
    const path = resolve(io.cwd, name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(path, "utf8"));
    } catch (error) {
      throw new ExitError(
        `${name}: cannot read a results JSON: ${(error as Error).message}`,
        EXIT.usage,
      );
    }
    const checked = SHARD_FILE.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw new ExitError(
        `${name}: not a results JSON of codec-evolve evaluate (${issue?.path.join(".") || "top level"}: ${issue?.message})`,
        EXIT.usage,
      );
    }
    files.push({ path: name, result: checked.data as unknown as EvaluationResult });
  }
  let merged: EvaluationResult;
  try {
    merged = mergeShardResults(files);
  } catch (error) {
    if (error instanceof MergeError) throw new ExitError(error.message, EXIT.usage);
    throw error;
  }
  io.stdout.write(`${renderEvaluation(merged)}\n`);
  if (values.json) {
    const out = resolve(io.cwd, values.json);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(merged, null, 2)}\n`);
    io.stderr.write(`merged results of ${files.length} shards written to ${out}\n`);
  }
  return merged.status === "ok" ? EXIT.ok : EXIT.codecFailed;
}
