/**
 * Paired timing through the real sandbox: two codecs that write the same bytes,
 * one doing four times the other's numpy work per frame, timed side by side in
 * their own sandboxed processes. The ratio must point the right way and be
 * clearly more than 1.5x (loose on purpose: the box is shared), and the verdict
 * must judge it (speed path one way, slowdown limit the other).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { adoptionSchema } from "../../src/config/schema.js";
import { syntheticClip } from "../../src/evaluate/clips/synthetic.js";
import { evaluateCodec } from "../../src/evaluate/evaluator.js";
import type { EvaluationResult, PairedTiming } from "../../src/evaluate/results.js";

const here = dirname(fileURLToPath(import.meta.url));
const FAST = join(here, "..", "fixtures", "paired", "fast_codec.py");
const SLOW = slowCopy(FAST);
const FIRST_CLIP_FAST = firstClipFastCopy(FAST);

/** The fast codec with four times its work per frame: same bytes, a quarter of the speed. */
function slowCopy(fastPath: string): string {
  const source = readFileSync(fastPath, "utf8");
  const slow = source.replace(/^WORK = 225$/m, "WORK = 900");
  if (slow === source) throw new Error(`${fastPath}: no "WORK = 225" line to scale`);
  const path = join(mkdtempSync(join(tmpdir(), "paired-slow-")), "slow_codec.py");
  writeFileSync(path, slow);
  return path;
}

/**
 * A hostile twin of the fast codec: the same bytes, but a quarter of its work on frames as wide as
 * the first test clip (64) and four times it on any other clip. Timed on the first clip only it
 * looks 4x faster; over all shown clips it is slower.
 */
function firstClipFastCopy(fastPath: string): string {
  const source = readFileSync(fastPath, "utf8");
  const gamed = source.replace(
    /^ {4}_busy\(WORK\)$/m,
    '    _busy(56 if int(config["width"]) == 64 else 900)',
  );
  if (gamed === source) throw new Error(`${fastPath}: no "_busy(WORK)" line to replace`);
  const path = join(mkdtempSync(join(tmpdir(), "paired-gamed-")), "first_clip_fast_codec.py");
  writeFileSync(path, gamed);
  return path;
}

/** Evaluate `candidate` against `parent` on one small clip (or two), four rungs, with `rule`. */
function evaluate(
  candidate: string,
  parent: string,
  rule: object,
  twoClips = false,
): Promise<EvaluationResult> {
  const second = syntheticClip("pan-texture", { width: 80, height: 48, frames: 6, seed: 4 });
  return evaluateCodec({
    codecPath: candidate,
    clips: [
      syntheticClip("moving-shapes", { width: 64, height: 48, frames: 6, seed: 3 }),
      ...(twoClips ? [second] : []),
    ],
    qualities: [20, 40, 60, 80],
    parent: { codecPath: parent },
    adoption: adoptionSchema.parse(rule),
    jobs: 1,
  });
}

function paired(result: EvaluationResult): Extract<PairedTiming, { status: "ok" }> {
  expect(result.failure).toBeNull();
  expect(result.pairedTiming?.status).toBe("ok");
  return result.pairedTiming as Extract<PairedTiming, { status: "ok" }>;
}

describe("paired timing through the sandbox", () => {
  it("measures a 4x faster candidate as clearly faster, and the speed path adopts on it", async () => {
    const result = await evaluate(FAST, SLOW, {});
    const timing = paired(result);
    expect(timing).toMatchObject({
      clip: "synthetic-moving-shapes",
      qualities: [20, 40, 80],
      frames: 18,
    });
    expect(timing.chunks).toBe(9);
    expect(timing.speedup).toBeGreaterThan(1.5);
    expect(timing.chunkSpeedups.min).toBeGreaterThan(1);
    // Same bytes, so BD-rate vs parent is 0: only the speed path can adopt, on the paired ratio.
    expect(result.verdict).toEqual({
      adopt: true,
      reason: expect.stringMatching(
        /^adopted: encode \d+\.\d\dx the parent's speed per CPU second, side by side \(18 frames, chunks /,
      ),
    });
  });

  it("times every shown clip: a codec fast on the first clip only is not taken for faster", async () => {
    // Parent: fast_codec everywhere. Candidate: a quarter of its work on the first clip's size,
    // four times it on the second's. Timing the first clip alone said ~4x faster.
    const result = await evaluate(FIRST_CLIP_FAST, FAST, {}, true);
    const timing = paired(result);
    expect(timing.segments).toEqual([
      { clip: "synthetic-moving-shapes", quality: 20, frames: 6 },
      { clip: "synthetic-pan-texture", quality: 40, frames: 6 },
      { clip: "synthetic-moving-shapes", quality: 80, frames: 6 },
    ]);
    // The first clip's chunks are the ~4x the old rule saw; the whole is slower (true ~0.67x).
    expect(timing.chunkSpeedups.max).toBeGreaterThan(2);
    expect(timing.speedup).toBeLessThan(1);
    expect(result.verdict!.adopt).toBe(false);
    expect(result.verdict!.reason).not.toContain("needed 1.50x ✓");
  });

  it("measures a 4x slower candidate as clearly slower, and the slowdown limit refuses it", async () => {
    const result = await evaluate(SLOW, FAST, { maxEncodeSlowdown: 1.5, pairedTimingFrames: 9 });
    const timing = paired(result);
    expect(timing.frames).toBe(9);
    expect(timing.speedup).toBeLessThan(1 / 1.5);
    expect(result.verdict!.adopt).toBe(false);
    expect(result.verdict!.reason).toMatch(
      /^rejected: encode 0\.\d\dx the parent's speed per CPU second, side by side .* \(below the limit of 0\.67x = 1 ÷ 1\.5\)$/,
    );
  });
});
