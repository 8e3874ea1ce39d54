/** Turns clip arguments (paths, `dir/*.ext` globs, synthetic specs) into clip streams. */
import { readdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { EvaluationConfig } from "../config/schema.js";
import type { ClipStream } from "../evaluate/clips/clip-stream.js";
import { openClip } from "../evaluate/clips/load-clip.js";
import { ExitError, EXIT } from "./exit-error.js";

/** Expand `*` and `?` in the file-name part of a path; other parts are taken literally. */
export async function expandPattern(pattern: string, cwd: string): Promise<string[]> {
  const full = resolve(cwd, pattern);
  const name = basename(full);
  if (!/[*?]/.test(name)) return [full];
  const dir = dirname(full);
  const regex = new RegExp(
    "^" +
      name
        .replace(/[.+^${}()|[\]\\]/g, "\\$&")
        .replace(/\*/g, ".*")
        .replace(/\?/g, ".") +
      "$",
  );
  const entries = await readdir(dir).catch(() => {
    throw new ExitError(`clip pattern ${pattern}: folder ${dir} does not exist`, EXIT.usage);
  });
  const matches = entries.filter((entry) => regex.test(entry)).sort();
  if (matches.length === 0) {
    throw new ExitError(`clip pattern ${pattern} matches no file in ${dir}`, EXIT.usage);
  }
  return matches.map((entry) => resolve(dir, entry));
}

/** Open every clip named by specs, in order (headers only: frames are read while evaluating); synthetic clips get `seed`. */
export async function resolveClips(
  specs: readonly string[],
  opts: { cwd: string; maxFrames?: number; seed: number },
): Promise<ClipStream[]> {
  const clips: ClipStream[] = [];
  for (const spec of specs) {
    const paths = spec.startsWith("synthetic:") ? [spec] : await expandPattern(spec, opts.cwd);
    for (const path of paths) {
      clips.push(await openClip(path, { maxFrames: opts.maxFrames, seed: opts.seed }));
    }
  }
  const names = clips.map((clip) => clip.name);
  const duplicate = names.find((name, i) => names.indexOf(name) !== i);
  if (duplicate) {
    throw new ExitError(
      `two clips are named ${duplicate}: rename one (names key reports and --recon files)`,
      EXIT.usage,
    );
  }
  return clips;
}

/**
 * The shown and held-out clips of a command: from --clip/--held-out, relative
 * to the working directory, else from the config, relative to the repository
 * root (where the config lives), whatever folder the command runs in.
 */
export async function resolveClipSets(
  flags: { clip?: readonly string[] | undefined; "held-out"?: readonly string[] | undefined },
  evaluation: Pick<EvaluationConfig, "clips" | "synthetic" | "heldOut">,
  opts: { cwd: string; repoDir: string; maxFrames?: number; seed: number },
): Promise<{ clips: ClipStream[]; heldOutClips: ClipStream[] }> {
  const load = (given: readonly string[] | undefined, configured: readonly string[]) =>
    resolveClips(given ?? configured, {
      cwd: given ? opts.cwd : opts.repoDir,
      maxFrames: opts.maxFrames,
      seed: opts.seed,
    });
  const clips = await load(flags.clip, [...evaluation.clips, ...evaluation.synthetic]);
  const heldOutClips = await load(flags["held-out"], evaluation.heldOut);
  return { clips, heldOutClips };
}
