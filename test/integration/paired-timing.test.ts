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

/** The fast codec with four times its work per frame: same bytes, a quarter of the speed. */
function slowCopy(fastPath: string): string {
  const source = readFileSync(fastPath, "utf8");
  const slow = source.replace(/^WORK = 225$/m, "WORK = 900");
  if (slow === source) throw new Error(`${fastPath}: no "WORK = 225" line to scale`);
  const path = join(mkdtempSync(join(tmpdir(), "paired-slow-")), "slow_codec.py");
  writeFileSync(path, slow);
  return path;
}

/** Evaluate `candidate` against `parent` on one small clip, four rungs, with `rule`. */
function evaluate(candidate: string, parent: string, rule: object): Promise<EvaluationResult> {
  return evaluateCodec({
    codecPath: candidate,
    clips: [syntheticClip("moving-shapes", { width: 64, height: 48, frames: 6, seed: 3 })],
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
