/** `codec-evolve evaluate CODEC.py [...]`: score one codec on clips, print tables, write JSON. */
import { randomInt } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { loadConfig } from "../../config/load-config.js";
import { evaluateCodec } from "../../evaluate/evaluator.js";
import { renderEvaluation } from "../../evaluate/report/rd-table.js";
import type { CliIo } from "../cli-io.js";
import { CLIP_FLAGS, CONFIG_FLAGS, SANDBOX_FLAGS } from "../common-flags.js";
import { EXIT } from "../exit-error.js";
import { defineCommand, flag } from "../flags.js";
import { progressRenderer } from "../progress.js";
import { sandboxOptions } from "../sandbox-options.js";
import { resolveClips } from "../resolve-clips.js";

/** The evaluate command's arguments and flags; its usage text is generated from them. */
export const EVALUATE = defineCommand({
  name: "evaluate",
  args: "CODEC.py",
  positionals: { min: 1, max: 1 },
  flags: {
    ...CLIP_FLAGS,
    parent: flag.string("OLD.py", 'also run OLD.py on the same frames and report BD-rate "parent"'),
    json: flag.string("OUT.json", "write the results JSON"),
    recon: flag.string(
      "DIR",
      "write source/decoded rgb24 and length-prefixed payloads per clip and rung",
    ),
    seed: flag.integer("N", "seed of synthetic clips (default: random, printed)", { min: 0 }),
    "quality-floor": flag.number("DB", "fail a rung below this PSNR-RGB (default: config, 20)"),
    ...SANDBOX_FLAGS,
    "no-cache": flag.boolean("measure baselines again instead of reusing cached results"),
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
  const { config, source } = await loadConfig(io.cwd, values.config);
  const evaluation = config.evaluation;
  const sandbox = sandboxOptions(config.sandbox, values);
  // Every flag was checked by parse(), before any clip is read, so a typo fails fast.
  const qualities = values.quality ?? evaluation.qualities;
  const baselines = values.baseline ?? evaluation.baselines;
  const qualityFloorDb = values["quality-floor"] ?? evaluation.qualityFloorDb;
  const seed = values.seed ?? randomInt(2 ** 31);
  const maxFrames = values["max-frames"] ?? evaluation.maxFrames ?? undefined;
  const clipOptions = { cwd: io.cwd, maxFrames, seed };
  const clipSpecs = values.clip ?? [...evaluation.clips, ...evaluation.synthetic];
  const clips = await resolveClips(clipSpecs, clipOptions);
  const heldOutClips = await resolveClips(values["held-out"] ?? evaluation.heldOut, clipOptions);

  io.stderr.write(`config: ${source}\n`);
  if (clips.some((clip) => clip.source.kind === "synthetic")) {
    io.stderr.write(`synthetic clips seeded with ${seed} (rerun with --seed ${seed})\n`);
  }

  const progress = progressRenderer(io.stderr);
  const result = await evaluateCodec({
    codecPath: resolve(io.cwd, positionals[0]!),
    clips,
    heldOutClips,
    qualities,
    baselines,
    parent: values.parent ? { codecPath: resolve(io.cwd, values.parent) } : null,
    adoption: config.adoption,
    codecParams: evaluation.codecParams,
    sandbox,
    qualityFloorDb,
    reconDir: values.recon ? resolve(io.cwd, values.recon) : null,
    cacheDir: values["no-cache"] ? null : resolve(io.cwd, ".codec-evolve/cache/baselines"),
    onEvent: progress.onEvent,
  }).finally(progress.stop);

  io.stdout.write(`${renderEvaluation(result)}\n`);
  if (values.json) {
    const out = resolve(io.cwd, values.json);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, `${JSON.stringify(result, null, 2)}\n`);
    io.stderr.write(`results written to ${out}\n`);
  }
  return result.status === "ok" ? EXIT.ok : EXIT.codecFailed;
}
