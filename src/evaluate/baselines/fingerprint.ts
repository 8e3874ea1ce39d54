/**
 * Hashes that decide whether a cached baseline measurement still applies:
 * the exact samples the encoder was fed and scored against, and the code that
 * turns decoded samples into numbers (colour conversion and metrics). A change
 * to either must never be answered from an old cache entry.
 */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Frame } from "../clips/clip.js";
import { streamOf, type ClipInput } from "../clips/clip-stream.js";
import { rgbToYuv, yuvToRgb } from "../clips/colour.js";
import { measureQuality } from "../metrics/quality.js";

/**
 * sha256 over the clip's RGB frames (what every baseline is scored against)
 * and, if used, its native planes. Streamed: the RGB frames in one walk of the
 * clip, the planes in a second, the same bytes in the same order as when
 * clips were held in memory, so existing cache entries still match.
 */
export async function clipSamplesHash(clip: ClipInput, includeNative: boolean): Promise<string> {
  const stream = streamOf(clip);
  const hash = createHash("sha256");
  hash.update(`${stream.width}x${stream.height}@${stream.fps}:${stream.frameCount}\n`);
  for await (const frame of stream.frames()) hash.update(frame.rgb.data);
  if (includeNative && stream.native) {
    hash.update(`native ${stream.native.pixFmt} ${stream.native.range}\n`);
    for await (const frame of stream.frames()) if (frame.native) hash.update(frame.native);
  }
  return hash.digest("hex");
}

let scoringFingerprint: Promise<string> | null = null;

/**
 * A fingerprint of the scoring code: the results of the colour conversion and
 * the metrics on a fixed odd-sized probe (works in any build, bundles
 * included), plus the source files of those modules where they can be read.
 */
export function scoringCodeFingerprint(): Promise<string> {
  scoringFingerprint ??= computeScoringFingerprint();
  return scoringFingerprint;
}

async function computeScoringFingerprint(): Promise<string> {
  const hash = createHash("sha256");
  const width = 37;
  const height = 29;
  const frames = [probeFrame(width, height, 1), probeFrame(width, height, 2)];
  const roundTrips: Frame[] = [];
  for (const range of ["tv", "pc"] as const) {
    for (const frame of frames) {
      const yuv = rgbToYuv(frame, "yuv420p", range);
      hash.update(yuv);
      roundTrips.push(yuvToRgb(yuv, "yuv420p", width, height, range));
    }
  }
  for (const frame of roundTrips) hash.update(frame.data);
  const scores = await measureQuality(frames, roundTrips.slice(0, 2), { threads: "main" });
  hash.update(JSON.stringify(scores));
  hash.update(await sourceFilesText());
  return hash.digest("hex");
}

/** Deterministic busy content (gradients plus a hash pattern) for the probe. */
function probeFrame(width: number, height: number, seed: number): Frame {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) {
    const pixel = Math.floor(i / 3);
    const x = pixel % width;
    const y = Math.floor(pixel / width);
    data[i] = (x * 7 + y * 3 * seed + ((Math.imul(i + seed, 2654435761) >>> 24) & 63)) & 255;
  }
  return { width, height, data };
}

/** Source text of the metrics folder and the colour module, when this build has them on disk. */
async function sourceFilesText(): Promise<string> {
  const parts: string[] = [];
  const folders = [new URL("../metrics/", import.meta.url), new URL("../clips/", import.meta.url)];
  for (const folder of folders) {
    let names: string[];
    try {
      names = (await readdir(fileURLToPath(folder))).sort();
    } catch {
      continue;
    }
    for (const name of names) {
      const relevant = folder.pathname.endsWith("/metrics/") || name.startsWith("colour.");
      if (!relevant || !/\.(ts|js)$/.test(name) || name.endsWith(".d.ts")) continue;
      parts.push(name, await readFile(new URL(name, folder), "utf8"));
    }
  }
  return parts.join("\n");
}
