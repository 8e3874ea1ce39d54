/**
 * The parent cache inside the evaluator: an entry is written after a full
 * parent run, used (re-timed on the sample, bytes checked) on the next, and
 * discarded when its sample bytes do not match or anything in the key changed.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateCodec, type EvaluatorDeps } from "../../../src/evaluate/evaluator.js";
import { sampleRungs } from "../../../src/evaluate/parent-cache.js";
import type { EvaluationResult } from "../../../src/evaluate/results.js";
import { clip, fakeDeps, fakeSides, type Call } from "./fake-deps.js";

// The speed path is off: these tests re-time an unchanged parent and check the slowdown text.
const RULE = {
  minBitSavingPercent: 10,
  minRatioGainPercent: 20,
  maxEncodeSlowdown: 4,
  minEncodeSpeedup: null,
  pairedTimingFrames: 0,
  pairedTimingChunkFrames: 2,
};

let dir: string;
let cacheDir: string;
let parentPath: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "parent-cache-unit-"));
  cacheDir = join(dir, "parents");
  parentPath = join(dir, "parent.py");
  await writeFile(parentPath, "# the parent codec\n");
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Fake sides whose parent encoder reports `slowdown` times the seconds (a slower machine). */
function deps(calls: Call[], slowdown = 1): EvaluatorDeps {
  const sides = fakeSides(calls);
  return fakeDeps({
    pythonVersions: async () => "python test double",
    openCodecSide: async (mode, codecPath, config, opts) => {
      const opened = await sides(mode, codecPath, config, opts);
      if (!opened.ok || codecPath !== parentPath || mode !== "encode") return opened;
      const side = opened.side;
      return {
        ok: true,
        side: {
          ...side,
          process: async (index, data) => {
            const out = await side.process(index, data);
            return out.ok
              ? { ...out, seconds: out.seconds * slowdown, cpuSeconds: out.cpuSeconds * slowdown }
              : out;
          },
        },
      };
    },
  });
}

function run(calls: Call[], slowdown = 1, candidate = "cand.py"): Promise<EvaluationResult> {
  return evaluateCodec(
    {
      codecPath: candidate,
      clips: [clip("a"), clip("b")],
      heldOutClips: [clip("h")],
      parent: { codecPath: parentPath },
      adoption: RULE,
      parentCacheDir: cacheDir,
    },
    deps(calls, slowdown),
  );
}

const parentCalls = (calls: Call[], kind: string) =>
  calls.filter((c) => c.codec === parentPath && c.kind === kind);

/** Everything but the speeds, which a cached run re-times. */
function withoutSpeeds(result: EvaluationResult): unknown {
  return JSON.parse(
    JSON.stringify({ ...result, environment: undefined }, (key, value: unknown) =>
      key === "encodeFps" || key === "decodeFps" || key === "encodeCpuFps" ? undefined : value,
    ),
  );
}

describe("parent cache", () => {
  it("writes an entry after a full parent run and uses it, re-timed on the sample, next time", async () => {
    const first: Call[] = [];
    const measured = await run(first);
    expect(parentCalls(first, "encode")).toHaveLength(3 * 5);
    expect(measured.environment?.parent).toMatch(/no cached entry.*saved to the parent cache/);
    expect(await readdir(cacheDir)).toHaveLength(1);

    const second: Call[] = [];
    const cached = await run(second);
    // Only the sample: the middle rung of each shown clip, encoded and never decoded.
    expect(parentCalls(second, "encode").map((c) => c.quality)).toEqual([50, 50]);
    expect(parentCalls(second, "decode")).toHaveLength(0);
    expect(cached.environment?.parent).toMatch(/re-timed here on 2 sample rung\(s\)/);
    expect(withoutSpeeds(cached)).toEqual(withoutSpeeds(measured));
    expect(cached.heldOut?.bdRate.parent).toBeCloseTo(measured.heldOut!.bdRate.parent!, 12);
    expect(cached.verdict).toEqual(measured.verdict);
  });

  it("scales the cached parent's speed by this machine's speed on the sample", async () => {
    await run([]);
    // The parent encodes 8x slower here: its cached speeds must follow, so the
    // unchanged candidate is now far faster than the parent, not judged on stale fps.
    const cached = await run([], 8);
    const parentFps = cached.clips[0]!.baselines.parent!.rungs.map((r) => r.encodeFps);
    const candidateFps = cached.clips[0]!.rungs.map((r) => r.encodeFps);
    parentFps.forEach((fps, i) => expect(fps).toBeCloseTo(candidateFps[i]! / 8, 6));
    const parentCpu = cached.clips[0]!.baselines.parent!.rungs.map((r) => r.encodeCpuFps!);
    const candidateCpu = cached.clips[0]!.rungs.map((r) => r.encodeCpuFps!);
    parentCpu.forEach((fps, i) => expect(fps).toBeCloseTo(candidateCpu[i]! / 8, 6));
    expect(cached.environment?.parent).toMatch(/scaled by 0\.125.*CPU-time speeds by 0\.125/);
    expect(cached.verdict!.reason).toMatch(
      /encode .* fps \(CPU\) vs parent .* fps \(CPU\), means of separate runs \(not paired: paired timing is off \(adoption\.pairedTimingFrames is 0\)\) \(within/,
    );
  });

  it("discards an entry whose sample bytes differ, and runs the parent in full", async () => {
    const measured = await run([]);
    const [file] = await readdir(cacheDir);
    const path = join(cacheDir, file!);
    const entry = JSON.parse(await readFile(path, "utf8")) as {
      clips: { bytes: number; bitsPerPixel: number }[][];
    };
    const [sample] = sampleRungs(2, 5);
    entry.clips[sample!.clip]![sample!.rung]!.bytes -= 1;
    await writeFile(path, JSON.stringify(entry));

    const calls: Call[] = [];
    const result = await run(calls);
    expect(parentCalls(calls, "encode")).toHaveLength(2 + 3 * 5);
    expect(result.environment?.parent).toMatch(
      /cached entry was discarded \(a q=50: \d+ bytes here, \d+ cached/,
    );
    expect(withoutSpeeds(result)).toEqual(withoutSpeeds(measured));
  });

  it("ignores a malformed entry and one of another parent", async () => {
    await run([]);
    const [file] = await readdir(cacheDir);
    await writeFile(join(cacheDir, file!), '{"format":1,"clips":[[{"bytes":"NaN"}]]}');
    const calls: Call[] = [];
    await run(calls);
    expect(parentCalls(calls, "encode")).toHaveLength(3 * 5);

    await writeFile(parentPath, "# another parent\n");
    const again: Call[] = [];
    const result = await run(again);
    expect(parentCalls(again, "encode")).toHaveLength(3 * 5);
    expect(result.environment?.parent).toMatch(/no cached entry/);
  });
});
