/** Turns clip arguments (paths, `dir/*.ext` globs, synthetic specs) into loaded clips. */
import { readdir } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import type { Clip } from "../evaluate/clips/clip.js";
import { loadClip } from "../evaluate/clips/load-clip.js";
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

/** Load every clip named by specs, in order; synthetic clips get `seed`. */
export async function resolveClips(
  specs: readonly string[],
  opts: { cwd: string; maxFrames?: number; seed: number },
): Promise<Clip[]> {
  const clips: Clip[] = [];
  for (const spec of specs) {
    const paths = spec.startsWith("synthetic:") ? [spec] : await expandPattern(spec, opts.cwd);
    for (const path of paths) {
      clips.push(await loadClip(path, { maxFrames: opts.maxFrames, seed: opts.seed }));
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
