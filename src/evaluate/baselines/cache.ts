/**
 * On-disk cache of baseline measurements, one JSON file per (clip samples,
 * baseline, tool versions, settings, scoring code). It holds every knob value
 * ever measured on that clip, not one finished ladder: a later candidate with
 * other rates reuses whatever encodes it shares with earlier ones, and the
 * same candidate again spawns nothing.
 *
 * Writes are atomic (temporary file + rename), so a reader never sees half a
 * file; two writers racing lose at most some entries of one another, which
 * only costs a re-encode. An unreadable or malformed file counts as empty.
 */
import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { QualityMetrics } from "../results.js";

/** Bump when the meaning of a cached entry changes. */
export const CACHE_FORMAT = 1;

/** What is known about one knob value on one clip. */
export interface CachedKnob {
  bytes: number;
  encodeSeconds: number;
  /** Present once the stream has been decoded and scored. */
  quality?: QualityMetrics;
  decodeSeconds?: number;
}

export interface CacheKeyMaterial {
  baseline: string;
  version: string;
  settings: string;
  samplesHash: string;
  scoringHash: string;
}

interface CacheFile {
  format: number;
  key: CacheKeyMaterial;
  knobs: Record<string, CachedKnob>;
}

/** The cache file name (sha256 hex) for these inputs. */
export function cacheKey(material: CacheKeyMaterial): string {
  return createHash("sha256")
    .update(JSON.stringify({ format: CACHE_FORMAT, ...material }))
    .digest("hex");
}

/** Knob value → cached measurement; empty when there is no usable file. */
export async function readCache(dir: string, key: string): Promise<Map<number, CachedKnob>> {
  let text: string;
  try {
    text = await readFile(join(dir, `${key}.json`), "utf8");
  } catch {
    return new Map();
  }
  try {
    const file = JSON.parse(text, reviveNonFinite) as CacheFile;
    if (file.format !== CACHE_FORMAT || typeof file.knobs !== "object" || file.knobs === null) {
      return new Map();
    }
    const knobs = new Map<number, CachedKnob>();
    for (const [knob, entry] of Object.entries(file.knobs)) {
      if (isCachedKnob(entry)) knobs.set(Number(knob), entry);
    }
    return knobs;
  } catch {
    return new Map();
  }
}

/** Writes the cache file atomically, creating the folder if needed. */
export async function writeCache(
  dir: string,
  key: string,
  material: CacheKeyMaterial,
  knobs: ReadonlyMap<number, CachedKnob>,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file: CacheFile = {
    format: CACHE_FORMAT,
    key: material,
    knobs: Object.fromEntries([...knobs].sort(([a], [b]) => a - b)),
  };
  const path = join(dir, `${key}.json`);
  const temporary = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temporary, JSON.stringify(file, keepNonFinite, 1));
  await rename(temporary, path);
}

/** JSON has no Infinity (a lossless rung's PSNR): store non-finite numbers as strings. */
function keepNonFinite(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? String(value) : value;
}

function reviveNonFinite(_key: string, value: unknown): unknown {
  return value === "Infinity" || value === "-Infinity" || value === "NaN" ? Number(value) : value;
}

function isCachedKnob(value: unknown): value is CachedKnob {
  if (typeof value !== "object" || value === null) return false;
  const entry = value as Record<string, unknown>;
  const positive = (x: unknown): boolean => typeof x === "number" && Number.isFinite(x) && x > 0;
  if (!positive(entry.bytes) || !Number.isInteger(entry.bytes) || !positive(entry.encodeSeconds)) {
    return false;
  }
  if (entry.quality === undefined) return true;
  const quality = entry.quality as Record<string, unknown> | null;
  return (
    typeof quality === "object" &&
    quality !== null &&
    ["psnrRgb", "ssimRgb", "psnrY", "ssimY"].every((k) => typeof quality[k] === "number") &&
    positive(entry.decodeSeconds)
  );
}
