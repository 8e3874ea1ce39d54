/** Helpers for clip tests: a temporary folder and real ffmpeg runs to make media in it. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A fresh temporary folder; call the returned cleanup in afterAll. */
export function makeTmpDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "codec-evolve-clips-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs ffmpeg quietly with the given arguments and returns its stdout. */
export function ffmpeg(args: readonly string[]): Buffer {
  return execFileSync("ffmpeg", ["-hide_banner", "-loglevel", "error", "-nostdin", "-y", ...args], {
    maxBuffer: 1 << 30,
  });
}

/** The skimage photograph Debian ships, used as real content in tests. */
export const ASTRONAUT_PNG = "/usr/lib/python3/dist-packages/skimage/data/astronaut.png";

/** ffmpeg's own YUV -> RGB24 of a file: the reference our conversion is compared with. */
export function ffmpegRgb(path: string): Buffer {
  return ffmpeg([
    "-i",
    path,
    "-sws_flags",
    "accurate_rnd+full_chroma_int+bitexact",
    "-vf",
    "scale=in_color_matrix=bt601:in_range=tv",
    "-pix_fmt",
    "rgb24",
    "-f",
    "rawvideo",
    "-",
  ]);
}

/** Largest and mean absolute difference between two equally long byte arrays. */
export function absDiff(a: Uint8Array, b: Uint8Array): { max: number; mean: number } {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number));
    if (d > max) max = d;
    sum += d;
  }
  return { max, mean: sum / a.length };
}
