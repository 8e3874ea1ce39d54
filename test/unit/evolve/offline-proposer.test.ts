import { parseAnswer } from "../../../src/evolve/answer/parse-answer.js";
import { applyEdits } from "../../../src/evolve/edits/apply-edits.js";
import { codeHash } from "../../../src/evolve/code-hash.js";
import {
  adaptedStep,
  OFFLINE_LABEL,
  offlineProposer,
} from "../../../src/evolve/proposers/offline-proposer.js";
import type { ProposalContext } from "../../../src/evolve/proposers/proposer.js";
import { parseTunables } from "../../../src/evolve/tunables/parse-tunables.js";

export const TUNABLE_CODEC = `import numpy as np

# --- tunables: begin ---
DEADZONE = 0.30  # range 0.0..0.6
QSTEP = 8  # range 1..32
# a comment inside the block
SMOOTH = 0.5  # range 0.0..1.0 (how much)
# --- tunables: end ---

def compress_video_frame(frame, frame_index, config):
    return frame.tobytes()
`;

function context(overrides: Partial<ProposalContext> = {}): ProposalContext {
  return {
    attempt: 3,
    seed: 42,
    codecPath: "codec/evolved_codec.py",
    parentSource: TUNABLE_CODEC,
    prompt: { system: "", user: "" },
    history: [],
    knownCodeHashes: new Set(),
    budgetLeftUsd: null,
    ...overrides,
  };
}

describe("parseTunables", () => {
  it("reads names, values, ranges and integer-ness", () => {
    const block = parseTunables(TUNABLE_CODEC)!;
    expect(block.tunables.map((t) => [t.name, t.value, t.lo, t.hi, t.integer])).toEqual([
      ["DEADZONE", 0.3, 0, 0.6, false],
      ["QSTEP", 8, 1, 32, true],
      ["SMOOTH", 0.5, 0, 1, false],
    ]);
  });

  it("returns null without a block and throws on an unclosed one", () => {
    expect(parseTunables("x = 1\n")).toBeNull();
    expect(() => parseTunables("# --- tunables: begin ---\nA = 1  # range 0..2\n")).toThrow(
      "never closed",
    );
  });
});

describe("offline proposer", () => {
  it("is labelled honestly and costs nothing", async () => {
    const proposal = await offlineProposer().propose(context());
    expect(proposal.label).toBe(OFFLINE_LABEL);
    expect(proposal.model).toBeNull();
    expect(proposal.usage.costUsd).toBe(0);
    expect(proposal.answerText).toContain(`HYPOTHESIS: ${OFFLINE_LABEL}`);
  });

  it("is reproducible for the same seed and attempt, and varies with them", async () => {
    const a = await offlineProposer().propose(context());
    const b = await offlineProposer().propose(context());
    const c = await offlineProposer().propose(context({ attempt: 4 }));
    expect(a.answerText).toBe(b.answerText);
    expect(c.answerText).not.toBe(a.answerText);
  });

  it("emits an answer the shared edit path applies, with every value inside its range", async () => {
    for (let attempt = 1; attempt <= 40; attempt++) {
      const proposal = await offlineProposer().propose(context({ attempt }));
      const parsed = parseAnswer(proposal.answerText);
      expect(parsed.ok).toBe(true);
      if (!parsed.ok) return;
      const applied = await applyEdits(parsed.answer.files, async () => TUNABLE_CODEC);
      expect(applied.ok).toBe(true);
      if (!applied.ok) return;
      const after = parseTunables(applied.files[0]!.after)!;
      const changed = after.tunables.filter(
        (t, i) => t.value !== parseTunables(TUNABLE_CODEC)!.tunables[i]!.value,
      );
      expect(changed.length).toBeGreaterThanOrEqual(1);
      expect(changed.length).toBeLessThanOrEqual(3);
      for (const t of after.tunables) {
        expect(t.value).toBeGreaterThanOrEqual(t.lo);
        expect(t.value).toBeLessThanOrEqual(t.hi);
        if (t.integer) expect(Number.isInteger(t.value)).toBe(true);
      }
    }
  });

  it("avoids code that was already evaluated", async () => {
    const first = await offlineProposer().propose(context());
    const parsed = parseAnswer(first.answerText);
    if (!parsed.ok) throw new Error(parsed.message);
    const applied = await applyEdits(parsed.answer.files, async () => TUNABLE_CODEC);
    if (!applied.ok) throw new Error(applied.failure.message);
    const known = new Set([codeHash(applied.files[0]!.after)]);
    const second = await offlineProposer().propose(context({ knownCodeHashes: known }));
    expect(second.answerText).not.toBe(first.answerText);
  });

  it("grows the step on success and shrinks it on failure (1/5th rule)", () => {
    const ok = { proposerKind: "offline", evaluated: true, improved: true };
    const bad = { proposerKind: "offline", evaluated: true, improved: false };
    expect(adaptedStep([ok])).toBeGreaterThan(adaptedStep([]));
    expect(adaptedStep([bad])).toBeLessThan(adaptedStep([]));
    expect(adaptedStep([ok, bad, bad, bad, bad])).toBeCloseTo(adaptedStep([]), 10);
  });

  it("says what to do when the codec has no tunables block", async () => {
    await expect(offlineProposer().propose(context({ parentSource: "x = 1\n" }))).rejects.toThrow(
      "has no tunables block",
    );
  });
});
