import { join } from "node:path";
import { readFileSync } from "node:fs";
import { rgbToYuv, yuvFrameSize, yuvToRgb } from "../../../src/evaluate/clips/colour.js";
import type { Frame } from "../../../src/evaluate/clips/clip.js";
import { readY4m } from "../../../src/evaluate/clips/y4m.js";
import { absDiff, ASTRONAUT_PNG, ffmpeg, ffmpegRgb, makeTmpDir } from "./tmp-media.js";

/**
 * One frame holding every RGB triple whose components are multiples of 5
 * (0, 5, ..., 255: 52^3 triples, extremes included). The full 2^24 sweep,
 * run once offline, gives the same maxima (2 for tv, 1 for pc) but takes a
 * minute under jest.
 */
function rgbGrid(): Frame {
  const levels = Array.from({ length: 52 }, (_, i) => i * 5);
  const width = 52 * 52;
  const height = 52;
  const data = new Uint8Array(width * height * 3);
  let p = 0;
  for (const r of levels) for (const g of levels) for (const b of levels) data.set([r, g, b], 3 * p++);
  return { width, height, data };
}

function pixel(frame: Frame, index = 0): number[] {
  return Array.from(frame.data.subarray(3 * index, 3 * index + 3));
}

function yuv444(y: number, u: number, v: number): Uint8Array {
  return Uint8Array.of(y, u, v);
}

describe("yuvFrameSize", () => {
  it("uses ceil(w/2) x ceil(h/2) chroma planes for 4:2:0", () => {
    expect(yuvFrameSize("yuv420p", 352, 288)).toBe(352 * 288 * 1.5);
    expect(yuvFrameSize("yuv420p", 5, 3)).toBe(15 + 2 * 3 * 2);
    expect(yuvFrameSize("yuv444p", 5, 3)).toBe(45);
  });
});

describe("yuvToRgb", () => {
  it("maps the limited-range extremes to black and white", () => {
    expect(pixel(yuvToRgb(yuv444(16, 128, 128), "yuv444p", 1, 1, "tv"))).toEqual([0, 0, 0]);
    expect(pixel(yuvToRgb(yuv444(235, 128, 128), "yuv444p", 1, 1, "tv"))).toEqual([255, 255, 255]);
    expect(pixel(yuvToRgb(yuv444(126, 128, 128), "yuv444p", 1, 1, "tv"))).toEqual([128, 128, 128]);
  });

  it("treats full range differently from limited range", () => {
    expect(pixel(yuvToRgb(yuv444(0, 128, 128), "yuv444p", 1, 1, "pc"))).toEqual([0, 0, 0]);
    expect(pixel(yuvToRgb(yuv444(255, 128, 128), "yuv444p", 1, 1, "pc"))).toEqual([255, 255, 255]);
    expect(pixel(yuvToRgb(yuv444(16, 128, 128), "yuv444p", 1, 1, "pc"))).toEqual([16, 16, 16]);
  });

  it.each([
    [[255, 0, 0], [81, 90, 240]],
    [[0, 255, 0], [145, 54, 34]],
    [[0, 0, 255], [41, 240, 110]],
  ])("follows the BT.601 limited-range table for primary %j", (rgb, yuv) => {
    // The rounded BT.601 values of the primaries (ITU-R BT.601 / Rec. 601 colour bars).
    const frame = { width: 1, height: 1, data: Uint8Array.from(rgb) };
    expect(Array.from(rgbToYuv(frame, "yuv444p", "tv"))).toEqual(yuv);
    const back = pixel(yuvToRgb(Uint8Array.from(yuv), "yuv444p", 1, 1, "tv"));
    expect(absDiff(Uint8Array.from(back), Uint8Array.from(rgb)).max).toBeLessThanOrEqual(2);
  });

  it("upsamples 4:2:0 chroma bilinearly with centred siting", () => {
    // 4x2 luma, 2x1 chroma: V steps from 128 to 228 between the two chroma samples.
    const planes = Uint8Array.of(126, 126, 126, 126, 126, 126, 126, 126, 128, 128, 128, 228);
    const rgb = yuvToRgb(planes, "yuv420p", 4, 2, "tv");
    const red = [0, 1, 2, 3].map((x) => rgb.data[3 * x]);
    // chroma per column: 128, 128*3/4+228/4 = 153, 128/4+228*3/4 = 203, 228
    const expected = [128, 153, 203, 228].map((v) =>
      Math.min(255, Math.round(((126 - 16) * 255) / 219 + ((v - 128) * 255 * 1.402) / 224)),
    );
    expect(red).toEqual(expected);
  });

  it("handles odd sizes and rejects buffers of the wrong length", () => {
    const planes = new Uint8Array(yuvFrameSize("yuv420p", 5, 3)).fill(128);
    expect(yuvToRgb(planes, "yuv420p", 5, 3, "tv").data).toHaveLength(45);
    expect(() => yuvToRgb(planes.subarray(1), "yuv420p", 5, 3, "tv")).toThrow(/needs 27 bytes, got 26/);
    expect(() => yuvToRgb(planes, "yuv420p", 0, 3, "tv")).toThrow(/positive integers/);
  });
});

describe("rgbToYuv round trip", () => {
  const every = rgbGrid();

  it.each([
    ["tv", 2],
    ["pc", 1],
  ] as const)("4:4:4 %s range: RGB comes back within %d", (range, bound) => {
    const yuv = rgbToYuv(every, "yuv444p", range);
    const back = yuvToRgb(yuv, "yuv444p", every.width, every.height, range);
    const { max, mean } = absDiff(every.data, back.data);
    expect(max).toBeLessThanOrEqual(bound);
    expect(mean).toBeLessThan(0.45);
  });

  it("keeps limited-range samples inside 16..235 / 16..240", () => {
    const yuv = rgbToYuv(every, "yuv444p", "tv");
    const n = every.width * every.height;
    let [yMin, yMax, cMin, cMax] = [255, 0, 255, 0];
    for (let i = 0; i < n; i++) [yMin, yMax] = [Math.min(yMin, yuv[i]!), Math.max(yMax, yuv[i]!)];
    for (let i = n; i < 3 * n; i++) [cMin, cMax] = [Math.min(cMin, yuv[i]!), Math.max(cMax, yuv[i]!)];
    expect([yMin, yMax, cMin, cMax]).toEqual([16, 235, 16, 240]);
  });

  it("4:2:0 averages chroma over each 2x2 block and is exact on flat colour", () => {
    const data = new Uint8Array(6 * 4 * 3);
    for (let i = 0; i < 24; i++) data.set([200, 40, 90], 3 * i);
    const frame = { width: 6, height: 4, data };
    const yuv = rgbToYuv(frame, "yuv420p", "tv");
    expect(yuv).toHaveLength(yuvFrameSize("yuv420p", 6, 4));
    const back = yuvToRgb(yuv, "yuv420p", 6, 4, "tv");
    expect(absDiff(back.data, data).max).toBeLessThanOrEqual(2);
    // Two pixels of different chroma in one block: the chroma sample is their rounded mean.
    const pair = rgbToYuv({ width: 2, height: 1, data: Uint8Array.of(255, 0, 0, 0, 0, 255) }, "yuv420p", "pc");
    const red = rgbToYuv({ width: 1, height: 1, data: Uint8Array.of(255, 0, 0) }, "yuv444p", "pc");
    const blue = rgbToYuv({ width: 1, height: 1, data: Uint8Array.of(0, 0, 255) }, "yuv444p", "pc");
    expect(Math.abs(pair[2]! - (red[1]! + blue[1]!) / 2)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(pair[3]! - (red[2]! + blue[2]!) / 2)).toBeLessThanOrEqual(0.5);
  });

  it("is deterministic", () => {
    const frame = { width: 3, height: 3, data: Uint8Array.from({ length: 27 }, (_, i) => (i * 37) % 256) };
    expect(rgbToYuv(frame, "yuv420p", "tv")).toEqual(rgbToYuv(frame, "yuv420p", "tv"));
  });
});

describe("agreement with ffmpeg's own conversion", () => {
  const tmp = makeTmpDir();
  afterAll(tmp.cleanup);

  function realFrameY4m(pixFmt: string): string {
    const path = join(tmp.dir, `astronaut-${pixFmt}.y4m`);
    ffmpeg(["-i", ASTRONAUT_PNG, "-vf", "scale=352:288", "-pix_fmt", pixFmt, path]);
    return path;
  }

  it("4:4:4: same matrix, at most 1 level of rounding difference", async () => {
    const path = realFrameY4m("yuv444p");
    const clip = await readY4m(path);
    const { max, mean } = absDiff(clip.frames[0]!.data, ffmpegRgb(path));
    expect(max).toBeLessThanOrEqual(1);
    expect(mean).toBeLessThan(0.02);
  });

  it("4:2:0: differs only by chroma interpolation at colour edges", async () => {
    const path = realFrameY4m("yuv420p");
    const clip = await readY4m(path);
    const { max, mean } = absDiff(clip.frames[0]!.data, ffmpegRgb(path));
    // Measured on this frame: max 11, mean 0.43 (ffmpeg uses bicubic chroma, we use bilinear).
    expect(max).toBeLessThanOrEqual(16);
    expect(mean).toBeLessThan(0.6);
  });

  it("a Y4M tagged full range is read as full range", async () => {
    const path = join(tmp.dir, "full.y4m");
    ffmpeg(["-i", ASTRONAUT_PNG, "-vf", "scale=64:64:out_range=pc", "-pix_fmt", "yuv444p", "-color_range", "pc", "-strict", "-1", path]);
    expect(readFileSync(path).subarray(0, 100).toString("latin1")).toContain("XCOLORRANGE=FULL");
    const clip = await readY4m(path);
    expect(clip.native?.range).toBe("pc");
    const reference = ffmpeg([
      "-i",
      path,
      "-sws_flags",
      "accurate_rnd+full_chroma_int+bitexact",
      "-vf",
      "scale=in_color_matrix=bt601:in_range=pc",
      "-pix_fmt",
      "rgb24",
      "-f",
      "rawvideo",
      "-",
    ]);
    expect(absDiff(clip.frames[0]!.data, reference).max).toBeLessThanOrEqual(1);
  });
});
