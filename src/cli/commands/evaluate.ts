/** `codec-evolve evaluate CODEC.py [...]`: score one codec on clips, print tables, write JSON. */
import { randomInt } from "node:crypto";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { existsSync } from "node:fs";
import { loadConfig } from "../../config/load-config.js";
import { statePaths } from "../../evolve/state-paths.js";
import { findRepositoryRoot } from "../../evolve/store/repository-root.js";
import { evaluateCodec } from "../../evaluate/evaluator.js";
import { renderMarkdown } from "../../evaluate/report/markdown.js";
import { renderEvaluation } from "../../evaluate/report/rd-table.js";
import { writeCharts } from "../../charts/write-charts.js";
import { writeVisuals } from "../../visual/write-visual.js";
import { readLedger } from "../../evolve/ledger/ledger-file.js";
import type { CliIo } from "../cli-io.js";
import { CLIP_FLAGS, CONFIG_FLAGS, SANDBOX_FLAGS } from "../common-flags.js";
import { EXIT, ExitError } from "../exit-error.js";
import { handleInterrupts } from "../interrupts.js";
import { defineCommand, flag, rejectValue } from "../flags.js";
import { parseShard } from "../../evaluate/shard.js";
import { progressRenderer } from "../progress.js";
import { sandboxOptions } from "../sandbox-options.js";
import { resolveClipSets } from "../resolve-clips.js";

/** The evaluate command's arguments and flags; its usage text is generated from them. */
export const EVALUATE = defineCommand({
  name: "evaluate",
  args: "CODEC.py",
  positionals: { min: 1, max: 1 },
  flags: {
    ...CLIP_FLAGS,
    parent: flag.string("OLD.py", 'also run OLD.py on the same frames and report BD-rate "parent"'),
    json: flag.string("OUT.json", "write the results JSON"),
    markdown: flag.string(
      "OUT.md",
      "write the report as GitHub markdown (the Action's check-run summary, comment and job summary)",
    ),
    recon: flag.string(
      "DIR",
      "write source/decoded rgb24 and length-prefixed payloads per clip and rung",
    ),
    charts: flag.string(
      "DIR",
      "write RD charts per clip (and the timeline, given a ledger) as SVG and PNG",
    ),
    visual: flag.string(
      "DIR",
      "write PNG crops of source, candidate and x265 side by side (worst region and centre)",
    ),
    seed: flag.integer("N", "seed of synthetic clips (default: random, printed)", { min: 0 }),
    "quality-floor": flag.number("DB", "fail a rung below this PSNR-RGB (default: config, 20)"),
    ...SANDBOX_FLAGS,
    "no-cache": flag.boolean("measure baselines again instead of reusing cached results"),
    shard: flag.custom(
      "I/N",
      "run only shard I of N of the clip × rung work; merge the shards' --json files\nwith merge-results (the split is described in the README)",
      (text, name) => {
        try {
          return parseShard(text);
        } catch {
          return rejectValue(name, text, "I/N with 1 ≤ I ≤ N, e.g. 2/4");
        }
      },
    ),
    jobs: flag.integer("N", "clip × rung jobs at once (default: cores and free memory)", {
      min: 1,
    }),
    ...CONFIG_FLAGS,
  },
});

/** Run the evaluate command; returns the exit code. */
export async function evaluateCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values, positionals } = EVALUATE.parse(argv);
  if (help) {
    io.stdout.write(`${EVALUATE.usage}\n`);
    return EXIT.ok;
  }
  const codecPath = resolve(io.cwd, positionals[0]!);
  const parentPath = values.parent ? resolve(io.cwd, values.parent) : null;
  for (const [what, path] of [
    ["codec", codecPath],
    ["--parent codec", parentPath],
  ] as const) {
    if (path !== null && !existsSync(path)) {
      throw new ExitError(`${what} file ${path} does not exist`, EXIT.usage);
    }
  }
  // Config and cache live at the repository root, as for the other commands; outside a repository, here.
  const repoDir = (await findRepositoryRoot(io.cwd).catch(() => null)) ?? io.cwd;
  const { config, source } = await loadConfig(repoDir, values.config);
  const evaluation = config.evaluation;
  const sandbox = sandboxOptions(config.sandbox, values);
  // Every flag was checked by parse(), before any clip is read, so a typo fails fast.
  const qualities = values.quality ?? evaluation.qualities;
  const baselines = values.baseline ?? evaluation.baselines;
  const qualityFloorDb = values["quality-floor"] ?? evaluation.qualityFloorDb;
  const seed = values.seed ?? randomInt(2 ** 31);
  const maxFrames = values["max-frames"] ?? evaluation.maxFrames ?? undefined;
  const { clips, heldOutClips } = await resolveClipSets(values, evaluation, {
    cwd: io.cwd,
    repoDir,
    maxFrames,
    seed,
  });

  io.stderr.write(`config: ${source}\n`);
  if (clips.some((clip) => clip.source.kind === "synthetic")) {
    io.stderr.write(`synthetic clips seeded with ${seed} (rerun with --seed ${seed})\n`);
  }

  // --visual reads the decoded frames back from the recon files: a scratch folder when --recon is not given.
  const reconDir = values.recon
    ? resolve(io.cwd, values.recon)
    : values.visual
      ? await mkdtemp(join(tmpdir(), "codec-evolve-recon-"))
      : null;
  const progress = progressRenderer(io.stderr);
  // Ctrl-C ends at once, but never leaves the codec or ffmpeg running in their own groups.
  const stopHandlingInterrupts = handleInterrupts({ beforeExit: progress.stop });
  const result = await evaluateCodec({
    codecPath,
    clips,
    heldOutClips,
    qualities,
    baselines,
    parent: parentPath ? { codecPath: parentPath } : null,
    adoption: config.adoption,
    codecParams: evaluation.codecParams,
    sandbox,
    qualityFloorDb,
    reconDir,
    cacheDir: values["no-cache"] ? null : statePaths(repoDir).baselineCache,
    onEvent: progress.onEvent,
    ...(values.shard ? { shard: values.shard } : {}),
    ...(values.jobs ? { jobs: values.jobs } : {}),
  }).finally(() => {
    stopHandlingInterrupts();
    progress.stop();
  });

  if (result.shard) {
    io.stdout.write(
      `shard ${result.shard.index}/${result.shard.count}: ran ${result.shard.units.join(", ") || "nothing"}; ` +
        `BD-rates and the verdict come from merge-results over all ${result.shard.count} shards\n`,
    );
  } else {
    io.stdout.write(`${renderEvaluation(result)}\n`);
  }
  if (values.json) {
    const out = resolve(io.cwd, values.json);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    io.stderr.write(`results written to ${out}\n`);
  }
  if (values.charts) {
    const dir = resolve(io.cwd, values.charts);
    // The timeline needs a ledger: the one of this repository, when there is one.
    const { records } = await readLedger(statePaths(repoDir).ledger);
    const written = await writeCharts(result, dir, { records });
    io.stderr.write(`${written.length} chart(s) written to ${dir} (SVG and PNG)\n`);
  }
  if (values.visual && reconDir) {
    const dir = resolve(io.cwd, values.visual);
    try {
      const written = await writeVisuals(result, reconDir, dir);
      io.stderr.write(`${written.length} comparison picture(s) written to ${dir}\n`);
    } finally {
      if (!values.recon) await rm(reconDir, { recursive: true, force: true });
    }
  }
  if (values.markdown) {
    const out = resolve(io.cwd, values.markdown);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, renderMarkdown(result, { rule: config.adoption }));
    io.stderr.write(`markdown report written to ${out}\n`);
  }
  return result.status === "ok" ? EXIT.ok : EXIT.codecFailed;
}
