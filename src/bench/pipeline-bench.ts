/**
 * Benchmark of the whole evaluation pipeline at 1080p with a pass-through
 * codec: sandboxed encode, two sandboxed decodes, metrics. Reported next to
 * ffmpeg's psnr+ssim filters on the same frames, timed in the same run.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Clip } from "../evaluate/clips/clip.js";
import { evaluateCodec } from "../evaluate/evaluator.js";
import { closeSharedQualityPool } from "../evaluate/metrics/quality-pool.js";
import { fps, makeFrames, timeFfmpeg, writeFfmpegInputs } from "./metrics-bench.js";

const PASS_THROUGH = `import numpy as np


def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()


def decompress_video_frame(compressed_data, frame_index, config):
    shape = (config["height"], config["width"], 3)
    return np.frombuffer(compressed_data, dtype=np.uint8).reshape(shape).copy()
`;

/** Times evaluateCodec on a pass-through codec against ffmpeg psnr+ssim; returns a printable report. */
export async function benchPipeline(): Promise<string> {
  const { source, decoded, origin } = await makeFrames();
  const dir = mkdtempSync(join(tmpdir(), "pipeline-bench-"));
  try {
    const codecPath = join(dir, "pass_through.py");
    writeFileSync(codecPath, PASS_THROUGH);
    const { width, height } = source[0]!;
    const clip: Clip = {
      name: "bench-1080p",
      width,
      height,
      fps: 30,
      frames: source,
      source: { kind: "synthetic", generator: origin, seed: 0 },
    };

    const started = performance.now();
    const result = await evaluateCodec({ codecPath, clips: [clip], qualities: [50] });
    const pipelineMs = performance.now() - started;
    if (result.status !== "ok") {
      throw new Error(`pass-through codec failed: ${JSON.stringify(result.failure)}`);
    }
    const rung = result.clips[0]!.rungs[0]!;

    const paths = writeFfmpegInputs(dir, source, decoded);
    const ffmpeg = await timeFfmpeg([
      { pixFmt: "gbrp", main: paths.mainRgb, reference: paths.refRgb },
      { pixFmt: "gray", main: paths.mainY, reference: paths.refY },
    ]);

    return [
      `pipeline bench: ${source.length} frames ${width}x${height}, pass-through codec, one rung`,
      `  sandbox: ${result.sandbox?.isolation ?? "?"}`,
      `  whole evaluation (encode + 2 decodes in 3 sandboxes, metrics): ${fps(pipelineMs)}`,
      `  codec calls alone: encode ${rung.encodeFps.toFixed(1)} frames/s, decode ${rung.decodeFps.toFixed(1)} frames/s`,
      `  ffmpeg psnr+ssim (RGB + luma) on the same frames: ${fps(ffmpeg.ms)}`,
      `  ratio whole evaluation / ffmpeg metrics alone (time): ${(pipelineMs / ffmpeg.ms).toFixed(2)}x`,
      `  lossless check: psnrRgb ${rung.psnrRgb}, ssimRgb ${rung.ssimRgb}`,
    ].join("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await closeSharedQualityPool();
  }
}
