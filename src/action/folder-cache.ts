/**
 * A folder of content-addressed measurements kept between runs with the
 * Actions cache: the baseline cache (one file per clip samples × encoder ×
 * version × settings × scoring code, src/evaluate/baselines/cache.ts) and the
 * parent cache (one file per parent code × clips × ladder × sandbox × evaluator,
 * src/evaluate/parent-cache.ts). A file is only ever looked up by the hash of
 * its inputs, so restoring an older entry is safe: a stale file is simply
 * never read. A new entry is saved only when the run added files, under a key
 * that names the folder's content.
 *
 * Who can write what a run restores: GitHub scopes caches by ref. A
 * pull_request run restores from its own PR's ref and from the base branch,
 * and saves only to its own PR's ref, so one PR can never plant an entry that
 * another PR restores; entries every PR sees come from runs on the base branch.
 * The README ("Use it in your repository") gives the full reasoning.
 */
import * as cache from "@actions/cache";
import { createHash } from "node:crypto";
import { mkdir, readdir, stat } from "node:fs/promises";
import { dirname, join } from "node:path";

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

export interface FolderCache {
  /** The folder the evaluator reads and writes. */
  dir: string;
  /** Key prefix naming the kind and its format, e.g. "codec-evolve-baselines-v1-". */
  prefix: string;
  /** A hash of what the folder's entries depend on in this run. */
  scope: string;
  /** In the log: "baseline cache", "parent cache". */
  what: string;
  /** Also restore the newest entry of another scope (its files may still be looked up). */
  anyScope: boolean;
}

/** Restore the newest Actions cache entry for the folder; `enabled` false does nothing. */
export async function restoreFolderCache(
  folder: FolderCache,
  enabled: boolean,
): Promise<CacheHandle> {
  const { dir, prefix, scope, what } = folder;
  const skip = (why: string): CacheHandle => ({ restored: why, save: async () => why });
  if (!enabled) return skip(`${what}: off (input cache: false)`);
  if (!cache.isFeatureAvailable()) {
    return skip(`${what}: Actions cache service not available here; using the local folder only`);
  }
  let hit: string | undefined;
  try {
    // The Action restores its folders side by side, and two GNU tar processes creating the same
    // missing parent at once lose the race about one time in three ("Cannot mkdir", exit 2),
    // which the client reports as a miss. With the parent made first, each tar makes only its own.
    await mkdir(dirname(dir), { recursive: true });
    const restoreKeys = [`${prefix}${scope}-`, ...(folder.anyScope ? [prefix] : [])];
    hit = await cache.restoreCache([dir], `${prefix}${scope}`, restoreKeys);
  } catch (error) {
    return skip(`${what}: restore failed (${(error as Error).message}); measuring afresh`);
  }
  const before = await folderDigest(dir);
  return {
    restored: hit ? `${what}: restored ${hit}` : `${what}: cold (no entry yet)`,
    async save() {
      const after = await folderDigest(dir);
      if (after === "" || after === before) return `${what}: unchanged, not saved`;
      const key = `${prefix}${scope}-${after}`;
      try {
        // saveCache logs and returns -1 instead of throwing when the service refused the entry.
        const id = await cache.saveCache([dir], key);
        return id === -1
          ? `${what}: not saved (the cache service did not take ${key})`
          : `${what}: saved ${key}`;
      } catch (error) {
        return `${what}: not saved (${(error as Error).message})`;
      }
    },
  };
}
