/**
 * `--recon DIR` output (DESIGN.md): raw rgb24 source and decoded frames, and
 * the payloads as `.bits` (each prefixed by its 4-byte little-endian length),
 * so anyone can re-measure our numbers with ffmpeg.
 */
import { mkdir, open, rm, writeFile, type FileHandle } from "node:fs/promises";
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

/**
 * The same files written one frame at a time while a rung streams (the
 * evaluator never holds a clip's frames). The rung that writes
 * `<clip>.source.rgb` is chosen by the caller, so concurrent rungs of one
 * clip never write the same file.
 */
export class ReconWriter {
  private constructor(
    private readonly paths: string[],
    private readonly decoded: FileHandle,
    private readonly bits: FileHandle,
    private readonly source: FileHandle | null,
  ) {}

  /** Create (truncate) the rung's files under dir; `withSource` also writes the clip's source frames. */
  static async open(
    dir: string,
    clipName: string,
    quality: number,
    withSource: boolean,
  ): Promise<ReconWriter> {
    await mkdir(dir, { recursive: true });
    const paths = [
      join(dir, `${clipName}.q${quality}.rgb`),
      join(dir, `${clipName}.q${quality}.bits`),
    ];
    if (withSource) paths.push(join(dir, `${clipName}.source.rgb`));
    const [decoded, bits, source] = await Promise.all(paths.map((path) => open(path, "w")));
    return new ReconWriter(paths, decoded!, bits!, source ?? null);
  }

  /** Append one frame: its source samples, its payload (length-prefixed) and its decode. */
  async add(source: Uint8Array, payload: Uint8Array, decoded: Uint8Array): Promise<void> {
    await Promise.all([
      this.decoded.write(decoded),
      this.bits.write(packBits([payload])),
      this.source?.write(source),
    ]);
  }

  /** Close the files; with `keep` false (a failed rung) remove them. */
  async close(keep: boolean): Promise<void> {
    await Promise.all([this.decoded.close(), this.bits.close(), this.source?.close()]);
    if (!keep) await Promise.all(this.paths.map((path) => rm(path, { force: true })));
  }
}
