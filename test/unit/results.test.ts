import { FAILURE_CATEGORIES } from "../../src/evaluate/results.js";

describe("results contract", () => {
  it("lists every failure category of DESIGN.md exactly once", () => {
    expect(new Set(FAILURE_CATEGORIES).size).toBe(FAILURE_CATEGORIES.length);
    expect([...FAILURE_CATEGORIES].sort()).toEqual(
      [
        "syntax",
        "forbidden",
        "missing-function",
        "runtime",
        "timeout",
        "memory",
        "invalid-output",
        "nondeterministic",
        "sandbox-violation",
        "quality-floor",
      ].sort(),
    );
  });
});
