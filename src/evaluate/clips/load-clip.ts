/**
 * One entry point from a clip spec (a path or "synthetic:...") to a Clip,
 * and the location of the bundled test set.
 */
import { randomInt } from "node:crypto";
import { existsSync, readdirSync } from "node:fs";
import { dirname, extname, join } from "node:path";
import type { Clip } from "./clip.js";
import { ClipError } from "./clip-error.js";
import { streamOf, type ClipStream } from "./clip-stream.js";
import { openWithFfmpeg, readWithFfmpeg } from "./ffmpeg-reader.js";
import { checkMaxFrames } from "./max-frames.js";
import { isSyntheticKind, SYNTHETIC_KINDS, syntheticClip } from "./synthetic.js";
import { openY4m, readY4m } from "./y4m.js";
import { shippedFile } from "../../package-files/shipped-file.js";

const SYNTHETIC_PREFIX = "synthetic:";
const DEFAULT_SYNTHETIC = { width: 352, height: 288, frames: 30 } as const;

/** Parsed form of "synthetic:<kind>[:WxH[:frames]]". */
export interface SyntheticSpec {
  readonly kind: (typeof SYNTHETIC_KINDS)[number];
  readonly width: number;
  readonly height: number;
  readonly frames: number;
}

/** Parses a "synthetic:<kind>[:WxH[:frames]]" spec; throws ClipError naming the bad part. */
export function parseSyntheticSpec(spec: string): SyntheticSpec {
  const [kind = "", size, frames, ...rest] = spec.slice(SYNTHETIC_PREFIX.length).split(":");
  const usage = `expected synthetic:<kind>[:WxH[:frames]], e.g. synthetic:moving-shapes:352x288:30`;
  if (!isSyntheticKind(kind)) {
    throw new ClipError(
      `clip spec "${spec}": unknown synthetic kind "${kind}"; known: ${SYNTHETIC_KINDS.join(", ")}`,
    );
  }
  if (rest.length > 0) throw new ClipError(`clip spec "${spec}": too many parts; ${usage}`);
  let { width, height, frames: count } = DEFAULT_SYNTHETIC as { width: number; height: number; frames: number };
  if (size !== undefined) {
    const match = /^([1-9][0-9]*)x([1-9][0-9]*)$/.exec(size);
    if (match === null) throw new ClipError(`clip spec "${spec}": bad size "${size}"; ${usage}`);
    width = Number(match[1]);
    height = Number(match[2]);
  }
  if (frames !== undefined) {
    if (!/^[1-9][0-9]*$/.test(frames)) {
      throw new ClipError(`clip spec "${spec}": bad frame count "${frames}"; ${usage}`);
    }
    count = Number(frames);
  }
  return { kind, width, height, frames: count };
}

/**
 * Open a clip for streaming from a path (.y4m → openY4m, anything else →
 * ffmpeg) or a synthetic spec (generated in memory: synthetic clips are
 * small, see synthetic.ts). Nothing but headers and markers is read here.
 */
export async function openClip(
  spec: string,
  opts: { maxFrames?: number; seed?: number } = {},
): Promise<ClipStream> {
  checkMaxFrames(opts.maxFrames, `clip "${spec}"`);
  if (spec.startsWith(SYNTHETIC_PREFIX)) return streamOf(await loadClip(spec, opts));
  if (!existsSync(spec)) throw new ClipError(`clip "${spec}": no such file`);
  const readOpts = opts.maxFrames === undefined ? {} : { maxFrames: opts.maxFrames };
  return extname(spec).toLowerCase() === ".y4m"
    ? openY4m(spec, readOpts)
    : openWithFfmpeg(spec, readOpts);
}

/**
 * Load a clip into memory from a path (.y4m → readY4m, anything else → ffmpeg) or a spec
 * "synthetic:<kind>[:WxH[:frames]]" (default 352x288, 30 frames; without
 * opts.seed a random seed is drawn and recorded in clip.source).
 */
export async function loadClip(
  spec: string,
  opts: { maxFrames?: number; seed?: number } = {},
): Promise<Clip> {
  checkMaxFrames(opts.maxFrames, `clip "${spec}"`);
  if (spec.startsWith(SYNTHETIC_PREFIX)) {
    const parsed = parseSyntheticSpec(spec);
    const frames = Math.min(parsed.frames, opts.maxFrames ?? Infinity);
    const seed = opts.seed ?? randomInt(0, 2 ** 47);
    return syntheticClip(parsed.kind, { ...parsed, frames, seed });
  }
  if (!existsSync(spec)) throw new ClipError(`clip "${spec}": no such file`);
  const readOpts = opts.maxFrames === undefined ? {} : { maxFrames: opts.maxFrames };
  return extname(spec).toLowerCase() === ".y4m"
    ? readY4m(spec, readOpts)
    : readWithFfmpeg(spec, readOpts);
}

/**
 * The repository's clips/ folder: found from the first ancestor of this module
 * that holds both package.json and clips/README.md, so it works from src/,
 * from dist/ and from a bundled action alike.
 */
export function bundledClipsDir(): string {
  try {
    return dirname(shippedFile("clips/README.md"));
  } catch (error) {
    throw new ClipError(`bundled clips not found: ${(error as Error).message}`, { cause: error });
  }
}

/** The bundled test set: absolute paths of clips/*.y4m in a stable order. */
export function bundledClipPaths(): string[] {
  const dir = bundledClipsDir();
  return readdirSync(dir)
    .filter((f) => f.endsWith(".y4m"))
    .sort()
    .map((f) => join(dir, f));
}
