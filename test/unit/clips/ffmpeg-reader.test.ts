import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClipError } from "../../../src/evaluate/clips/clip-error.js";
import { readWithFfmpeg } from "../../../src/evaluate/clips/ffmpeg-reader.js";
import { readY4m } from "../../../src/evaluate/clips/y4m.js";
import { ASTRONAUT_PNG, ffmpeg, makeTmpDir } from "./tmp-media.js";

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

const pattern = ["-f", "lavfi", "-i", "testsrc2=s=96x64:r=25", "-frames:v", "6"];

describe("readWithFfmpeg", () => {
  it("keeps native planes of a yuv420p MP4 and converts them with our matrix", async () => {
    const mp4 = join(tmp.dir, "x264.mp4");
    ffmpeg([...pattern, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", mp4]);
    const clip = await readWithFfmpeg(mp4);
    expect([clip.name, clip.width, clip.height, clip.fps, clip.frames.length]).toEqual(["x264", 96, 64, 25, 6]);
    expect(clip.source).toEqual({ kind: "ffmpeg", path: mp4 });
    expect(clip.native).toMatchObject({ pixFmt: "yuv420p", range: "tv" });
    // The same decoded frames via Y4M give identical planes and identical RGB.
    const y4m = join(tmp.dir, "x264.y4m");
    ffmpeg(["-i", mp4, y4m]);
    const viaY4m = await readY4m(y4m);
    expect(clip.native!.frames.map((f) => Buffer.from(f))).toEqual(viaY4m.native!.frames.map((f) => Buffer.from(f)));
    expect(clip.frames.map((f) => Buffer.from(f.data))).toEqual(viaY4m.frames.map((f) => Buffer.from(f.data)));
  });

  it("decodes other pixel formats to RGB24 with no native planes (lossless RGB MKV)", async () => {
    const mkv = join(tmp.dir, "rgb.mkv");
    ffmpeg([...pattern, "-c:v", "ffv1", "-pix_fmt", "bgr0", mkv]);
    const rgb = ffmpeg(["-i", mkv, "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]);
    const clip = await readWithFfmpeg(mkv);
    expect(clip.native).toBeUndefined();
    expect(clip.frames).toHaveLength(6);
    expect(Buffer.concat(clip.frames.map((f) => f.data)).equals(rgb)).toBe(true);
  });

  it("reads a still image as a one-frame clip", async () => {
    const clip = await readWithFfmpeg(ASTRONAUT_PNG);
    expect([clip.name, clip.width, clip.height, clip.frames.length]).toEqual(["astronaut", 512, 512, 1]);
  });

  it("honours maxFrames and full-range (yuvj420p) sources", async () => {
    const mkv = join(tmp.dir, "mjpeg.mkv");
    ffmpeg([...pattern, "-c:v", "mjpeg", "-pix_fmt", "yuvj420p", mkv]);
    const clip = await readWithFfmpeg(mkv, { maxFrames: 2 });
    expect(clip.frames).toHaveLength(2);
    expect(clip.native).toMatchObject({ pixFmt: "yuv420p", range: "pc" });
  });

  it("handles paths that look like ffmpeg protocols", async () => {
    const odd = join(tmp.dir, "concat:x.mp4");
    ffmpeg([...pattern, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", `file:${odd}`]);
    expect((await readWithFfmpeg(odd)).frames).toHaveLength(6);
  });

  it("says so when the file is not video", async () => {
    const text = join(tmp.dir, "notes.txt");
    writeFileSync(text, "not a video\n");
    await expect(readWithFfmpeg(text)).rejects.toThrow(/notes\.txt: ffprobe cannot read this file as media/);
    const wav = join(tmp.dir, "tone.wav");
    ffmpeg(["-f", "lavfi", "-i", "sine=d=0.2", wav]);
    await expect(readWithFfmpeg(wav)).rejects.toThrow(/tone\.wav: no video stream found/);
  });

  it("says so when ffmpeg is not installed", async () => {
    const missing = join(tmp.dir, "no-such-dir", "ffprobe");
    process.env.CODEC_EVOLVE_FFPROBE = missing;
    try {
      const error = await readWithFfmpeg(ASTRONAUT_PNG).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClipError);
      expect((error as Error).message).toContain(
        `"${missing}" was not found; install ffmpeg (e.g. apt-get install ffmpeg) or set CODEC_EVOLVE_FFPROBE`,
      );
    } finally {
      delete process.env.CODEC_EVOLVE_FFPROBE;
    }
  });
});
