import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { X265 } from "../../../src/evaluate/baselines/ffmpeg-encoders.js";
import { openFfmpegSession } from "../../../src/evaluate/baselines/ffmpeg-session.js";
import { runBaseline, type ProcessRunner } from "../../../src/evaluate/baselines/index.js";
import { SCORED_TOLERANCE_OCTAVES } from "../../../src/evaluate/baselines/ladder.js";
import { bdRate } from "../../../src/evaluate/rd/bd-rate.js";
import { rdPoints } from "../../../src/evaluate/rd/compare-curves.js";
import { runProcess } from "../../../src/evaluate/run-process.js";
import type { Clip } from "../../../src/evaluate/clips/clip.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";
import { encodedStreams, nalTypes, nativeYuvClip, recordingRunner } from "./helpers.js";

const clip = syntheticClip("moving-shapes", { width: 64, height: 48, frames: 8, seed: 11 });
const TARGETS = [0.25, 0.5, 1];

let cacheDir: string;
beforeAll(async () => {
  cacheDir = await mkdtemp(join(tmpdir(), "baseline-cache-test-"));
});
afterAll(async () => {
  await rm(cacheDir, { recursive: true, force: true });
});

describe("x265 baseline", () => {
  test("rungs span the targets; bytes are the stream files; rate up and PSNR up as CRF goes down", async () => {
    const { runner, calls } = recordingRunner();
    const result = await runBaseline("x265", { clip, targetBitsPerPixel: TARGETS, runner });
    expect(result.encoder).toMatch(/^x265 \(ffmpeg \S+ \/ libx265 \d/);
    expect(result.encoder).toContain("preset medium, tune psnr");

    const rungs = result.rungs;
    expect(rungs.length).toBeGreaterThanOrEqual(5);
    expect(rungs[0]!.bitsPerPixel).toBeLessThanOrEqual(0.25);
    expect(rungs[rungs.length - 1]!.bitsPerPixel).toBeGreaterThanOrEqual(1);
    const streams = encodedStreams(calls);
    for (const [i, rung] of rungs.entries()) {
      expect(rung.setting).toBe(`crf=${rung.quality}`);
      expect(rung.bytes).toBe(streams.get(rung.quality)!.length);
      expect(rung.bitsPerPixel).toBeCloseTo((rung.bytes * 8) / (64 * 48 * 8), 12);
      expect(rung.encodeFps).toBeGreaterThan(0);
      expect(rung.decodeFps).toBeGreaterThan(0);
      if (i > 0) {
        const previous = rungs[i - 1]!;
        expect(rung.bytes).toBeGreaterThan(previous.bytes);
        expect(rung.quality).toBeLessThan(previous.quality);
        expect(rung.psnrRgb).toBeGreaterThan(previous.psnrRgb);
      }
    }
    // One keyframe for the clip, and no SEI (info=0): only picture and parameter-set bytes count.
    const stream = streams.get(rungs[2]!.quality)!;
    const types = nalTypes(stream, "hevc");
    expect(types.filter((t) => t >= 16 && t <= 21)).toHaveLength(1);
    expect(types).not.toContain(39);
    expect(types).not.toContain(40);
  });

  test("a clip's native 4:2:0 samples are what x265 encodes (lossless gives exact RGB frames)", async () => {
    const native = nativeYuvClip(64, 48, 4);
    const lossless = {
      ...X265,
      args: (crf: number, frames: number) => [
        ...X265.args(crf, frames).slice(0, -1),
        `${X265.args(crf, frames).at(-1)}:lossless=1`,
      ],
    };
    const measure = async (c: Clip): Promise<number> => {
      const session = await openFfmpegSession(lossless, c, { runner: runProcess });
      try {
        return (await session.decodeAndMeasure(0)).decoded.quality.psnrRgb;
      } finally {
        await session.close();
      }
    };
    expect(await measure(native)).toBe(Number.POSITIVE_INFINITY);
    // The same RGB frames without their native planes go through RGB -> 4:2:0,
    // which loses something: the exact result above came from the native planes.
    const { native: _dropped, ...rgbOnly } = native;
    const psnr = await measure(rgbOnly);
    expect(Number.isFinite(psnr)).toBe(true);
  });

  test("the second call is answered from the cache without spawning anything", async () => {
    const { runner, calls } = recordingRunner();
    const first = await runBaseline("x265", {
      clip,
      targetBitsPerPixel: TARGETS,
      runner,
      cacheDir,
    });
    const spawned = calls.length;
    expect(spawned).toBeGreaterThan(0);
    expect((await readdir(cacheDir)).filter((f) => f.endsWith(".json"))).toHaveLength(1);

    const second = await runBaseline("x265", {
      clip,
      targetBitsPerPixel: TARGETS,
      runner,
      cacheDir,
    });
    expect(calls.length).toBe(spawned);
    expect(second).toEqual(first);

    // Other targets reuse the knobs measured already; a different clip does not hit.
    await runBaseline("x265", { clip, targetBitsPerPixel: [0.3, 0.5, 1], runner, cacheDir });
    const encodes = calls.slice(spawned).filter((c) => c.args.includes("-crf"));
    expect(encodes.length).toBeLessThan(
      calls.filter((c) => c.args.includes("-crf")).length - encodes.length,
    );
    const other = syntheticClip("moving-shapes", { width: 64, height: 48, frames: 8, seed: 12 });
    const before = calls.length;
    await runBaseline("x265", { clip: other, targetBitsPerPixel: TARGETS, runner, cacheDir });
    expect(calls.length).toBeGreaterThan(before);
  });

  test("a candidate whose rates moved 6 %: the warm cache answers without ffmpeg, and the curve is the same", async () => {
    const dir = await mkdtemp(join(tmpdir(), "baseline-cache-moved-"));
    try {
      const crfs = (calls: { args: readonly string[] }[]): Set<number> =>
        new Set(
          calls.flatMap((c) =>
            c.args.includes("-crf") ? [Number(c.args[c.args.indexOf("-crf") + 1])] : [],
          ),
        );
      const first = recordingRunner();
      await runBaseline("x265", {
        clip,
        targetBitsPerPixel: TARGETS,
        runner: first.runner,
        cacheDir: dir,
      });
      const moved = TARGETS.map((t) => t * 0.94);
      // Searched afresh, the moved targets need CRFs the first run never encoded.
      const fresh = recordingRunner();
      const searched = await runBaseline("x265", {
        clip,
        targetBitsPerPixel: moved,
        runner: fresh.runner,
      });
      expect([...crfs(fresh.calls)].some((crf) => !crfs(first.calls).has(crf))).toBe(true);

      // The same runner as the first run (its tool version is known): not one spawn.
      const spawned = first.calls.length;
      const reused = await runBaseline("x265", {
        clip,
        targetBitsPerPixel: moved,
        runner: first.runner,
        cacheDir: dir,
      });
      expect(first.calls.length).toBe(spawned);
      // Both ladders sample the same x265 curve: BD-rate between them is about 0.
      expect(Math.abs(bdRate(rdPoints(searched.rungs), rdPoints(reused.rungs)))).toBeLessThan(1);
      for (const t of moved) {
        const nearest = Math.min(
          ...reused.rungs.map((r) => Math.abs(Math.log2(r.bitsPerPixel / t))),
        );
        expect(nearest).toBeLessThanOrEqual(SCORED_TOLERANCE_OCTAVES);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("without ffmpeg: an error that says what to install", async () => {
    const missing: ProcessRunner = (_command, args, options) =>
      runProcess("ffmpeg-is-not-installed-here", args, options);
    await expect(runBaseline("x265", { clip, runner: missing })).rejects.toThrow(
      /needs ffmpeg, which was not found on PATH: install it \(Debian\/Ubuntu: apt-get install ffmpeg/,
    );
  });

  test("an ffmpeg without libx265: an error that names the encoder", async () => {
    const withoutX265: ProcessRunner = async (command, args, options) => {
      const result = await runProcess(command, args, options);
      if (!args.includes("-encoders")) return result;
      const list = result.stdout
        .toString("utf8")
        .split("\n")
        .filter((l) => !l.includes("libx265"));
      return { ...result, stdout: Buffer.from(list.join("\n")) };
    };
    await expect(runBaseline("x265", { clip, runner: withoutX265 })).rejects.toThrow(
      /needs ffmpeg's libx265 encoder.*--enable-libx265/,
    );
  });

  test("ffmpeg failing: the error carries the end of its stderr", async () => {
    const broken = { ...X265, args: () => ["-preset", "no-such-preset"] };
    const session = await openFfmpegSession(broken, clip, { runner: runProcess });
    try {
      await expect(session.encode(28)).rejects.toThrow(
        /failed at crf=28 \(ffmpeg exit 1\):\n[\s\S]*no-such-preset/,
      );
    } finally {
      await session.close();
    }
  });

  test("an abort stops the run and kills the encoder; temporary files go", async () => {
    const controller = new AbortController();
    const { runner, calls } = recordingRunner();
    // The session's own folder, as the encoder's arguments name it (other processes on the
    // machine make baseline folders in the same /tmp, so counting them would be flaky).
    let sessionDir: string | null = null;
    const aborting: ProcessRunner = (command, args, options) => {
      if (args.includes("-crf")) {
        const inside = args.find((a) => a.includes("codec-evolve-baseline-"));
        sessionDir = inside
          ? inside.slice(0, inside.indexOf("/", inside.indexOf("codec-evolve-baseline-")))
          : null;
        setTimeout(() => controller.abort(), 0);
      }
      return runner(command, args, options);
    };
    await expect(
      runBaseline("x265", {
        clip,
        targetBitsPerPixel: TARGETS,
        runner: aborting,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/abort/i);
    expect(calls.filter((c) => c.args.includes("-crf"))).toHaveLength(0);
    expect(sessionDir).toMatch(/codec-evolve-baseline-/);
    expect(existsSync(sessionDir!)).toBe(false);
  });

  test("odd frame sizes are refused with the reason", async () => {
    const odd = syntheticClip("moving-shapes", { width: 63, height: 48, frames: 2, seed: 1 });
    await expect(runBaseline("x265", { clip: odd })).rejects.toThrow(
      /even width and height.*63x48/,
    );
  });
});
