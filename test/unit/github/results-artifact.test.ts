import { resultsSchema } from "../../../src/github/results-artifact.js";

/** The smallest results JSON the evaluator writes for a failed codec, with a sandbox note. */
function failedResults(warning: string) {
  return {
    codec: "codec/evolved_codec.py",
    status: "failed",
    failure: { category: "runtime", message: "boom", line: 6 },
    clips: [],
    verdict: null,
    sandbox: { isolation: "process-level guards only", warnings: [warning] },
  };
}

describe("untrusted results schema", () => {
  it("accepts the evaluator's own longest sandbox warning (no bubblewrap on the runner)", () => {
    // NO OS SANDBOX + a bounded probe detail + the user-namespace hint: about 900 characters.
    const warning = `NO OS SANDBOX: bwrap cannot start a sandbox here: …${"x".repeat(300)}. ${"y".repeat(560)}`;
    expect(resultsSchema.safeParse(failedResults(warning)).success).toBe(true);
  });

  it("still refuses an unbounded string where a warning goes", () => {
    expect(resultsSchema.safeParse(failedResults("z".repeat(100_000))).success).toBe(false);
  });
});
