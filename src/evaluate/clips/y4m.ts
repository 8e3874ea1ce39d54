/**
 * YUV4MPEG2 (Y4M) reader and writer, 8-bit 4:2:0 and 4:4:4.
 *
 * The reader streams: `openY4m` walks the FRAME markers with positional reads
 * and each walk of the stream reads one frame at a time, so memory and the
 * bytes read never depend on frames past maxFrames, and files over Node's
 * 2 GiB single-read limit work. RGB frames are converted with the project's
 * single BT.601 conversion (colour.ts). All 4:2:0 siting variants (420,
 * 420jpeg, 420paldv, 420mpeg2) are read the same way, as centred siting:
 * the difference is a quarter-pixel chroma shift that no metric we report is
 * sensitive to, and treating them alike keeps one code path.
 */
import { open, type FileHandle } from "node:fs/promises";
import { basename, extname } from "node:path";
import type { Clip, Frame } from "./clip.js";
import { collectClip, type ClipStream } from "./clip-stream.js";
import { ClipError } from "./clip-error.js";
import { checkMaxFrames } from "./max-frames.js";
import { rgbToYuv, yuvFrameSize, yuvToRgb, type YuvPixFmt, type YuvRange } from "./colour.js";

export { ClipError } from "./clip-error.js";

const MAGIC = "YUV4MPEG2";
const FRAME_MARKER = "FRAME";
const NEWLINE = 0x0a;
/** Longest header or FRAME line we accept before calling the file garbled. */
const MAX_LINE = 4096;

/** A Map, not an object: integer-like keys such as "420" would lose their order. */
const SUPPORTED_COLOUR_SPACES: ReadonlyMap<string, YuvPixFmt> = new Map([
  ["420", "yuv420p"],
  ["420jpeg", "yuv420p"],
  ["420paldv", "yuv420p"],
  ["420mpeg2", "yuv420p"],
  ["444", "yuv444p"],
]);

/** The parts of a Y4M stream header that matter to us. */
export interface Y4mHeader {
  readonly width: number;
  readonly height: number;
  readonly fpsNum: number;
  readonly fpsDen: number;
  readonly pixFmt: YuvPixFmt;
  readonly range: YuvRange;
  /** Byte offset of the first FRAME marker. */
  readonly dataOffset: number;
}

function ascii(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
}

/** Printable excerpt of bytes for error messages. */
function excerpt(bytes: Uint8Array, offset: number, length = 16): string {
  return JSON.stringify(ascii(bytes.subarray(offset, offset + length)));
}

function positiveInt(text: string, what: string, path: string): number {
  const value = /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new ClipError(`${path}: Y4M header: ${what} must be a positive integer, got "${text}"`);
  }
  return value;
}

/** Parses the stream header line; throws ClipError naming the bad parameter. */
export function parseY4mHeader(bytes: Uint8Array, path: string): Y4mHeader {
  const magic = ascii(bytes.subarray(0, MAGIC.length));
  if (magic !== MAGIC) {
    throw new ClipError(
      `${path}: not a Y4M file: expected "${MAGIC}" at byte 0, found ${excerpt(bytes, 0, MAGIC.length)}`,
    );
  }
  const end = bytes.subarray(0, MAX_LINE).indexOf(NEWLINE);
  if (end < 0) {
    throw new ClipError(
      `${path}: Y4M header has no end of line within the first ${MAX_LINE} bytes (file is ${bytes.length} bytes)`,
    );
  }
  const line = ascii(bytes.subarray(0, end));
  if (line.length > MAGIC.length && line[MAGIC.length] !== " ") {
    throw new ClipError(`${path}: Y4M header: expected a space after "${MAGIC}" at byte 9`);
  }
  let width: number | undefined;
  let height: number | undefined;
  let fps: [number, number] | undefined;
  let colourSpace = "420jpeg"; // the Y4M default when C is absent
  let range: YuvRange = "tv";
  for (const token of line.slice(MAGIC.length).split(" ")) {
    if (token === "") continue;
    const tag = token[0];
    const value = token.slice(1);
    switch (tag) {
      case "W":
        width = positiveInt(value, "W (width)", path);
        break;
      case "H":
        height = positiveInt(value, "H (height)", path);
        break;
      case "F": {
        const parts = value.split(":");
        if (parts.length !== 2) {
          throw new ClipError(`${path}: Y4M header: F (frame rate) must be "num:den", got "${value}"`);
        }
        fps = [
          positiveInt(parts[0] as string, "F numerator", path),
          positiveInt(parts[1] as string, "F denominator", path),
        ];
        break;
      }
      case "I":
        if (value !== "p" && value !== "?") {
          throw new ClipError(
            `${path}: Y4M header: interlacing "I${value}" is not supported; only progressive (Ip or I?). ` +
              `Deinterlace first, e.g. ffmpeg -i IN -vf yadif OUT.y4m`,
          );
        }
        break;
      case "C":
        colourSpace = value;
        break;
      case "X":
        if (value === "COLORRANGE=FULL") range = "pc";
        else if (value === "COLORRANGE=LIMITED") range = "tv";
        break;
      default:
        break; // A (aspect ratio) and unknown tags: the format says readers skip them
    }
  }
  if (width === undefined || height === undefined) {
    throw new ClipError(`${path}: Y4M header: missing ${width === undefined ? "W (width)" : "H (height)"}`);
  }
  if (fps === undefined) {
    throw new ClipError(`${path}: Y4M header: missing F (frame rate), e.g. F30:1`);
  }
  const pixFmt = SUPPORTED_COLOUR_SPACES.get(colourSpace);
  if (pixFmt === undefined) {
    throw new ClipError(
      `${path}: Y4M colour space "C${colourSpace}" is not supported; supported: ` +
        `${[...SUPPORTED_COLOUR_SPACES.keys()]
          .map((c) => "C" + c)
          .join(", ")} (8 bit). Convert with: ffmpeg -i IN -pix_fmt yuv420p OUT.y4m`,
    );
  }
  return { width, height, fpsNum: fps[0], fpsDen: fps[1], pixFmt, range, dataOffset: end + 1 };
}

/** A Y4M clip streamed from disk; `bytesRead` counts every byte read so far (header, markers, frames). */
export interface Y4mStream extends ClipStream {
  readonly bytesRead: number;
}

/**
 * Opens a Y4M file as a stream: reads the header and walks the FRAME markers
 * (up to maxFrames) with positional reads, so a bad or truncated frame is
 * reported before any work starts and nothing beyond the frames used is ever
 * read. Files of any size work: nothing is read whole.
 */
export async function openY4m(path: string, opts: { maxFrames?: number } = {}): Promise<Y4mStream> {
  checkMaxFrames(opts.maxFrames, path);
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw new ClipError(`${path}: cannot read Y4M file: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let bytesRead = 0;
  const readAt = async (file: FileHandle, offset: number, length: number): Promise<Buffer> => {
    const buffer = Buffer.alloc(length);
    let filled = 0;
    while (filled < length) {
      const { bytesRead: got } = await file.read(buffer, filled, length - filled, offset + filled);
      if (got === 0) break;
      filled += got;
    }
    bytesRead += filled;
    return filled === length ? buffer : buffer.subarray(0, filled);
  };
  let header: Y4mHeader;
  let offsets: number[];
  try {
    const size = (await handle.stat()).size;
    header = parseY4mHeader(await readAt(handle, 0, Math.min(size, MAX_LINE)), path);
    offsets = await frameOffsets(handle, size, header, path, opts.maxFrames ?? Infinity, readAt);
  } finally {
    await handle.close();
  }
  const frameSize = yuvFrameSize(header.pixFmt, header.width, header.height);
  return {
    name: basename(path, extname(path)),
    width: header.width,
    height: header.height,
    fps: header.fpsNum / header.fpsDen,
    frameCount: offsets.length,
    source: { kind: "y4m", path },
    native: { pixFmt: header.pixFmt, range: header.range },
    get bytesRead() {
      return bytesRead;
    },
    async *frames() {
      const file = await open(path, "r");
      try {
        for (const [index, offset] of offsets.entries()) {
          const planes = await readAt(file, offset, frameSize);
          if (planes.length !== frameSize) {
            throw new ClipError(`${path}: frame ${index} is shorter than when the file was opened; was it changed?`);
          }
          const rgb = yuvToRgb(planes, header.pixFmt, header.width, header.height, header.range);
          yield { index, rgb, native: planes };
        }
      } finally {
        await file.close();
      }
    },
  };
}

/** Reads a Y4M file into a Clip held in memory; frames are RGB24 (BT.601) and clip.native holds the planes. */
export async function readY4m(path: string, opts: { maxFrames?: number } = {}): Promise<Clip> {
  return collectClip(await openY4m(path, opts));
}

/** A FRAME line is almost always "FRAME\n": read this much first, up to MAX_LINE only when it has parameters. */
const MARKER_PEEK = 64;

/** Walks the FRAME markers (reading only the marker lines) and returns where each frame's planes start. */
async function frameOffsets(
  handle: FileHandle,
  size: number,
  header: Y4mHeader,
  path: string,
  maxFrames: number,
  readAt: (file: FileHandle, offset: number, length: number) => Promise<Buffer>,
): Promise<number[]> {
  const frameSize = yuvFrameSize(header.pixFmt, header.width, header.height);
  const starts: number[] = [];
  let offset = header.dataOffset;
  while (offset < size && starts.length < maxFrames) {
    const index = starts.length;
    let line = await readAt(handle, offset, Math.min(MARKER_PEEK, size - offset));
    let lineEnd = line.indexOf(NEWLINE);
    if (lineEnd < 0 && line.length < size - offset) {
      line = await readAt(handle, offset, Math.min(MAX_LINE, size - offset));
      lineEnd = line.indexOf(NEWLINE);
    }
    const marker = ascii(line.subarray(0, FRAME_MARKER.length));
    if (marker !== FRAME_MARKER) {
      throw new ClipError(
        `${path}: frame ${index} (counting from 0): expected "FRAME" at byte offset ${offset}, ` +
          `found ${excerpt(line, 0, 8)}` +
          (index > 0 ? `; the previous frame may be longer than the header's ${frameSize} bytes` : ""),
      );
    }
    if (lineEnd < 0) {
      throw new ClipError(
        `${path}: frame ${index}: FRAME marker at byte offset ${offset} has no end of line`,
      );
    }
    const afterMarker = line[FRAME_MARKER.length];
    if (afterMarker !== NEWLINE && afterMarker !== 0x20) {
      throw new ClipError(
        `${path}: frame ${index}: garbled FRAME marker at byte offset ${offset}: ${excerpt(line, 0, 12)}`,
      );
    }
    const start = offset + lineEnd + 1;
    const available = size - start;
    if (available < frameSize) {
      throw new ClipError(
        `${path}: frame ${index} (counting from 0) is truncated: ${header.pixFmt} ` +
          `${header.width}x${header.height} needs ${frameSize} bytes from byte offset ${start}, ` +
          `file has ${available} (${frameSize - available} missing)`,
      );
    }
    starts.push(start);
    offset = start + frameSize;
  }
  if (starts.length === 0) {
    throw new ClipError(`${path}: Y4M file has a header but no frames`);
  }
  return starts;
}

/** Frame rate as a Y4M "num:den" with small integers where the rate is a common one. */
export function fpsRational(fps: number): [number, number] {
  if (!Number.isFinite(fps) || fps <= 0) throw new RangeError(`fps must be positive, got ${fps}`);
  for (const den of [1, 1001, 2, 4, 5, 8, 10, 100, 1000]) {
    const num = fps * den;
    if (Math.abs(num - Math.round(num)) < 1e-6) return [Math.round(num), den];
  }
  const den = 1_000_000;
  const num = Math.round(fps * den);
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  const g = gcd(num, den);
  return [num / g, den / g];
}

/**
 * Writes a clip as Y4M. With clip.native the native planes are written
 * byte-for-byte (so readY4m -> writeY4m is lossless); without them the RGB
 * frames are converted to 4:4:4 full range ("C444 XCOLORRANGE=FULL"), the
 * least lossy 8-bit Y4M form of RGB, whose round trip is within 1-2 levels.
 */
export async function writeY4m(path: string, clip: Clip): Promise<void> {
  const native = clip.native;
  if (native !== undefined && native.frames.length !== clip.frames.length) {
    throw new ClipError(
      `${path}: clip "${clip.name}" has ${clip.frames.length} RGB frames but ${native.frames.length} native frames`,
    );
  }
  const pixFmt: YuvPixFmt = native?.pixFmt ?? "yuv444p";
  const range: YuvRange = native?.range ?? "pc";
  const frameSize = yuvFrameSize(pixFmt, clip.width, clip.height);
  const [num, den] = fpsRational(clip.fps);
  const colourTag = pixFmt === "yuv420p" ? "C420jpeg XYSCSS=420JPEG" : "C444 XYSCSS=444";
  const rangeTag = range === "pc" ? "XCOLORRANGE=FULL" : "XCOLORRANGE=LIMITED";
  const header = `${MAGIC} W${clip.width} H${clip.height} F${num}:${den} Ip A1:1 ${colourTag} ${rangeTag}\n`;
  const frameLine = Buffer.from(`${FRAME_MARKER}\n`, "latin1");
  const handle = await open(path, "w");
  try {
    await handle.write(Buffer.from(header, "latin1"));
    for (let i = 0; i < clip.frames.length; i++) {
      const planes = native?.frames[i] ?? rgbToYuv(clip.frames[i] as Frame, pixFmt, range);
      if (planes.length !== frameSize) {
        throw new ClipError(
          `${path}: frame ${i} of clip "${clip.name}" has ${planes.length} bytes, expected ${frameSize}`,
        );
      }
      await handle.writev([frameLine, planes]);
    }
  } finally {
    await handle.close();
  }
}
