/** `codec-evolve evaluate CODEC.py [...]`: score one codec on clips, print tables, write JSON. */
import { randomInt } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadConfig } from "../../config/load-config.js";
import { BASELINE_NAMES, type BaselineName } from "../../evaluate/baselines/index.js";
import { evaluateCodec } from "../../evaluate/evaluator.js";
import { renderEvaluation } from "../../evaluate/report/rd-table.js";
import type { CliIo } from "../cli-io.js";
import { EXIT, ExitError } from "../exit-error.js";
import { progressRenderer } from "../progress.js";
import { sandboxOptions } from "../sandbox-options.js";
import { resolveClips } from "../resolve-clips.js";

export const EVALUATE_USAGE = `usage: codec-evolve evaluate CODEC.py [options]

  --clip FILE|GLOB|synthetic:KIND[:WxH[:N]]  clip to score (repeatable; default: config evaluation.clips)
  --held-out FILE|GLOB   clip scored for the verdict but reported only in aggregate (repeatable)
  --quality LIST         quality ladder, e.g. 20,35,50,65,80 (BD-rate needs at least 4 rungs)
  --baseline LIST        reference encoders: ${BASELINE_NAMES.join(",")} ("none" for none)
  --parent OLD.py        also run OLD.py on the same frames and report BD-rate "parent"
  --json OUT.json        write the results JSON
  --recon DIR            write source/decoded rgb24 and length-prefixed payloads per clip and rung
  --max-frames N         read at most N frames per clip
  --seed N               seed of synthetic clips (default: random, printed)
  --quality-floor DB     fail a rung below this PSNR-RGB (default: config, 20)
  --isolation MODE       auto | bubblewrap | none
  --python PATH          Python with numpy for the sandbox
  --no-cache             measure baselines again instead of reusing cached results
  --config FILE          repository config (default .github/codec-evolve.yml)`;

function parseList(flag: string, value: string): string[] {
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new ExitError(`${flag}: empty list`, EXIT.usage);
  return items;
}

function parseNumber(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (!Number.isFinite(number))
    throw new ExitError(`${flag}: "${value}" is not a number`, EXIT.usage);
  return number;
}

/** Parse --quality: integers 0..100; fewer than 4 are measured and reported without BD-rate. */
export function parseQualities(value: string): number[] {
  const qualities = parseList("--quality", value).map((item) => Number(item));
  const bad = qualities.find((q) => !Number.isInteger(q) || q < 0 || q > 100);
  if (bad !== undefined) {
    throw new ExitError(`--quality: ${bad} is not an integer from 0 to 100`, EXIT.usage);
  }
  return qualities;
}

/** Parse --baseline: names from BASELINE_NAMES, or "none". */
export function parseBaselines(value: string): BaselineName[] {
  if (value.trim() === "none") return [];
  return parseList("--baseline", value).map((name) => {
    if (!(BASELINE_NAMES as readonly string[]).includes(name)) {
      throw new ExitError(
        `--baseline: unknown encoder "${name}" (choose from ${BASELINE_NAMES.join(", ")}, or none)`,
        EXIT.usage,
      );
    }
    return name as BaselineName;
  });
}

/** Run the evaluate command; returns the exit code. */
export async function evaluateCommand(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      clip: { type: "string", multiple: true },
      "held-out": { type: "string", multiple: true },
      quality: { type: "string" },
      baseline: { type: "string" },
      parent: { type: "string" },
      json: { type: "string" },
      recon: { type: "string" },
      "max-frames": { type: "string" },
      seed: { type: "string" },
      "quality-floor": { type: "string" },
      isolation: { type: "string" },
      python: { type: "string" },
      "no-cache": { type: "boolean" },
      config: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    io.stdout.write(`${EVALUATE_USAGE}\n`);
    return EXIT.ok;
  }
  if (positionals.length !== 1) {
    throw new ExitError(`expected exactly one CODEC.py\n\n${EVALUATE_USAGE}`, EXIT.usage);
  }
  const { config, source } = await loadConfig(io.cwd, values.config);
  const evaluation = config.evaluation;
  const sandbox = sandboxOptions(config.sandbox, values);
  // Every flag is checked before any clip is read, so a typo fails fast.
  const qualities = values.quality ? parseQualities(values.quality) : evaluation.qualities;
  const baselines = values.baseline ? parseBaselines(values.baseline) : evaluation.baselines;
  const qualityFloorDb =
    parseNumber("--quality-floor", values["quality-floor"]) ?? evaluation.qualityFloorDb;
  const seed = parseNumber("--seed", values.seed) ?? randomInt(2 ** 31);
  const maxFrames =
    parseNumber("--max-frames", values["max-frames"]) ?? evaluation.maxFrames ?? undefined;
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
