/** SEARCH blocks with the slips real models make: trailing whitespace, one indentation offset. */
import { parseAnswer } from "../../../src/evolve/answer/parse-answer.js";
import { applyEdits } from "../../../src/evolve/edits/apply-edits.js";

const PATH = "codec/evolved_codec.py";
const SOURCE = [
  "import numpy as np",
  "",
  "class Codec:",
  "    def quantise(self, x):",
  "        step = 8",
  "",
  "        return np.round(x / step)",
  "",
  "    def dequantise(self, q):",
  "        return q * 8",
  "",
].join("\n");

async function apply(search: string[], replace: string[], source = SOURCE) {
  const body = [
    "HYPOTHESIS: h",
    `FILE: ${PATH}`,
    "<<<<<<< SEARCH",
    ...search,
    "=======",
    ...replace,
    ">>>>>>> REPLACE",
  ].join("\n");
  const parsed = parseAnswer(body);
  if (!parsed.ok) throw new Error(parsed.message);
  return applyEdits(parsed.answer.files, async (path) => (path === PATH ? source : null));
}

describe("applyEdits tolerates whitespace slips only when the match stays unique", () => {
  it("records exact when the SEARCH matches as written", async () => {
    const outcome = await apply(["        step = 8"], ["        step = 6"]);
    expect(outcome.ok && outcome.editTolerance).toBe("exact");
    expect(outcome.ok && outcome.summary[0]!.tolerance).toBeUndefined();
  });

  it("accepts a SEARCH that differs only by trailing whitespace", async () => {
    const outcome = await apply(
      ["    def quantise(self, x):  ", "        step = 8\t"],
      ["    def quantise(self, x):", "        step = 6"],
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.editTolerance).toBe("trailing-whitespace");
    expect(outcome.summary[0]).toMatchObject({ tolerance: "trailing-whitespace", linesRemoved: 2 });
    expect(outcome.files[0]!.after).toBe(SOURCE.replace("step = 8", "step = 6"));
  });

  it("accepts a SEARCH written without the class's indentation and re-indents the REPLACE", async () => {
    const outcome = await apply(
      ["def quantise(self, x):", "    step = 8", "", "    return np.round(x / step)"],
      ["def quantise(self, x):", "    step = 6", "    return np.round(x / step)"],
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.editTolerance).toBe("indentation");
    expect(outcome.summary[0]!.tolerance).toBe("indentation");
    expect(outcome.files[0]!.after).toBe(
      SOURCE.replace("        step = 8\n\n        return", "        step = 6\n        return"),
    );
  });

  it("accepts a SEARCH indented too deeply by the same amount on every line", async () => {
    const outcome = await apply(
      ["            step = 8", "", "            return np.round(x / step)"],
      ["            step = 4", "", "            return np.round(x / step)"],
    );
    expect(outcome.ok && outcome.files[0]!.after).toBe(SOURCE.replace("step = 8", "step = 4"));
    expect(outcome.ok && outcome.editTolerance).toBe("indentation");
  });

  it("refuses a tolerant match that is not unique", async () => {
    const twice = "def a():\n    x = 1\n\ndef b():\n    x = 1  \n";
    const outcome = await apply(["x = 1"], ["x = 2"], twice);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.failure.message).toMatch(
      /matches 0 times exactly and 2 times when one indentation offset is ignored/,
    );
    const trailing = await apply(["y = 1 "], ["y = 2"], "y = 1\ny = 1\t\n");
    expect(!trailing.ok && trailing.failure.message).toMatch(
      /0 times exactly and 2 times when trailing whitespace is ignored/,
    );
  });

  it("refuses lines shifted by different amounts, and a REPLACE that cannot lose the offset", async () => {
    const uneven = await apply(["def quantise(self, x):", "step = 8"], ["pass"]);
    expect(!uneven.ok && uneven.failure.message).toMatch(/matches 0 times.*different amounts/);
    const shallow = await apply(["            step = 8"], ["            step = 4", "  oops = 1"]);
    expect(!shallow.ok && shallow.failure.message).toMatch(/REPLACE line 2 is indented less/);
  });
});
