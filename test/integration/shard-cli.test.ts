/**
 * Through the CLI with real sandboxed codec processes and the real JPEG
 * baseline: `evaluate --shard I/N` + `merge-results` give the BD-rates and the
 * verdict of one `evaluate`; shards of another codec are refused; and a
 * one-rung ladder is evaluated and reported without BD-rate.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvaluationResult } from "../../src/evaluate/results.js";
import { runCli as cli } from "../fixtures/cli/run-cli.js";

/** A lossy codec: quantise every sample by a step that shrinks as quality grows, zlib the result. */
const quantiser = (divisor: number) => `import zlib
import numpy as np


def _step(config):
    return max(1, (100 - config["quality"]) // ${divisor} + 1)


def compress_video_frame(frame, frame_index, config):
    return zlib.compress((frame // _step(config)).astype(np.uint8).tobytes())


def decompress_video_frame(compressed_data, frame_index, config):
    step = _step(config)
    q = np.frombuffer(zlib.decompress(compressed_data), dtype=np.uint8).astype(np.int32)
    shape = (config["height"], config["width"], 3)
    return np.clip(q * step + step // 2, 0, 255).astype(np.uint8).reshape(shape)
`;

const CLIP = ["--clip", "synthetic:moving-shapes:48x32:3"];
const COMMON = [
  ...CLIP,
  "--seed",
  "3",
  "--quality",
  "20,40,60,80",
  "--baseline",
  "jpeg",
  "--no-cache",
];

describe("evaluate --shard and merge-results (CLI, real processes)", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ce-shard-cli-"));
    await writeFile(join(dir, "cand.py"), quantiser(6));
    await writeFile(join(dir, "parent.py"), quantiser(4));
    await writeFile(join(dir, "other.py"), quantiser(5));
    // Shards are not timed side by side (one machine would be): off, so both say the same.
    await mkdir(join(dir, ".github"));
    await writeFile(
      join(dir, ".github", "codec-evolve.yml"),
      "adoption:\n  pairedTimingFrames: 0\n",
    );
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const evaluate = (codec: string, extra: string[]) =>
    cli(["evaluate", codec, ...COMMON, "--parent", "parent.py", ...extra], dir);
  const json = async (name: string) =>
    JSON.parse(await readFile(join(dir, name), "utf8")) as EvaluationResult;

  // Five evaluations, each about 25 sandboxed Python starts: minutes on a busy machine.
  it("merges shards into the BD-rates and verdict of one machine, and refuses strangers", async () => {
    const single = await evaluate("cand.py", ["--json", "single.json"]);
    expect({ code: single.code, err: single.code === 0 ? "" : single.err }).toEqual({
      code: 0,
      err: "",
    });
    for (const shard of ["1/2", "2/2"]) {
      const run = await evaluate("cand.py", ["--shard", shard, "--json", `s${shard[0]}.json`]);
      expect(run.code).toBe(0);
      expect(run.out).toMatch(new RegExp(`shard ${shard}: ran c0/q`));
    }
    const merged = await cli(["merge-results", "s2.json", "s1.json", "--json", "all.json"], dir);
    expect({ code: merged.code, err: merged.err }).toEqual({
      code: 0,
      err: expect.stringContaining("merged results of 2 shards"),
    });

    const one = await json("single.json");
    const all = await json("all.json");
    expect(all.clips.map((c) => c.bdRate)).toEqual(one.clips.map((c) => c.bdRate));
    expect(all.summary).toEqual(one.summary);
    // On a 48x32 clip JPEG's curve may not overlap (its BD-rate is then null, with a note);
    // the comparison above must still cover a computed BD-rate.
    expect(Object.values(one.clips[0]!.bdRate).some((v) => typeof v === "number")).toBe(true);
    // The verdict's rule and BD-rate text are the same; only measured speeds (fps) may differ.
    const withoutSpeed = (reason: string) =>
      reason
        .replace(/[\d.]+ fps/g, "N fps")
        .replace(/[\d.]+ CPU s/g, "N CPU s")
        .replace(/[\d.]+x the parent's speed/g, "Nx the parent's speed");
    expect(all.verdict!.adopt).toBe(one.verdict!.adopt);
    expect(withoutSpeed(all.verdict!.reason)).toBe(withoutSpeed(one.verdict!.reason));
    // Everything but timing is identical (key order is not part of the contract).
    const strip = (result: EvaluationResult): unknown =>
      JSON.parse(
        JSON.stringify(result, (key, value: unknown) =>
          key === "encodeFps" || key === "decodeFps" || key === "encodeCpuFps" || key === "verdict"
            ? undefined
            : value,
        ),
      );
    expect(strip(all)).toEqual(strip(one));

    const stranger = await cli(
      [
        "evaluate",
        "other.py",
        ...COMMON,
        "--parent",
        "parent.py",
        "--shard",
        "2/2",
        "--json",
        "x2.json",
      ],
      dir,
    );
    expect(stranger.code).toBe(0);
    const refused = await cli(["merge-results", "s1.json", "x2.json"], dir);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(
      /s1\.json and x2\.json do not belong together: the codec file \(sha256\) differ/,
    );
  }, 900_000);

  it("evaluates a one-rung ladder and says BD-rate needs 4 rungs", async () => {
    const run = await cli(
      [
        "evaluate",
        "cand.py",
        ...CLIP,
        "--seed",
        "3",
        "--quality",
        "50",
        "--baseline",
        "jpeg",
        "--parent",
        "parent.py",
        "--json",
        "one.json",
      ],
      dir,
    );
    expect({ code: run.code, err: run.code === 0 ? "" : run.err }).toEqual({ code: 0, err: "" });
    expect(run.out).toMatch(/BD-rate needs at least 4 rungs/);
    expect(run.out).toMatch(/verdict: reject — rejected: cannot adopt without BD-rate/);
    const result = await json("one.json");
    expect(result.status).toBe("ok");
    expect(result.clips[0]!.rungs).toHaveLength(1);
    expect(result.clips[0]!.bdRateNotes!.jpeg).toMatch(/BD-rate needs at least 4 rungs/);
  }, 900_000);
});
