/** Shared pieces of the baseline tests: a spawn recorder and a clip with native 4:2:0 planes. */
import { readFile } from "node:fs/promises";
import type { Clip } from "../../../src/evaluate/clips/clip.js";
import { yuvFrameSize, yuvToRgb } from "../../../src/evaluate/clips/colour.js";
import { runProcess, type ProcessRunner } from "../../../src/evaluate/run-process.js";

export interface RecordedCall {
  args: readonly string[];
  /** Contents of the file written by an encode (the argument after "-y"), read as soon as ffmpeg exits. */
  output?: Buffer;
}

/** A runner that spawns the real ffmpeg and records every call. */
export function recordingRunner(): { runner: ProcessRunner; calls: RecordedCall[] } {
  const calls: RecordedCall[] = [];
  const runner: ProcessRunner = async (command, args, options) => {
    const result = await runProcess(command, args, options);
    const call: RecordedCall = { args };
    const y = args.indexOf("-y");
    if (y >= 0 && result.code === 0) call.output = await readFile(args[y + 1]!);
    calls.push(call);
    return result;
  };
  return { runner, calls };
}

/** Encodes recorded by a runner: the file written for each "-crf" value. */
export function encodedStreams(calls: readonly RecordedCall[]): Map<number, Buffer> {
  const streams = new Map<number, Buffer>();
  for (const call of calls) {
    const crf = call.args.indexOf("-crf");
    if (crf >= 0 && call.output) streams.set(Number(call.args[crf + 1]), call.output);
  }
  return streams;
}

/**
 * A clip whose native yuv420p planes are the primary samples: smooth moving
 * luma and chroma that no RGB -> YUV conversion of its own RGB frames would
 * give back exactly.
 */
export function nativeYuvClip(width: number, height: number, count: number): Clip {
  const frameSize = yuvFrameSize("yuv420p", width, height);
  const cw = width / 2;
  const ch = height / 2;
  const planes: Uint8Array[] = [];
  for (let f = 0; f < count; f++) {
    const p = new Uint8Array(frameSize);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        p[y * width + x] = 16 + ((((x + 2 * f) * 5 + y * 3) ^ (y * 7)) % 220);
      }
    }
    for (let y = 0; y < ch; y++) {
      for (let x = 0; x < cw; x++) {
        p[width * height + y * cw + x] = 60 + ((x * 9 + y + f) % 140);
        p[width * height + cw * ch + y * cw + x] = 70 + ((y * 11 + x * 3 + 2 * f) % 120);
      }
    }
    planes.push(p);
  }
  return {
    name: "native-yuv",
    width,
    height,
    fps: 25,
    frames: planes.map((p) => yuvToRgb(p, "yuv420p", width, height, "tv")),
    source: { kind: "synthetic", generator: "test native yuv", seed: 1 },
    native: { pixFmt: "yuv420p", frames: planes, range: "tv" },
  };
}

/** NAL unit types of an Annex-B stream (H.264: byte & 0x1f; HEVC: (byte >> 1) & 0x3f). */
export function nalTypes(stream: Buffer, codec: "h264" | "hevc"): number[] {
  const types: number[] = [];
  for (let i = 0; i + 3 < stream.length; i++) {
    if (stream[i] === 0 && stream[i + 1] === 0 && stream[i + 2] === 1) {
      const header = stream[i + 3]!;
      types.push(codec === "h264" ? header & 0x1f : (header >> 1) & 0x3f);
      i += 2;
    }
  }
  return types;
}
