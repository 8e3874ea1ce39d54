/**
 * Frames of a raw rgb24 file (the `--recon` output, or x265 decoded by
 * ffmpeg), read one at a time by offset so a whole clip is never in memory.
 */
import { open } from "node:fs/promises";
import { psnrFromMse, sumSquaredError } from "../evaluate/metrics/psnr.js";

export interface RawClip {
  path: string;
  width: number;
  height: number;
}

/** Bytes of one rgb24 frame. */
export function frameBytes(clip: Pick<RawClip, "width" | "height">): number {
  return clip.width * clip.height * 3;
}

/** Frame `index` of the file. */
export async function readFrame(clip: RawClip, index: number): Promise<Buffer> {
  const size = frameBytes(clip);
  const handle = await open(clip.path, "r");
  try {
    const frame = Buffer.alloc(size);
    const { bytesRead } = await handle.read(frame, 0, size, index * size);
    if (bytesRead !== size)
      throw new Error(`${clip.path} has no frame ${index} (${clip.width}x${clip.height} rgb24)`);
    return frame;
  } finally {
    await handle.close();
  }
}

/** Visit frame pairs of two equally sized raw files in order, one pair in memory at a time. */
export async function forEachFramePair(
  a: RawClip,
  b: RawClip,
  frames: number,
  visit: (index: number, frameA: Buffer, frameB: Buffer) => void,
): Promise<void> {
  const size = frameBytes(a);
  const [ha, hb] = await Promise.all([open(a.path, "r"), open(b.path, "r")]);
  try {
    const fa = Buffer.alloc(size);
    const fb = Buffer.alloc(size);
    for (let index = 0; index < frames; index++) {
      const [ra, rb] = await Promise.all([
        ha.read(fa, 0, size, index * size),
        hb.read(fb, 0, size, index * size),
      ]);
      if (ra.bytesRead !== size || rb.bytesRead !== size) {
        throw new Error(`${ra.bytesRead !== size ? a.path : b.path} ends before frame ${index}`);
      }
      visit(index, fa, fb);
    }
  } finally {
    await Promise.all([ha.close(), hb.close()]);
  }
}

/** PSNR-RGB of `decoded` against `source` over all frames (pooled squared error). */
export async function clipPsnrRgb(
  source: RawClip,
  decoded: RawClip,
  frames: number,
): Promise<number> {
  let sse = 0;
  await forEachFramePair(source, decoded, frames, (_, a, b) => {
    sse += sumSquaredError(a, b);
  });
  return psnrFromMse(sse / (frames * frameBytes(source)));
}
