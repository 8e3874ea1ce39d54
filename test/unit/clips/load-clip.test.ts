import { join } from "node:path";
import { ClipError } from "../../../src/evaluate/clips/clip-error.js";
import { loadClip, parseSyntheticSpec } from "../../../src/evaluate/clips/load-clip.js";
import { ffmpeg, makeTmpDir } from "./tmp-media.js";

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

const pattern = ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=30", "-frames:v", "4", "-pix_fmt", "yuv420p"];

describe("loadClip", () => {
  it("reads .y4m (any case) with the Y4M reader and the rest with ffmpeg", async () => {
    const y4m = join(tmp.dir, "pattern.Y4M");
    const mkv = join(tmp.dir, "pattern.mkv");
    ffmpeg([...pattern, "-f", "yuv4mpegpipe", y4m]);
    ffmpeg([...pattern, "-c:v", "libx264", "-preset", "ultrafast", mkv]);
    expect((await loadClip(y4m)).source).toEqual({ kind: "y4m", path: y4m });
    const viaFfmpeg = await loadClip(mkv, { maxFrames: 3 });
    expect(viaFfmpeg.source).toEqual({ kind: "ffmpeg", path: mkv });
    expect(viaFfmpeg.frames).toHaveLength(3);
    expect((await loadClip(y4m, { maxFrames: 1 })).frames).toHaveLength(1);
  });

  it("builds synthetic clips from a spec, with the given seed or a recorded random one", async () => {
    const a = await loadClip("synthetic:pan-texture:40x30:5", { seed: 11 });
    expect([a.width, a.height, a.frames.length]).toEqual([40, 30, 5]);
    expect(a.source).toEqual({ kind: "synthetic", generator: "pan-texture", seed: 11 });
    const b = await loadClip("synthetic:noise:8x8:4", { maxFrames: 2 });
    expect(b.frames).toHaveLength(2);
    const seed = (b.source as { seed: number }).seed;
    expect(Number.isSafeInteger(seed)).toBe(true);
    const again = await loadClip("synthetic:noise:8x8:2", { seed });
    expect(Buffer.concat(again.frames.map((f) => f.data))).toEqual(Buffer.concat(b.frames.map((f) => f.data)));
  });

  it("uses 352x288, 30 frames when the spec gives only the kind", () => {
    expect(parseSyntheticSpec("synthetic:grey")).toEqual({ kind: "grey", width: 352, height: 288, frames: 30 });
    expect(parseSyntheticSpec("synthetic:black:16x8")).toEqual({ kind: "black", width: 16, height: 8, frames: 30 });
  });

  it.each([
    ["synthetic:sparkles", /unknown synthetic kind "sparkles"; known: noise, black/],
    ["synthetic:noise:16*8", /bad size "16\*8"/],
    ["synthetic:noise:16x8:0", /bad frame count "0"/],
    ["synthetic:noise:16x8:3:extra", /too many parts/],
  ])("rejects the spec %s", async (spec, message) => {
    await expect(loadClip(spec)).rejects.toThrow(message);
    await expect(loadClip(spec)).rejects.toBeInstanceOf(ClipError);
  });

  it("rejects a missing file and a bad maxFrames", async () => {
    await expect(loadClip(join(tmp.dir, "absent.mp4"))).rejects.toThrow(/absent\.mp4": no such file/);
    await expect(loadClip("synthetic:grey", { maxFrames: 0 })).rejects.toThrow(/maxFrames must be a positive integer/);
  });
});
