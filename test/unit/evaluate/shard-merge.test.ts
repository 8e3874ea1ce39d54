/**
 * `--shard I/N` and merge-results: the split is a partition in the documented
 * order, shards merged give the one-machine result, and shards that do not
 * belong together are refused, naming what differs. Also the short ladder:
 * one rung is measured and reported, never adopted.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateCodec, type EvaluationRequest } from "../../../src/evaluate/evaluator.js";
import { mergeShardResults } from "../../../src/evaluate/merge-results.js";
import type { EvaluationResult } from "../../../src/evaluate/results.js";
import { ownedUnits, parseShard, unitName, workUnits } from "../../../src/evaluate/shard.js";
import { clip, fakeDeps } from "./fake-deps.js";

describe("shard split", () => {
  it("lists units clip by clip, rungs in ladder order, then the clip's baselines", () => {
    expect(workUnits(2, 2, true).map(unitName)).toEqual([
      "c0/q0",
      "c0/q1",
      "c0/baselines",
      "c1/q0",
      "c1/q1",
      "c1/baselines",
    ]);
    expect(workUnits(1, 3, false).map(unitName)).toEqual(["c0/q0", "c0/q1", "c0/q2"]);
  });

  it("gives every unit to exactly one shard, round robin", () => {
    for (const count of [1, 2, 3, 7]) {
      const all = workUnits(4, 5, true).map(unitName);
      const owners = Array.from({ length: count }, (_, i) =>
        ownedUnits({ index: i + 1, count }, 4, 5, true),
      );
      for (const [position, unit] of all.entries()) {
        const holders = owners.filter((owned) => owned.has(unit)).length;
        expect(holders).toBe(1);
        expect(owners[position % count]!.has(unit)).toBe(true);
      }
    }
  });

  it("parses I/N and refuses anything else", () => {
    expect(parseShard("2/4")).toEqual({ index: 2, count: 4 });
    for (const bad of ["0/2", "3/2", "1", "a/b", "1/0", "-1/2"]) {
      expect(() => parseShard(bad)).toThrow(/expected I\/N with 1 ≤ I ≤ N/);
    }
  });
});

describe("merge-results", () => {
  let dir: string;
  let request: EvaluationRequest;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "shard-merge-"));
    writeFileSync(join(dir, "cand.py"), "# candidate\n");
    writeFileSync(join(dir, "parent.py"), "# parent\n");
    writeFileSync(join(dir, "other.py"), "# another candidate\n");
    request = {
      codecPath: join(dir, "cand.py"),
      clips: [clip("a"), clip("b", 4)],
      heldOutClips: [clip("secret", 2)],
      baselines: ["x265", "jpeg"],
      parent: { codecPath: join(dir, "parent.py") },
      adoption: {
        minBitSavingPercent: 10,
        minRatioGainPercent: 20,
        maxEncodeSlowdown: 4,
        minEncodeSpeedup: 1.5,
        pairedTimingFrames: 0,
        pairedTimingChunkFrames: 2,
      },
    };
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const shards = async (count: number, overrides: Partial<EvaluationRequest> = {}) =>
    Promise.all(
      Array.from({ length: count }, (_, i) =>
        evaluateCodec({ ...request, ...overrides, shard: { index: i + 1, count } }, fakeDeps()),
      ),
    );
  const files = (results: EvaluationResult[], prefix = "s") =>
    results.map((result, i) => ({ path: `${prefix}${i + 1}.json`, result }));

  it("gives the one-machine result for 1, 2, 3 and 5 shards", async () => {
    const single = await evaluateCodec(request, fakeDeps());
    expect(single.status).toBe("ok");
    expect(single.verdict).not.toBeNull();
    for (const count of [1, 2, 3, 5]) {
      const parts = await shards(count);
      for (const part of parts) {
        expect(part.verdict).toBeNull();
        expect(JSON.stringify(part)).not.toContain("secret");
      }
      // Shards given in any order.
      const merged = mergeShardResults(files(parts).reverse());
      expect(merged).toEqual(single);
    }
  });

  it("refuses shards of another codec, another ladder, another clip set or another split", async () => {
    const [one] = await shards(2);
    const [, twoOther] = await shards(2, { codecPath: join(dir, "other.py") });
    expect(() =>
      mergeShardResults([
        { path: "a.json", result: one! },
        { path: "b.json", result: twoOther! },
      ]),
    ).toThrow(/a\.json and b\.json do not belong together: the codec file \(sha256\) differ/);

    const [, twoLadder] = await shards(2, { qualities: [20, 40, 60, 80] });
    expect(() => mergeShardResults(files([one!, twoLadder!]))).toThrow(/the quality ladder differ/);

    const [, twoClips] = await shards(2, { clips: [clip("a"), clip("c", 4)] });
    expect(() => mergeShardResults(files([one!, twoClips!]))).toThrow(/the clips .* differ/);

    const [, , threeOfThree] = await shards(3);
    expect(() => mergeShardResults(files([one!, threeOfThree!]))).toThrow(
      /s1\.json is shard 1\/2 but s2\.json is shard 3\/3/,
    );
    expect(() => mergeShardResults(files([one!]))).toThrow(/shard 2\/2 missing/);
    expect(() => mergeShardResults(files([one!, one!]))).toThrow(/shard 1\/2 is given twice/);
    const whole = await evaluateCodec(request, fakeDeps());
    expect(() => mergeShardResults([{ path: "whole.json", result: whole }])).toThrow(
      /whole\.json is not a shard result/,
    );
  });

  it("refuses baselines chosen for other rates than the shards measured (an encoder that is not deterministic)", async () => {
    const parts = await shards(2);
    const owner = parts.find((part) => part.shard!.units.includes("c0/baselines"))!;
    owner.shard!.baselineTargets["0"]![0]! *= 1.01;
    expect(() => mergeShardResults(files(parts))).toThrow(/did not give the same bytes twice/);
  });

  it("reports the failure one machine would report: the first in clip and ladder order", async () => {
    const single = await evaluateCodec({ ...request, qualityFloorDb: 200 }, fakeDeps());
    const merged = mergeShardResults(files(await shards(3, { qualityFloorDb: 200 })));
    expect(single.failure).toMatchObject({ category: "quality-floor", clip: "a", quality: 20 });
    expect(merged.status).toBe("failed");
    expect(merged.failure).toEqual(single.failure);
  });
});

describe("a ladder of one rung", () => {
  it("is measured and reported, says BD-rate needs 4 rungs, and cannot adopt", async () => {
    const result = await evaluateCodec(
      {
        codecPath: "cand.py",
        clips: [clip("a")],
        qualities: [50],
        baselines: ["x265"],
        parent: { codecPath: "parent.py" },
        adoption: {
          minBitSavingPercent: 0,
          minRatioGainPercent: 0,
          maxEncodeSlowdown: 100,
          minEncodeSpeedup: 1.5,
          pairedTimingFrames: 0,
          pairedTimingChunkFrames: 2,
        },
      },
      fakeDeps(),
    );
    expect(result.status).toBe("ok");
    const a = result.clips[0]!;
    expect(a.rungs.map((rung) => rung.quality)).toEqual([50]);
    expect(a.bdRate).toEqual({ x265: null, parent: null });
    expect(a.bdRateNotes!.x265).toMatch(/the candidate has 1 rung; BD-rate needs at least 4 rungs/);
    expect(result.verdict).toEqual({
      adopt: false,
      reason: expect.stringMatching(
        /^rejected: cannot adopt without BD-rate: the candidate has 1 rung/,
      ),
    });
  });
});
