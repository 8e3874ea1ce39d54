import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cacheKey } from "../../../src/evaluate/baselines/cache.js";
import { X265, X265_LD } from "../../../src/evaluate/baselines/ffmpeg-encoders.js";
import { runBaseline } from "../../../src/evaluate/baselines/index.js";
import { runProcess } from "../../../src/evaluate/run-process.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";
import { encodedStreams, nalTypes, recordingRunner } from "./helpers.js";

const clip = syntheticClip("moving-shapes", { width: 64, height: 48, frames: 8, seed: 11 });
const TARGETS = [0.25, 0.5, 1];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "x265-ld-test-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Picture types of an HEVC elementary stream in display order, as ffprobe decodes them. */
async function pictTypes(stream: Buffer, name: string): Promise<string[]> {
  const file = join(dir, `${name}.hevc`);
  await writeFile(file, stream);
  const result = await runProcess(
    "ffprobe",
    [
      ...["-v", "error", "-f", "hevc", "-select_streams", "v:0"],
      ...["-show_entries", "frame=pict_type", "-of", "csv=p=0", file],
    ],
    { captureStdout: true },
  );
  expect(result.code).toBe(0);
  return result.stdout.toString("utf8").split("\n").filter(Boolean);
}

describe("x265-ld baseline (low delay, no B-frames)", () => {
  test("every stream is one I-frame then P-frames only, while default x265 uses B-frames on the same clip", async () => {
    const { runner, calls } = recordingRunner();
    const result = await runBaseline("x265-ld", { clip, targetBitsPerPixel: TARGETS, runner });
    expect(result.encoder).toMatch(/^x265-ld \(ffmpeg \S+ \/ libx265 \d/);
    expect(result.encoder).toContain("bframes=0");
    expect(result.rungs.length).toBeGreaterThanOrEqual(5);

    const streams = encodedStreams(calls);
    expect(streams.size).toBeGreaterThanOrEqual(result.rungs.length);
    for (const [crf, stream] of streams) {
      const types = await pictTypes(stream, `ld-${crf}`);
      expect(types).toEqual(["I", ...Array<string>(clip.frames.length - 1).fill("P")]);
      // One keyframe (IDR/CRA NAL types 16..21) and no settings SEI, as for x265.
      expect(nalTypes(stream, "hevc").filter((t) => t >= 16 && t <= 21)).toHaveLength(1);
    }

    // The check above can fail: the headline x265 on the same frames picks B-frames.
    const headline = recordingRunner();
    await runBaseline("x265", { clip, targetBitsPerPixel: TARGETS, runner: headline.runner });
    const [crf, stream] = [...encodedStreams(headline.calls)][0]!;
    expect(await pictTypes(stream, `default-${crf}`)).toContain("B");
  });

  test("its own cache entry: the key differs from x265's on the same clip", () => {
    const common = { version: "ffmpeg 5 / libx265 3.5", samplesHash: "s", scoringHash: "h" };
    const x265 = cacheKey({ baseline: "x265", settings: X265.settings, ...common });
    const ld = cacheKey({ baseline: "x265-ld", settings: X265_LD.settings, ...common });
    expect(ld).not.toBe(x265);
    // Settings alone already separate them, so a renamed label cannot share a file either.
    expect(cacheKey({ baseline: "x265", settings: X265_LD.settings, ...common })).not.toBe(x265);
    expect(X265_LD.args(30, 8).join(" ")).toMatch(/bframes=0/);
    expect(X265.args(30, 8).join(" ")).not.toMatch(/bframes/);
  });
});
