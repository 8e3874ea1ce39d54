/**
 * `codec-evolve evaluate` end to end, as a new user checks it: a clip the
 * project has never seen, the starter codec in the real sandbox, real x265,
 * and our numbers re-measured by ffmpeg from the --recon files.
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { EvaluationResult } from "../../src/evaluate/results.js";
import { runCli } from "../fixtures/cli/run-cli.js";

const run = promisify(execFile);

const cli = runCli;

/** ffmpeg's own PSNR "average" and SSIM "All" for two raw rgb24 files, compared as gbrp. */
async function ffmpegScores(a: string, b: string, w: number, h: number) {
  const input = (f: string) => ["-f", "rawvideo", "-pix_fmt", "rgb24", "-s", `${w}x${h}`, "-i", f];
  const { stderr } = await run("ffmpeg", [
    "-hide_banner",
    ...input(b),
    ...input(a),
    "-lavfi",
    "[0:v]format=gbrp[d];[1:v]format=gbrp[s];[d][s]psnr;[0:v]format=gbrp[d2];[1:v]format=gbrp[s2];[d2][s2]ssim",
    "-f",
    "null",
    "-",
  ]).catch((error) => error);
  const psnr = /PSNR .* average:([\d.]+|inf)/.exec(stderr)?.[1];
  const ssim = /SSIM .* All:([\d.]+)/.exec(stderr)?.[1];
  if (!psnr || !ssim) throw new Error(`could not read ffmpeg scores:\n${stderr}`);
  return { psnr: Number(psnr), ssim: Number(ssim) };
}

describe("codec-evolve evaluate (CLI, real processes)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ce-eval-cli-"));
    // A clip this project has never seen: ffmpeg's moving test pattern, 4:2:0.
    await run("ffmpeg", [
      "-hide_banner",
      "-loglevel",
      "error",
      "-f",
      "lavfi",
      "-i",
      "testsrc2=size=96x64:rate=25",
      "-frames:v",
      "6",
      "-pix_fmt",
      "yuv420p",
      join(dir, "unseen.y4m"),
    ]);
  });

  it("scores the starter codec; ffmpeg agrees with psnrRgb/ssimRgb and the .bits sum to bytes", async () => {
    const json = join(dir, "r.json");
    const recon = join(dir, "out");
    const { code, out, err } = await cli(
      [
        "evaluate",
        join(process.cwd(), "codec/evolved_codec.py"),
        "--clip",
        join(dir, "unseen.y4m"),
        "--quality",
        "20,40,60,80",
        "--baseline",
        "x265",
        "--json",
        json,
        "--recon",
        recon,
      ],
      dir,
    );
    expect({ code, err: code === 0 ? "" : err }).toEqual({ code: 0, err: "" });
    expect(out).toMatch(/unseen {2}96x64, 6 frames @ 25 fps/);
    expect(out).toMatch(/vs x265: candidate needs [\d.]+% (fewer|more) bits for the same PSNR-RGB/);

    const result = JSON.parse(await readFile(json, "utf8")) as EvaluationResult;
    expect(result.status).toBe("ok");
    const clip = result.clips[0]!;
    expect(clip.rungs).toHaveLength(4);
    expect(clip.baselines.x265!.rungs.length).toBeGreaterThanOrEqual(4);
    expect(typeof clip.bdRate.x265).toBe("number");

    for (const rung of clip.rungs) {
      const decoded = join(recon, `unseen.q${rung.quality}.rgb`);
      const scores = await ffmpegScores(join(recon, "unseen.source.rgb"), decoded, 96, 64);
      expect(Math.abs(scores.psnr - rung.psnrRgb)).toBeLessThan(0.01);
      expect(Math.abs(scores.ssim - rung.ssimRgb)).toBeLessThan(0.0005);

      const bits = await readFile(join(recon, `unseen.q${rung.quality}.bits`));
      let offset = 0;
      let payloadBytes = 0;
      let frames = 0;
      while (offset < bits.length) {
        const length = bits.readUInt32LE(offset);
        payloadBytes += length;
        offset += 4 + length;
        frames++;
      }
      expect(offset).toBe(bits.length);
      expect(frames).toBe(6);
      expect(payloadBytes).toBe(rung.bytes);
    }
  });

  it.each([
    ["empty_bytes.py", "invalid-output"],
    ["wrong_shape.py", "invalid-output"],
  ])("reports %s as a %s failure with exit code 1, never as a winner", async (file, category) => {
    const json = join(dir, `${file}.json`);
    const { code, out } = await cli(
      [
        "evaluate",
        join(process.cwd(), "test/fixtures/codecs", file),
        "--clip",
        join(dir, "unseen.y4m"),
        "--baseline",
        "none",
        "--json",
        json,
      ],
      dir,
    );
    expect(code).toBe(1);
    expect(out).toContain(`FAILED [${category}]`);
    const result = JSON.parse(await readFile(json, "utf8")) as EvaluationResult;
    expect(result.status).toBe("failed");
    expect(result.failure!.category).toBe(category);
    expect(result.verdict).toBeNull();
  });

  // A ladder shorter than 4 rungs is evaluated (BD-rate is then n/a): test/integration/shard-cli.test.ts.
  it("refuses an out-of-range quality and an unknown baseline with exit code 2", async () => {
    const codec = join(process.cwd(), "codec/evolved_codec.py");
    const outOfRange = await cli(["evaluate", codec, "--quality", "20,101"], dir);
    expect(outOfRange.code).toBe(2);
    expect(outOfRange.err).toMatch(/--quality: .*101/);
    const unknown = await cli(["evaluate", codec, "--baseline", "h266"], dir);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--baseline: "h266" is not a reference encoder/);
  });
});
