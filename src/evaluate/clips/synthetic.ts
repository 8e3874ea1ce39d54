/**
 * Synthetic clips generated from a seed: noise, flat fields, moving shapes
 * over a gradient, and a panned random texture.
 *
 * Every generator is a pure function of (kind, size, frames, seed). The
 * evaluator draws a fresh seed per evaluation, so a codec cannot regenerate
 * the content from the frame index and "compress" it to nothing.
 */
import type { Clip, Frame } from "./clip.js";
import { SeededRandom } from "./seeded-random.js";

export const SYNTHETIC_KINDS = [
  "noise",
  "black",
  "grey",
  "moving-shapes",
  "pan-texture",
  "scene-cut",
] as const;
/**
 * noise: uniform random RGB; black: all 0; grey: all 128; moving-shapes:
 * coloured rectangles and discs bouncing over a gradient; pan-texture: a
 * smooth random texture panned a few pixels per frame; scene-cut: pan-texture
 * for the first half, then an unrelated moving-shapes scene.
 */
export type SyntheticKind = (typeof SYNTHETIC_KINDS)[number];

export interface SyntheticOptions {
  readonly width: number;
  readonly height: number;
  readonly frames: number;
  readonly fps?: number;
  readonly seed: number;
}

/** True when `kind` names a generator. */
export function isSyntheticKind(kind: string): kind is SyntheticKind {
  return (SYNTHETIC_KINDS as readonly string[]).includes(kind);
}

/** A clip of the given kind; deterministic for a given seed, different across seeds. */
export function syntheticClip(kind: SyntheticKind, opts: SyntheticOptions): Clip {
  const { width, height, frames: count, seed } = opts;
  const fps = opts.fps ?? 30;
  for (const [what, value] of [
    ["width", width],
    ["height", height],
    ["frames", count],
  ] as const) {
    if (!Number.isSafeInteger(value) || value <= 0) {
      throw new RangeError(`synthetic:${kind}: ${what} must be a positive integer, got ${value}`);
    }
  }
  if (!Number.isFinite(fps) || fps <= 0) {
    throw new RangeError(`synthetic:${kind}: fps must be positive, got ${fps}`);
  }
  if (!Number.isSafeInteger(seed)) {
    throw new RangeError(`synthetic:${kind}: seed must be a safe integer, got ${seed}`);
  }
  const frames = generate(kind, width, height, count, seed);
  return {
    name: `synthetic-${kind}`,
    width,
    height,
    fps,
    frames,
    source: { kind: "synthetic", generator: kind, seed },
  };
}

function generate(kind: SyntheticKind, w: number, h: number, n: number, seed: number): Frame[] {
  switch (kind) {
    case "noise": {
      const rng = new SeededRandom(kind, seed);
      return Array.from({ length: n }, () => ({ width: w, height: h, data: rng.bytes(w * h * 3) }));
    }
    case "black":
      return flatFrames(w, h, n, 0);
    case "grey":
      return flatFrames(w, h, n, 128);
    case "moving-shapes":
      return movingShapes(new SeededRandom(kind, seed), w, h, 0, n);
    case "pan-texture":
      return panTexture(new SeededRandom(kind, seed), w, h, n);
    case "scene-cut": {
      const cut = Math.ceil(n / 2);
      const first = panTexture(new SeededRandom(`${kind} a`, seed), w, h, cut);
      return first.concat(movingShapes(new SeededRandom(`${kind} b`, seed), w, h, cut, n - cut));
    }
  }
}

function flatFrames(w: number, h: number, n: number, value: number): Frame[] {
  return Array.from({ length: n }, () => ({ width: w, height: h, data: new Uint8Array(w * h * 3).fill(value) }));
}

function randomColour(rng: SeededRandom): [number, number, number] {
  return [rng.int(0, 255), rng.int(0, 255), rng.int(0, 255)];
}

/** Position at time t of a point moving at `speed` inside [0, span], reflecting at the ends. */
function bounce(start: number, speed: number, t: number, span: number): number {
  if (span <= 0) return 0;
  const period = 2 * span;
  const p = (((start + speed * t) % period) + period) % period;
  return p <= span ? p : period - p;
}

interface Shape {
  readonly disc: boolean;
  readonly sw: number;
  readonly sh: number;
  readonly x0: number;
  readonly y0: number;
  readonly vx: number;
  readonly vy: number;
  readonly colour: [number, number, number];
}

/** Frames firstIndex.. of bouncing rectangles and discs over a three-corner colour gradient. */
function movingShapes(rng: SeededRandom, w: number, h: number, firstIndex: number, n: number): Frame[] {
  const [c00, c10, c01] = [randomColour(rng), randomColour(rng), randomColour(rng)];
  const background = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const fy = h > 1 ? y / (h - 1) : 0;
    for (let x = 0; x < w; x++) {
      const fx = w > 1 ? x / (w - 1) : 0;
      for (let ch = 0; ch < 3; ch++) {
        const base = c00[ch] as number;
        const value = base + fx * ((c10[ch] as number) - base) + fy * ((c01[ch] as number) - base);
        background[3 * (y * w + x) + ch] = Math.max(0, Math.min(255, Math.round(value)));
      }
    }
  }
  const minSide = Math.min(w, h);
  const shapes: Shape[] = Array.from({ length: 6 }, () => {
    const sw = Math.max(1, Math.round(minSide * (0.08 + 0.22 * rng.float())));
    const disc = rng.float() < 0.5;
    const sh = disc ? sw : Math.max(1, Math.round(minSide * (0.08 + 0.22 * rng.float())));
    const speed = (): number => (rng.float() < 0.5 ? -1 : 1) * (1 + rng.float() * 4);
    return {
      disc,
      sw,
      sh,
      x0: rng.float() * Math.max(0, w - sw),
      y0: rng.float() * Math.max(0, h - sh),
      vx: speed(),
      vy: speed(),
      colour: randomColour(rng),
    };
  });
  const frames: Frame[] = [];
  for (let i = 0; i < n; i++) {
    const t = firstIndex + i;
    const data = background.slice();
    for (const s of shapes) {
      const left = Math.round(bounce(s.x0, s.vx, t, w - s.sw));
      const top = Math.round(bounce(s.y0, s.vy, t, h - s.sh));
      drawShape(data, w, h, s, left, top);
    }
    frames.push({ width: w, height: h, data });
  }
  return frames;
}

function drawShape(data: Uint8Array, w: number, h: number, s: Shape, left: number, top: number): void {
  const rx = s.sw / 2;
  const ry = s.sh / 2;
  for (let dy = 0; dy < s.sh; dy++) {
    const y = top + dy;
    if (y < 0 || y >= h) continue;
    for (let dx = 0; dx < s.sw; dx++) {
      const x = left + dx;
      if (x < 0 || x >= w) continue;
      if (s.disc) {
        const ex = (dx + 0.5 - rx) / rx;
        const ey = (dy + 0.5 - ry) / ry;
        if (ex * ex + ey * ey > 1) continue;
      }
      const p = 3 * (y * w + x);
      data[p] = s.colour[0];
      data[p + 1] = s.colour[1];
      data[p + 2] = s.colour[2];
    }
  }
}

/** Value noise: random values on a coarse grid, bilinearly interpolated, three octaves per channel. */
function smoothTexture(rng: SeededRandom, tw: number, th: number): Uint8Array {
  const acc = new Float64Array(tw * th * 3);
  const octaves: Array<[cell: number, weight: number]> = [
    [48, 0.55],
    [12, 0.3],
    [3, 0.15],
  ];
  for (const [cell, weight] of octaves) {
    const gw = Math.ceil(tw / cell) + 2;
    const gh = Math.ceil(th / cell) + 2;
    const grid = rng.bytes(gw * gh * 3);
    for (let y = 0; y < th; y++) {
      const gy = Math.floor(y / cell);
      const fy = (y % cell) / cell;
      for (let x = 0; x < tw; x++) {
        const gx = Math.floor(x / cell);
        const fx = (x % cell) / cell;
        const p00 = 3 * (gy * gw + gx);
        const p10 = p00 + 3;
        const p01 = p00 + 3 * gw;
        const p11 = p01 + 3;
        const o = 3 * (y * tw + x);
        for (let ch = 0; ch < 3; ch++) {
          const a = grid[p00 + ch] as number;
          const b = grid[p10 + ch] as number;
          const c = grid[p01 + ch] as number;
          const d = grid[p11 + ch] as number;
          const top = a + fx * (b - a);
          const bottom = c + fx * (d - c);
          acc[o + ch] = (acc[o + ch] as number) + weight * (top + fy * (bottom - top));
        }
      }
    }
  }
  const out = new Uint8Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = Math.round(acc[i] as number);
  return out;
}

/** A random texture larger than the frame, panned by a seeded (dx, dy) of 1..4 and 0..2 pixels per frame. */
function panTexture(rng: SeededRandom, w: number, h: number, n: number): Frame[] {
  const dx = rng.int(1, 4) * (rng.float() < 0.5 ? -1 : 1);
  const dy = rng.int(0, 2) * (rng.float() < 0.5 ? -1 : 1);
  const tw = w + Math.abs(dx) * (n - 1);
  const th = h + Math.abs(dy) * (n - 1);
  const texture = smoothTexture(rng, tw, th);
  const frames: Frame[] = [];
  for (let i = 0; i < n; i++) {
    const ox = dx >= 0 ? dx * i : tw - w + dx * i;
    const oy = dy >= 0 ? dy * i : th - h + dy * i;
    const data = new Uint8Array(w * h * 3);
    for (let y = 0; y < h; y++) {
      const from = 3 * ((oy + y) * tw + ox);
      data.set(texture.subarray(from, from + 3 * w), 3 * y * w);
    }
    frames.push({ width: w, height: h, data });
  }
  return frames;
}
