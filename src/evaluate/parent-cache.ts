/**
 * The parent codec's measured rungs kept between evaluations, so that every
 * pull request against the same base does not run the same parent again.
 *
 * One JSON file per (parent code, clips' samples, ladder, codec parameters,
 * sandbox, Python and numpy, evaluator and scoring code): change any of them
 * and the key changes, so a stale entry is never looked up. What an entry
 * cannot carry across machines is speed, so the evaluator re-times the parent
 * here on a small fixed sample (sampleRungs) and checks that those encodes give
 * the cached bytes; see evaluator.ts.
 *
 * An entry is read as untrusted data (zod: finite numbers, bounded sizes): a
 * malformed or mismatching file counts as absent. Writes are atomic.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { Rung } from "./results.js";

/** Bump when the meaning of an entry changes (2: rungs carry the encoder's CPU-time fps). */
export const PARENT_CACHE_FORMAT = 2;

/** Everything the parent's numbers depend on, besides the machine's speed. */
export interface ParentCacheMaterial {
  parentSha256: string;
  /** Per clip (shown, then held-out): name, size, frames, rate, source and sha256 of its samples. */
  clips: string[];
  /** How many of `clips` are shown (the rest are held-out). */
  shownClips: number;
  qualities: number[];
  /** codecParams as JSON. */
  codecParams: string;
  /** Isolation, limits, allowed imports, guards, Python and numpy versions. */
  sandbox: string;
  /** The evaluator's version and the scoring code's fingerprint. */
  evaluator: string;
}

/** A cached parent: its rungs per clip position, in ladder order. */
export interface ParentCacheEntry {
  format: number;
  key: string;
  material: ParentCacheMaterial;
  encoder: string;
  clips: Rung[][];
}

const finite = z.number().refine(Number.isFinite, "a finite number");
const positive = finite.refine((x) => x > 0, "a positive number");
// A lossless rung has an infinite PSNR; JSON stores it as the string "Infinity".
const psnr = z.union([finite, z.literal("Infinity").transform(() => Infinity)]);
const rungSchema = z.strictObject({
  quality: finite,
  bytes: z.number().int().positive(),
  bitsPerPixel: positive,
  mbps: positive,
  mbps1080p30: positive,
  compressionRatio: positive,
  psnrRgb: psnr,
  ssimRgb: finite,
  psnrY: psnr,
  ssimY: finite,
  encodeFps: positive,
  decodeFps: positive,
  encodeCpuFps: positive.optional(),
  setting: z.string().max(64).optional(),
});
const entrySchema = z.strictObject({
  format: z.literal(PARENT_CACHE_FORMAT),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  material: z.strictObject({
    parentSha256: z.string().regex(/^[0-9a-f]{64}$/),
    clips: z.array(z.string().max(2000)).max(200),
    shownClips: z.number().int().min(0),
    qualities: z.array(finite).max(32),
    codecParams: z.string().max(100_000),
    sandbox: z.string().max(10_000),
    evaluator: z.string().max(1000),
  }),
  encoder: z.string().max(256),
  clips: z.array(z.array(rungSchema).max(32)).max(200),
});

/** The file name (sha256 hex) of the entry for these inputs. */
export function parentCacheKey(material: ParentCacheMaterial): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: PARENT_CACHE_FORMAT, ...material }))
    .digest("hex");
}

/**
 * The entry for `material`, or null when there is none or it does not fit:
 * malformed, another key, or not one rung per quality on every clip.
 */
export async function readParentCache(
  dir: string,
  material: ParentCacheMaterial,
): Promise<ParentCacheEntry | null> {
  const key = parentCacheKey(material);
  let text: string;
  try {
    text = await readFile(join(dir, `${key}.json`), "utf8");
  } catch {
    return null;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = entrySchema.safeParse(raw);
  if (!parsed.success) return null;
  const entry = parsed.data as ParentCacheEntry;
  const fits =
    entry.key === key &&
    JSON.stringify(entry.material) === JSON.stringify(material) &&
    entry.clips.length === material.clips.length &&
    entry.clips.every(
      (rungs) =>
        rungs.length === material.qualities.length &&
        rungs.every((rung, q) => rung.quality === material.qualities[q]),
    );
  return fits ? entry : null;
}

/** Write the entry atomically (temporary file + rename), creating the folder. */
export async function writeParentCache(
  dir: string,
  material: ParentCacheMaterial,
  encoder: string,
  clips: readonly (readonly Rung[])[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const key = parentCacheKey(material);
  const entry: ParentCacheEntry = {
    format: PARENT_CACHE_FORMAT,
    key,
    material,
    encoder,
    clips: clips.map((rungs) => [...rungs]),
  };
  const path = join(dir, `${key}.json`);
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(
    temporary,
    JSON.stringify(
      entry,
      (_k, v: unknown) => (typeof v === "number" && !Number.isFinite(v) ? String(v) : v),
      1,
    ),
  );
  await rename(temporary, path);
}

/**
 * The rungs the parent is re-timed on when its rungs come from the cache: the
 * middle rung of the ladder on every shown clip (encode only). Fixed, so the
 * cached run and this run time the same work.
 */
export function sampleRungs(shownClips: number, rungs: number): { clip: number; rung: number }[] {
  const middle = Math.floor((rungs - 1) / 2);
  return Array.from({ length: shownClips }, (_, clip) => ({ clip, rung: middle }));
}

/**
 * The cached rungs with their wall-clock speeds scaled by `factor` (this machine's
 * encode speed of the sample over the cached run's speed of the same rungs) and their
 * CPU-time speeds by `cpuFactor`, the same ratio per CPU second; without one, the
 * CPU figures are dropped rather than kept unscaled.
 */
export function retimedRungs(rungs: readonly Rung[], factor: number, cpuFactor?: number): Rung[] {
  const cpuKnown = cpuFactor !== undefined && Number.isFinite(cpuFactor) && cpuFactor > 0;
  return rungs.map(({ encodeCpuFps, ...rung }) => ({
    ...rung,
    encodeFps: rung.encodeFps * factor,
    decodeFps: rung.decodeFps * factor,
    ...(cpuKnown && encodeCpuFps !== undefined ? { encodeCpuFps: encodeCpuFps * cpuFactor } : {}),
  }));
}
