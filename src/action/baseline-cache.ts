/**
 * Baseline measurements kept between runs with the Actions cache. The
 * evaluator's own cache folder is content-addressed (one file per clip
 * samples × encoder × version × settings × scoring code, src/evaluate/
 * baselines/cache.ts), so restoring the newest entry for these inputs is
 * always safe: a stale file is simply never looked up. A new entry is saved
 * only when the run added files, under a key that names the folder's content.
 */
import * as cache from "@actions/cache";
import { createHash } from "node:crypto";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { CACHE_FORMAT } from "../evaluate/baselines/cache.js";

const PREFIX = `codec-evolve-baselines-v${CACHE_FORMAT}-`;

/** Names and sizes of the folder's files, hashed; "" when empty or absent. */
export async function folderDigest(dir: string): Promise<string> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith(".json"))
    .sort();
  if (names.length === 0) return "";
  const hash = createHash("sha256");
  for (const name of names) hash.update(`${name} ${(await stat(join(dir, name))).size}\n`);
  return hash.digest("hex").slice(0, 16);
}

export interface CacheHandle {
  /** What happened on restore, for the log. */
  restored: string;
  /** Save if the folder changed; returns a line for the log. */
  save(): Promise<string>;
}

/** Restore the newest cache for `scope` (a hash of the evaluation inputs) into `dir`. */
export async function restoreBaselineCache(
  dir: string,
  scope: string,
  enabled: boolean,
): Promise<CacheHandle> {
  const skip = (why: string): CacheHandle => ({ restored: why, save: async () => why });
  if (!enabled) return skip("baseline cache: off (input cache: false)");
  if (!cache.isFeatureAvailable()) {
    return skip(
      "baseline cache: Actions cache service not available here; using the local folder only",
    );
  }
  let hit: string | undefined;
  try {
    hit = await cache.restoreCache([dir], `${PREFIX}${scope}`, [`${PREFIX}${scope}-`, PREFIX]);
  } catch (error) {
    return skip(`baseline cache: restore failed (${(error as Error).message}); measuring afresh`);
  }
  const before = await folderDigest(dir);
  return {
    restored: hit ? `baseline cache: restored ${hit}` : "baseline cache: cold (no entry yet)",
    async save() {
      const after = await folderDigest(dir);
      if (after === "" || after === before) return "baseline cache: unchanged, not saved";
      const key = `${PREFIX}${scope}-${after}`;
      try {
        await cache.saveCache([dir], key);
        return `baseline cache: saved ${key}`;
      } catch (error) {
        return `baseline cache: not saved (${(error as Error).message})`;
      }
    },
  };
}
