/**
 * `--recon DIR` output (DESIGN.md): raw rgb24 source and decoded frames, and
 * the payloads as `.bits` (each prefixed by its 4-byte little-endian length),
 * so anyone can re-measure our numbers with ffmpeg.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Clip, Frame } from "../clips/clip.js";

/** Concatenate frames' RGB24 samples. */
function concatFrames(frames: readonly Frame[]): Buffer {
  return Buffer.concat(frames.map((frame) => frame.data));
}

/** Length-prefixed payload stream: u32le length, then the bytes, per frame. */
export function packBits(payloads: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = [];
  for (const payload of payloads) {
    const length = Buffer.alloc(4);
    length.writeUInt32LE(payload.length);
    parts.push(length, Buffer.from(payload));
  }
  return Buffer.concat(parts);
}

/** Write `<clip>.source.rgb`, `<clip>.q<q>.rgb` and `<clip>.q<q>.bits` under dir. */
export async function writeRecon(
  dir: string,
  clip: Clip,
  quality: number,
  payloads: readonly Uint8Array[],
  decoded: readonly Frame[],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, `${clip.name}.source.rgb`), concatFrames(clip.frames)),
    writeFile(join(dir, `${clip.name}.q${quality}.rgb`), concatFrames(decoded)),
    writeFile(join(dir, `${clip.name}.q${quality}.bits`), packBits(payloads)),
  ]);
}
