import { lineDiff } from "../../../src/evolve/prompt/line-diff.js";

describe("lineDiff", () => {
  const before = Array.from({ length: 30 }, (_, i) => `line ${i}`).join("\n");

  it("is empty for equal texts", () => {
    expect(lineDiff(before, before)).toBe("");
  });

  it("shows a changed line with two lines of context and its line number", () => {
    const after = before.replace("line 10", "line ten");
    expect(lineDiff(before, after)).toBe(
      ["@@ line 9 @@", " line 8", " line 9", "-line 10", "+line ten", " line 11", " line 12"].join(
        "\n",
      ),
    );
  });

  it("keeps separate hunks for distant changes and handles insertions and deletions", () => {
    const after = before.replace("line 2\n", "").replace("line 25", "line 25\nnew line");
    const diff = lineDiff(before, after);
    expect(diff.match(/^@@/gm)).toHaveLength(2);
    expect(diff).toContain("-line 2");
    expect(diff).toContain("+new line");
    expect(diff).not.toContain("line 14");
  });
});
