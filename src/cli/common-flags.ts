/** Flags several commands share, declared once: clips and ladder, sandbox, config. */
import { BASELINE_NAMES, type BaselineName } from "../evaluate/baselines/index.js";
import { flag, readList, rejectValue } from "./flags.js";

/**
 * Read --quality: integers 0..100, at least `minRungs`. evaluate takes any
 * ladder (a short one is measured and reported without BD-rate); evolve needs
 * 4, since adoption rests on BD-rate.
 */
export function readQualities(text: string, name = "quality", minRungs = 1): number[] {
  const qualities = readList(text, name).map((item) => Number(item));
  const bad = readList(text, name).find((_, i) => {
    const q = qualities[i]!;
    return !Number.isInteger(q) || q < 0 || q > 100;
  });
  if (bad !== undefined) rejectValue(name, bad, "an integer from 0 to 100");
  if (qualities.length < minRungs) {
    rejectValue(
      name,
      text,
      `a ladder of at least ${minRungs} rungs (BD-rate needs 4), got ${qualities.length}`,
    );
  }
  return qualities;
}

/** Read --baseline: names from BASELINE_NAMES, or "none". */
export function readBaselines(text: string, name = "baseline"): BaselineName[] {
  if (text.trim() === "none") return [];
  return readList(text, name).map((item) =>
    (BASELINE_NAMES as readonly string[]).includes(item)
      ? (item as BaselineName)
      : rejectValue(name, item, `a reference encoder (${BASELINE_NAMES.join(", ")}, or none)`),
  );
}

/** What is scored: clips, held-out clips, ladder, references, frame count. */
export const CLIP_FLAGS = {
  clip: flag.strings(
    "FILE|GLOB|synthetic:KIND[:WxH[:N]]",
    "clip to score (default: config evaluation.clips)",
  ),
  "held-out": flag.strings(
    "FILE|GLOB",
    "clip scored for the verdict but reported only in aggregate",
  ),
  quality: flag.custom(
    "LIST",
    "quality ladder, e.g. 20,35,50,65,80 (BD-rate needs at least 4 rungs)",
    (text: string) => readQualities(text),
  ),
  baseline: flag.custom(
    "LIST",
    `reference encoders: ${BASELINE_NAMES.join(",")} ("none" for none)`,
    readBaselines,
  ),
  "max-frames": flag.integer("N", "read at most N frames per clip", { min: 1 }),
};

/** evolve's --quality: adoption rests on BD-rate, so at least 4 rungs. */
export const EVOLVE_QUALITY_FLAG = flag.custom(
  "LIST",
  "quality ladder, e.g. 20,35,50,65,80 (at least 4 rungs: adoption needs BD-rate)",
  (text: string) => readQualities(text, "quality", 4),
);

/** How the codec's sandbox runs: overrides of the config's sandbox section. */
export const SANDBOX_FLAGS = {
  isolation: flag.choice("MODE", ["auto", "bubblewrap", "none"], "auto | bubblewrap | none"),
  python: flag.string("PATH", "Python with numpy for the sandbox"),
};

/** The repository config file. */
export const CONFIG_FLAGS = {
  config: flag.string("FILE", "repository config (default .github/codec-evolve.yml)"),
};
