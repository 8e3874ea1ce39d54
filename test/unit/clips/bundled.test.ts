import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { bundledClipPaths, loadClip } from "../../../src/evaluate/clips/load-clip.js";
import { makeTmpDir } from "./tmp-media.js";

const paths = bundledClipPaths();
const clipsDir = dirname(paths[0] ?? ".");

/** clips/SHA256SUMS as a map from file name to hash. */
function recordedHashes(): Map<string, string> {
  const lines = readFileSync(join(clipsDir, "SHA256SUMS"), "utf8").trim().split("\n");
  return new Map(lines.map((line) => {
    const [hash, name] = line.split(/\s+\*?/) as [string, string];
    return [name, hash];
  }));
}

describe("bundled test clips", () => {
  it("are listed as absolute .y4m paths in file-name order", () => {
    expect(paths.map((p) => basename(p))).toEqual([
      "astronaut-pan.y4m",
      "chelsea-rocket-fade.y4m",
      "coffee-zoom.y4m",
      "face-rotate.y4m",
    ]);
    expect(paths.every((p) => isAbsolute(p))).toBe(true);
  });

  it("match the sha256 recorded in SHA256SUMS and in clips/README.md", () => {
    const hashes = recordedHashes();
    const readme = readFileSync(join(clipsDir, "README.md"), "utf8");
    expect([...hashes.keys()].sort()).toEqual(paths.map((p) => basename(p)));
    for (const path of paths) {
      const actual = createHash("sha256").update(readFileSync(path)).digest("hex");
      expect(actual).toBe(hashes.get(basename(path)));
      expect(readme).toContain(`${actual}  ${basename(path)}`);
    }
  });

  it.each(paths.map((p) => [basename(p), p]))("%s loads as 8-bit 4:2:0 within the agreed size", async (_name, path) => {
    const clip = await loadClip(path);
    expect(clip.native).toMatchObject({ pixFmt: "yuv420p", range: "tv" });
    expect(clip.width * clip.height).toBeGreaterThanOrEqual(352 * 288);
    expect(clip.width * clip.height).toBeLessThanOrEqual(640 * 480);
    expect(clip.frames.length).toBeGreaterThanOrEqual(10);
    expect(clip.frames.length).toBeLessThanOrEqual(30);
    // Real content, not a flat field: plenty of distinct colours in the first frame.
    const colours = new Set<number>();
    const d = clip.frames[0]!.data;
    for (let i = 0; i < d.length; i += 3) colours.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
    expect(colours.size).toBeGreaterThan(5000);
  });

  it("hold 60 frames in total", async () => {
    let frames = 0;
    for (const path of paths) frames += (await loadClip(path)).frames.length;
    expect(frames).toBe(60);
  });
});

// The committed bytes came from Debian bookworm's ffmpeg 5.1; another version may round
// differently, so the regeneration check runs only where the same major.minor is installed.
const sameFfmpeg = execFileSync("ffmpeg", ["-hide_banner", "-version"]).toString().startsWith("ffmpeg version 5.1");

(sameFfmpeg ? it : it.skip)("scripts/make-clips.sh regenerates the same bytes", () => {
  const tmp = makeTmpDir();
  try {
    execFileSync(join(clipsDir, "..", "scripts", "make-clips.sh"), [tmp.dir], { stdio: "pipe" });
    expect(readFileSync(join(tmp.dir, "SHA256SUMS"), "utf8")).toBe(readFileSync(join(clipsDir, "SHA256SUMS"), "utf8"));
  } finally {
    tmp.cleanup();
  }
});
