import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClipError, fpsRational, readY4m, writeY4m } from "../../../src/evaluate/clips/y4m.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";
import { absDiff, ffmpeg, makeTmpDir } from "./tmp-media.js";

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

/** A real Y4M written by ffmpeg from its test pattern, plus ffmpeg's raw planes of the same frames. */
function ffmpegY4m(name: string, pixFmt: string, size: string, frames: number): { path: string; raw: Buffer } {
  const path = join(tmp.dir, `${name}.y4m`);
  // testsrc2 only makes even sizes; the scale filter gives odd ones.
  const source = ["-f", "lavfi", "-i", "testsrc2=s=64x48:r=30000/1001", "-frames:v", String(frames)];
  ffmpeg([...source, "-vf", `scale=${size.replace("x", ":")}`, "-pix_fmt", pixFmt, path]);
  const raw = ffmpeg(["-i", path, "-f", "rawvideo", "-pix_fmt", pixFmt, "-"]);
  return { path, raw };
}

/** Writes a hand-made Y4M: header line, then each frame as "FRAME\n" + bytes. */
function handMade(name: string, header: string, frames: Uint8Array[], frameLine = "FRAME\n"): string {
  const path = join(tmp.dir, name);
  const parts = [Buffer.from(header + "\n", "latin1")];
  for (const f of frames) parts.push(Buffer.from(frameLine, "latin1"), Buffer.from(f));
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe("readY4m", () => {
  it.each([
    ["yuv420p", "64x48", 1.5],
    ["yuv444p", "64x48", 3],
    ["yuv420p", "33x17", NaN], // odd size: chroma planes are ceil(w/2) x ceil(h/2)
  ])("reads an ffmpeg-written %s %s file with the same planes ffmpeg decodes", async (pixFmt, size, bytesPerPixel) => {
    const { path, raw } = ffmpegY4m(`pattern-${pixFmt}-${size}`, pixFmt, size, 3);
    const clip = await readY4m(path);
    const [w, h] = size.split("x").map(Number) as [number, number];
    expect([clip.width, clip.height, clip.frames.length]).toEqual([w, h, 3]);
    expect(clip.fps).toBeCloseTo(30000 / 1001, 9);
    expect(clip.name).toBe(`pattern-${pixFmt}-${size}`);
    expect(clip.source).toEqual({ kind: "y4m", path });
    expect(clip.native?.pixFmt).toBe(pixFmt);
    expect(clip.native?.range).toBe("tv");
    const frameSize = raw.length / 3;
    if (!Number.isNaN(bytesPerPixel)) expect(frameSize).toBe(w * h * bytesPerPixel);
    clip.native!.frames.forEach((planes, i) => {
      expect(Buffer.from(planes).equals(raw.subarray(i * frameSize, (i + 1) * frameSize))).toBe(true);
    });
    for (const frame of clip.frames) {
      expect([frame.width, frame.height, frame.data.length]).toEqual([w, h, w * h * 3]);
    }
  });

  it("stops after maxFrames", async () => {
    const { path } = ffmpegY4m("five", "yuv420p", "32x32", 5);
    const clip = await readY4m(path, { maxFrames: 2 });
    expect(clip.frames).toHaveLength(2);
    expect(clip.native?.frames).toHaveLength(2);
  });

  it("accepts FRAME parameters, the C420mpeg2/C420paldv/C420 tags and a missing C (420jpeg)", async () => {
    const planes = new Uint8Array(4 * 2 * 1.5).fill(128);
    for (const tag of ["C420mpeg2", "C420paldv", "C420", ""]) {
      const path = handMade(`tag-${tag}.y4m`, `YUV4MPEG2 W4 H2 F25:1 Ip A1:1 ${tag} XFOO=bar`, [planes, planes], "FRAME Ixyz XBAR=1\n");
      const clip = await readY4m(path);
      expect(clip.native?.pixFmt).toBe("yuv420p");
      expect(clip.frames).toHaveLength(2);
    }
  });

  it("reads XCOLORRANGE=FULL as full range", async () => {
    const path = handMade("full.y4m", "YUV4MPEG2 W2 H2 F30:1 C444 XCOLORRANGE=FULL", [
      Uint8Array.of(0, 0, 255, 255, 128, 128, 128, 128, 128, 128, 128, 128),
    ]);
    const clip = await readY4m(path);
    expect(clip.native?.range).toBe("pc");
    expect(Array.from(clip.frames[0]!.data)).toEqual([0, 0, 0, 0, 0, 0, 255, 255, 255, 255, 255, 255]);
  });

  const good = new Uint8Array(4 * 2 * 1.5).fill(100);
  it.each([
    ["bad magic", () => handMade("magic.y4m", "YUV4MPEG W4 H2 F25:1", [good]), /not a Y4M file: expected "YUV4MPEG2" at byte 0/],
    ["no header end", () => { const p = join(tmp.dir, "noeol.y4m"); writeFileSync(p, "YUV4MPEG2 W4 H2 F25:1"); return p; }, /no end of line/],
    ["missing width", () => handMade("now.y4m", "YUV4MPEG2 H2 F25:1", [good]), /missing W \(width\)/],
    ["bad height", () => handMade("badh.y4m", "YUV4MPEG2 W4 H-2 F25:1", [good]), /H \(height\) must be a positive integer, got "-2"/],
    ["missing frame rate", () => handMade("nof.y4m", "YUV4MPEG2 W4 H2", [good]), /missing F \(frame rate\)/],
    ["bad frame rate", () => handMade("badf.y4m", "YUV4MPEG2 W4 H2 F25", [good]), /F \(frame rate\) must be "num:den", got "25"/],
    ["4:2:2", () => handMade("422.y4m", "YUV4MPEG2 W4 H2 F25:1 C422", [good]), /colour space "C422" is not supported; supported: C420, C420jpeg/],
    ["10 bit", () => handMade("10bit.y4m", "YUV4MPEG2 W4 H2 F25:1 C420p10", [good]), /"C420p10" is not supported/],
    ["mono", () => handMade("mono.y4m", "YUV4MPEG2 W4 H2 F25:1 Cmono", [good]), /"Cmono" is not supported/],
    ["interlaced", () => handMade("tff.y4m", "YUV4MPEG2 W4 H2 F25:1 It", [good]), /interlacing "It" is not supported/],
    ["zero frames", () => handMade("empty.y4m", "YUV4MPEG2 W4 H2 F25:1", []), /has a header but no frames/],
    ["garbled FRAME", () => handMade("garbled.y4m", "YUV4MPEG2 W4 H2 F25:1", [good], "FRAMEX\n"), /frame 0: garbled FRAME marker at byte offset 22/],
  ])("rejects %s with a ClipError naming the problem", async (_name, make, message) => {
    const path = make();
    const error = await readY4m(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipError);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toMatch(message);
  });

  it("names the truncated frame and the number of missing bytes", async () => {
    const path = handMade("trunc.y4m", "YUV4MPEG2 W4 H2 F25:1", [good, good, good.subarray(0, 5)]);
    await expect(readY4m(path)).rejects.toThrow(
      /frame 2 \(counting from 0\) is truncated: yuv420p 4x2 needs 12 bytes from byte offset 64, file has 5 \(7 missing\)/,
    );
  });

  it("names the frame whose marker is missing when a frame is too long", async () => {
    const path = handMade("long.y4m", "YUV4MPEG2 W4 H2 F25:1", [good, new Uint8Array(14).fill(7)]);
    await expect(readY4m(path)).rejects.toThrow(/frame 2 \(counting from 0\): expected "FRAME" at byte offset 58, found "\\u0007/);
  });

  it("reports a missing file as a ClipError", async () => {
    await expect(readY4m(join(tmp.dir, "nope.y4m"))).rejects.toThrow(/nope\.y4m: cannot read Y4M file/);
  });
});

describe("writeY4m", () => {
  it("round-trips native planes byte for byte (readY4m -> writeY4m -> readY4m)", async () => {
    for (const pixFmt of ["yuv420p", "yuv444p"]) {
      const { path } = ffmpegY4m(`rt-${pixFmt}`, pixFmt, "35x21", 3);
      const clip = await readY4m(path);
      const out = join(tmp.dir, `rt-${pixFmt}-out.y4m`);
      await writeY4m(out, clip);
      const again = await readY4m(out);
      expect(again.native?.pixFmt).toBe(pixFmt);
      expect(again.fps).toBeCloseTo(clip.fps, 12);
      expect(again.native!.frames.map((f) => Buffer.from(f))).toEqual(clip.native!.frames.map((f) => Buffer.from(f)));
      expect(again.frames.map((f) => Buffer.from(f.data))).toEqual(clip.frames.map((f) => Buffer.from(f.data)));
      // ffmpeg reads our file as the same planes too.
      const ours = ffmpeg(["-i", out, "-f", "rawvideo", "-pix_fmt", pixFmt, "-"]);
      expect(ours.equals(Buffer.concat(clip.native!.frames))).toBe(true);
    }
  });

  it("writes an RGB-only clip as 4:4:4 full range within 1 level", async () => {
    const clip = syntheticClip("moving-shapes", { width: 40, height: 30, frames: 2, seed: 7, fps: 24 });
    const out = join(tmp.dir, "rgb-only.y4m");
    await writeY4m(out, clip);
    expect(readFileSync(out).subarray(0, 80).toString("latin1")).toMatch(/^YUV4MPEG2 W40 H30 F24:1 Ip A1:1 C444 XYSCSS=444 XCOLORRANGE=FULL\n/);
    const back = await readY4m(out);
    expect(back.native?.range).toBe("pc");
    clip.frames.forEach((f, i) => expect(absDiff(f.data, back.frames[i]!.data).max).toBeLessThanOrEqual(1));
  });

  it("expresses common frame rates as small rationals", () => {
    expect(fpsRational(25)).toEqual([25, 1]);
    expect(fpsRational(30000 / 1001)).toEqual([30000, 1001]);
    expect(fpsRational(12.5)).toEqual([25, 2]);
    expect(() => fpsRational(0)).toThrow(/fps must be positive/);
  });
});

describe("maxFrames", () => {
  it("must be a positive integer", async () => {
    const { path } = ffmpegY4m("one", "yuv420p", "16x16", 1);
    await expect(readY4m(path, { maxFrames: 0 })).rejects.toThrow(/maxFrames must be a positive integer, got 0/);
  });
});
