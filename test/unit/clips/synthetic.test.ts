import { createHash } from "node:crypto";
import type { Clip, Frame } from "../../../src/evaluate/clips/clip.js";
import { SYNTHETIC_KINDS, syntheticClip } from "../../../src/evaluate/clips/synthetic.js";

const size = { width: 64, height: 48, frames: 6 };

function concat(clip: Clip): Buffer {
  return Buffer.concat(clip.frames.map((f) => f.data));
}

function mean(data: Uint8Array): number {
  let sum = 0;
  for (const v of data) sum += v;
  return sum / data.length;
}

/** Is `next` equal to `prev` moved by (dx, dy), compared on the overlap? */
function isShift(prev: Frame, next: Frame, dx: number, dy: number): boolean {
  const { width: w, height: h } = prev;
  for (let y = Math.max(0, -dy); y < Math.min(h, h - dy); y++) {
    for (let x = Math.max(0, -dx); x < Math.min(w, w - dx); x++) {
      for (let c = 0; c < 3; c++) {
        // The texture moves by (-dx, -dy) in the frame when the window moves by (dx, dy).
        if (next.data[3 * (y * w + x) + c] !== prev.data[3 * ((y + dy) * w + (x + dx)) + c]) return false;
      }
    }
  }
  return true;
}

describe("syntheticClip", () => {
  it.each(SYNTHETIC_KINDS)("%s: same seed gives the same frames, records its source", (kind) => {
    const a = syntheticClip(kind, { ...size, seed: 42 });
    const b = syntheticClip(kind, { ...size, seed: 42 });
    expect(concat(a).equals(concat(b))).toBe(true);
    expect(a.source).toEqual({ kind: "synthetic", generator: kind, seed: 42 });
    expect([a.width, a.height, a.frames.length, a.fps]).toEqual([64, 48, 6, 30]);
    expect(a.native).toBeUndefined();
    for (const f of a.frames) expect(f.data).toHaveLength(64 * 48 * 3);
  });

  it.each(SYNTHETIC_KINDS.filter((k) => k !== "black" && k !== "grey"))(
    "%s: different seeds give different content",
    (kind) => {
      const a = syntheticClip(kind, { ...size, seed: 1 });
      const b = syntheticClip(kind, { ...size, seed: 2 });
      expect(concat(a).equals(concat(b))).toBe(false);
    },
  );

  it.each([
    ["noise", "1141c6604a0e2b8491e7957f7fefab631a21892c4e51734a8b6543fdd914075f"],
    ["black", "3a3d0028f80c968106a46c538caf458b2e0ce1b53e0ff50f37a92956b332cde5"],
    ["grey", "a7069b7f35bf90f44ffdf9d948177d2ac292e5880f92b152b0772d7810426850"],
    ["moving-shapes", "9ca54299178565313e814ba98c91046a1562b037cd68c4a8d02a2e4393436f08"],
    ["pan-texture", "d69d980251426c862ce92d5d742026229aae0768935d7785975659a9e210dec8"],
    ["scene-cut", "32d8d26ad29a83c7a53d943ab9f3bdc8cbf0d3a35c97cb7b8cc728245471593d"],
  ] as const)("%s: content for a recorded seed never changes (golden sha256)", (kind, sha256) => {
    // A seed in an old report must still regenerate the same frames.
    const clip = syntheticClip(kind, { width: 33, height: 17, frames: 3, seed: 20261126 });
    expect(createHash("sha256").update(concat(clip)).digest("hex")).toBe(sha256);
  });

  it("black is 0 and grey is 128 everywhere", () => {
    expect(concat(syntheticClip("black", { ...size, seed: 1 })).every((v) => v === 0)).toBe(true);
    expect(concat(syntheticClip("grey", { ...size, seed: 1 })).every((v) => v === 128)).toBe(true);
  });

  it("noise is uniform and differs from frame to frame", () => {
    const clip = syntheticClip("noise", { width: 256, height: 256, frames: 2, seed: 3 });
    const all = concat(clip);
    expect(mean(all)).toBeGreaterThan(126.5);
    expect(mean(all)).toBeLessThan(128.5);
    const counts = new Array<number>(256).fill(0);
    for (const v of all) counts[v]!++;
    const expected = all.length / 256;
    expect(Math.min(...counts)).toBeGreaterThan(expected * 0.85);
    expect(Math.max(...counts)).toBeLessThan(expected * 1.15);
    expect(Buffer.from(clip.frames[0]!.data).equals(clip.frames[1]!.data)).toBe(false);
  });

  it("moving-shapes changes between frames but mostly keeps its background", () => {
    const clip = syntheticClip("moving-shapes", { width: 96, height: 64, frames: 4, seed: 9 });
    for (let i = 1; i < clip.frames.length; i++) {
      const a = clip.frames[i - 1]!.data;
      const b = clip.frames[i]!.data;
      let changed = 0;
      for (let p = 0; p < a.length; p++) if (a[p] !== b[p]) changed++;
      expect(changed).toBeGreaterThan(0);
      expect(changed).toBeLessThan(a.length * 0.6);
    }
  });

  it("pan-texture: each frame is the previous one panned by a few pixels", () => {
    for (const seed of [1, 2, 3, 4]) {
      const clip = syntheticClip("pan-texture", { width: 80, height: 60, frames: 4, seed });
      const shifts: string[] = [];
      for (let i = 1; i < clip.frames.length; i++) {
        const found: string[] = [];
        for (let dy = -2; dy <= 2; dy++) {
          for (let dx = -4; dx <= 4; dx++) {
            if ((dx !== 0 || dy !== 0) && isShift(clip.frames[i - 1]!, clip.frames[i]!, dx, dy)) found.push(`${dx},${dy}`);
          }
        }
        expect(found).toHaveLength(1);
        shifts.push(found[0]!);
      }
      expect(new Set(shifts).size).toBe(1); // constant velocity
    }
  });

  it("scene-cut switches to unrelated content halfway", () => {
    const clip = syntheticClip("scene-cut", { width: 64, height: 48, frames: 6, seed: 5 });
    const diff = (a: Uint8Array, b: Uint8Array): number => {
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
      return sum / a.length;
    };
    const f = clip.frames.map((x) => x.data);
    expect(diff(f[2]!, f[3]!)).toBeGreaterThan(3 * Math.max(diff(f[1]!, f[2]!), diff(f[3]!, f[4]!)));
  });

  it("rejects bad sizes and seeds", () => {
    expect(() => syntheticClip("noise", { width: 0, height: 4, frames: 1, seed: 1 })).toThrow(/width must be a positive integer/);
    expect(() => syntheticClip("noise", { width: 4, height: 4, frames: 1.5, seed: 1 })).toThrow(/frames/);
    expect(() => syntheticClip("noise", { width: 4, height: 4, frames: 1, seed: 0.5 })).toThrow(/seed/);
  });
});
