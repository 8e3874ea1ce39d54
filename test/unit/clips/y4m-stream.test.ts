/**
 * The streaming Y4M reader: with maxFrames it reads only the frames it needs
 * (counted in bytes), it works on files past Node's 2 GiB single-read limit,
 * and each walk yields what readY4m returns.
 */
import { closeSync, ftruncateSync, openSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ClipError, openY4m, readY4m } from "../../../src/evaluate/clips/y4m.js";
import { makeTmpDir } from "./tmp-media.js";

const tmp = makeTmpDir();
afterAll(tmp.cleanup);

const W = 64;
const H = 48;
const FRAME_BYTES = (W * H * 3) / 2;
const HEADER = `YUV4MPEG2 W${W} H${H} F25:1 Ip C420jpeg\n`;

/** Frame f's planes: every byte depends on frame and position. */
function planes(f: number): Buffer {
  const data = Buffer.alloc(FRAME_BYTES);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + f * 31) & 255;
  return data;
}

function writeClip(name: string, frames: number): string {
  const path = join(tmp.dir, name);
  const parts: Buffer[] = [Buffer.from(HEADER, "latin1")];
  for (let f = 0; f < frames; f++) parts.push(Buffer.from("FRAME\n", "latin1"), planes(f));
  writeFileSync(path, Buffer.concat(parts));
  return path;
}

describe("openY4m", () => {
  it("reads only the header, the markers and the frames it was asked for", async () => {
    const path = writeClip("ten.y4m", 10);
    const stream = await openY4m(path, { maxFrames: 2 });
    expect(stream.frameCount).toBe(2);
    const afterOpen = stream.bytesRead;
    // Opening read the header and two marker lines (short peeks), not frame data.
    expect(afterOpen).toBeLessThan(HEADER.length + 2 * 64 + 4096);
    expect(afterOpen).toBeLessThan(FRAME_BYTES);

    const seen: Buffer[] = [];
    for await (const frame of stream.frames()) seen.push(Buffer.from(frame.native!));
    expect(seen).toEqual([planes(0), planes(1)]);
    // One walk read exactly two frames more: nothing of the other eight.
    expect(stream.bytesRead - afterOpen).toBe(2 * FRAME_BYTES);
  });

  it("stops reading when the consumer stops, and every walk starts afresh", async () => {
    const path = writeClip("five.y4m", 5);
    const stream = await openY4m(path);
    const before = stream.bytesRead;
    for await (const frame of stream.frames()) {
      expect(frame.index).toBe(0);
      break;
    }
    expect(stream.bytesRead - before).toBe(FRAME_BYTES);
    const indexes: number[] = [];
    for await (const frame of stream.frames()) indexes.push(frame.index);
    expect(indexes).toEqual([0, 1, 2, 3, 4]);
  });

  it("yields the same RGB frames and planes as readY4m", async () => {
    const path = writeClip("same.y4m", 3);
    const whole = await readY4m(path);
    const stream = await openY4m(path);
    let i = 0;
    for await (const frame of stream.frames()) {
      expect(Buffer.from(frame.rgb.data)).toEqual(Buffer.from(whole.frames[i]!.data));
      expect(Buffer.from(frame.native!)).toEqual(Buffer.from(whole.native!.frames[i]!));
      i++;
    }
    expect(i).toBe(3);
  });

  it("opens a file larger than 2 GiB and reads just the frames asked for", async () => {
    // Two real frames, then a sparse hole up to 2.2 GiB: no disk space, but a
    // reader that reads the whole file (Node refuses more than 2 GiB at once) fails.
    const path = writeClip("huge.y4m", 2);
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, Math.floor(2.2 * 1024 ** 3));
    } finally {
      closeSync(fd);
    }
    const stream = await openY4m(path, { maxFrames: 2 });
    const seen: Buffer[] = [];
    for await (const frame of stream.frames()) seen.push(Buffer.from(frame.native!));
    expect(seen).toEqual([planes(0), planes(1)]);
    expect(stream.bytesRead).toBeLessThan(3 * FRAME_BYTES);
    // Without the limit the third "frame" is the hole: a clear error at its offset, not a read failure.
    const error = await openY4m(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ClipError);
    expect((error as Error).message).toMatch(/frame 2 \(counting from 0\): expected "FRAME" at byte offset/);
  });

  it("reports a file changed under it between opening and reading", async () => {
    const path = writeClip("shrinks.y4m", 3);
    const stream = await openY4m(path);
    const fd = openSync(path, "r+");
    try {
      ftruncateSync(fd, HEADER.length + 6 + FRAME_BYTES);
    } finally {
      closeSync(fd);
    }
    const walk = async () => {
      for await (const _ of stream.frames()) void _;
    };
    await expect(walk()).rejects.toThrow(/frame 1 is shorter than when the file was opened/);
  });
});
