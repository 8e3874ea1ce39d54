import {
  parseCheckResult,
  renderCheckResult,
  type CheckResult,
} from "../../../src/github/check-result.js";

const result: CheckResult = {
  version: 1,
  candidate: "c0012",
  pullRequest: 42,
  headSha: "a".repeat(40),
  parentSha: "b".repeat(40),
  verdict: "adopt",
  reason: "BD-rate vs parent -12.40% <= -10%",
  trusted: true,
  trustProblems: [],
  bdRate: { parent: -12.4, x265: 41.2 },
  failure: null,
};

describe("check-run result block", () => {
  it("round-trips through a summary with text around it", () => {
    const summary = `## Verdict\n\ntext\n\n${renderCheckResult(result)}\n`;
    expect(parseCheckResult(summary)).toEqual({ ok: true, result });
  });

  it("reports a summary without a block as absent", () => {
    expect(parseCheckResult("# nothing here")).toMatchObject({ ok: false, problem: "absent" });
  });

  it("refuses a forged block: bad SHA, NaN-like values, unknown fields", () => {
    const forged = `<!-- codec-evolve:result ${JSON.stringify({ ...result, headSha: "HEAD", extra: 1 })} -->`;
    const parsed = parseCheckResult(forged);
    expect(parsed).toMatchObject({ ok: false, problem: "invalid" });
    expect(!parsed.ok && parsed.detail).toMatch(/headSha/);
    const huge = `<!-- codec-evolve:result ${JSON.stringify({ ...result, bdRate: { parent: 1e308 } })} -->`;
    expect(parseCheckResult(huge)).toMatchObject({ ok: false, problem: "invalid" });
  });

  it("refuses to render a result that breaks the schema", () => {
    expect(() => renderCheckResult({ ...result, reason: "x".repeat(501) })).toThrow();
  });
});
