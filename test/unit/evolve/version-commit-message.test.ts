/** The adopted version's commit message carries the rule's own sentence, speed path included. */
import { versionCommitMessage } from "../../../src/evolve/ledger/version-commit-message.js";
import { fakeMetrics, fakeRecord } from "./fake-record.js";

const speedPath =
  "adopted: encode 1.82x the parent's speed per CPU second, side by side (60 frames, chunks 1.13x–2.67x); " +
  "needed 1.50x ✓, at BD-rate vs parent -1.28% (needed ≤ 0 ✓)";

describe("versionCommitMessage", () => {
  it("records the verdict that adopted the version, after the figures", () => {
    const previous = fakeRecord({ status: "adopted", version: 4, metrics: fakeMetrics() });
    const record = fakeRecord({
      metrics: fakeMetrics({ bdRateParent: -1.28, meanEncodeCpuFps: 7.5 }),
      verdict: { adopt: true, reason: speedPath },
      hypothesis: "a faster\n encoder",
    });
    const message = versionCommitMessage(record, 5, previous, new Date("2026-12-01T00:04:05Z"));
    const lines = message.split("\n");
    expect(lines[0]).toBe("Autonomous Code Evolution - v5");
    expect(lines).toContain(`Verdict: ${speedPath}`);
    expect(lines.indexOf(`Verdict: ${speedPath}`)).toBeGreaterThan(
      lines.findIndex((l) => l.startsWith("Encode speed:")),
    );
    expect(lines).toContain("Hypothesis: a faster encoder");
  });

  it("has no verdict line for a record without a verdict (the seed)", () => {
    const message = versionCommitMessage(fakeRecord({ verdict: null }), 1, null, new Date());
    expect(message).not.toContain("Verdict:");
  });
});
