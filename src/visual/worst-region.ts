/** Where a decoded clip differs most from its source: the square region with the largest squared error. */
import { forEachFramePair, type RawClip } from "./raw-frames.js";

export interface Region {
  frame: number;
  x: number;
  y: number;
  size: number;
}

/**
 * Scan every frame on a grid of `size`-square windows (half-size steps) and
 * return the window with the largest summed squared error of all frames.
 */
export async function worstRegion(
  source: RawClip,
  decoded: RawClip,
  frames: number,
  size: number,
): Promise<Region> {
  const { width, height } = source;
  const step = Math.max(1, Math.floor(size / 2));
  const xs = positions(width, size, step);
  const ys = positions(height, size, step);
  let best: Region & { error: number } = { frame: 0, x: xs[0]!, y: ys[0]!, size, error: -1 };
  // Per-row error sums of each column strip, so each window is a sum of `size` row sums.
  await forEachFramePair(source, decoded, frames, (index, a, b) => {
    const cellRows = new Float64Array(height * xs.length);
    for (let row = 0; row < height; row++) {
      const base = row * width * 3;
      xs.forEach((x0, column) => {
        let sum = 0;
        for (let i = base + x0 * 3, end = base + (x0 + size) * 3; i < end; i++) {
          const d = a[i]! - b[i]!;
          sum += d * d;
        }
        cellRows[row * xs.length + column] = sum;
      });
    }
    for (const y0 of ys) {
      xs.forEach((x0, column) => {
        let error = 0;
        for (let row = y0; row < y0 + size; row++) error += cellRows[row * xs.length + column]!;
        if (error > best.error) best = { frame: index, x: x0, y: y0, size, error };
      });
    }
  });
  return { frame: best.frame, x: best.x, y: best.y, size };
}

/** The fixed comparison region: the centre of the middle frame. */
export function centreRegion(width: number, height: number, frames: number, size: number): Region {
  return {
    frame: Math.floor(frames / 2),
    x: Math.max(0, Math.floor((width - size) / 2)),
    y: Math.max(0, Math.floor((height - size) / 2)),
    size,
  };
}

function positions(length: number, size: number, step: number): number[] {
  const last = Math.max(0, length - size);
  const out: number[] = [];
  for (let p = 0; p < last; p += step) out.push(p);
  out.push(last);
  return out;
}
