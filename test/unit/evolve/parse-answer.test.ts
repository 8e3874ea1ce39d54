import { parseAnswer } from "../../../src/evolve/answer/parse-answer.js";

const GOOD = `HYPOTHESIS: coarser quantiser for chroma
RATIONALE:
Chroma carries less detail.
Two lines of reasoning.
FILE: codec/evolved_codec.py
<<<<<<< SEARCH
QC = 8
=======
QC = 12
>>>>>>> REPLACE
<<<<<<< SEARCH
def f():
    return 1
=======
def f():
    return 2
>>>>>>> REPLACE
FILE: codec/helper.py
<<<<<<< SEARCH
=======
X = 1
>>>>>>> REPLACE
`;

describe("parseAnswer", () => {
  it("reads hypothesis, rationale, files and blocks", () => {
    const parsed = parseAnswer(GOOD);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.answer.hypothesis).toBe("coarser quantiser for chroma");
    expect(parsed.answer.rationale).toBe("Chroma carries less detail.\nTwo lines of reasoning.");
    expect(parsed.answer.files.map((f) => [f.path, f.blocks.length])).toEqual([
      ["codec/evolved_codec.py", 2],
      ["codec/helper.py", 1],
    ]);
    expect(parsed.answer.files[0]!.blocks[1]).toEqual({
      search: "def f():\n    return 1",
      replace: "def f():\n    return 2",
    });
    expect(parsed.answer.files[1]!.blocks[0]).toEqual({ search: "", replace: "X = 1" });
  });

  it("tolerates CRLF line ends and markdown fences around blocks", () => {
    const text =
      "HYPOTHESIS: h\r\nFILE: a.py\r\n```python\r\n<<<<<<< SEARCH\r\na = 1\r\n=======\r\na = 2\r\n>>>>>>> REPLACE\r\n```\r\n";
    const parsed = parseAnswer(text);
    expect(parsed).toEqual({
      ok: true,
      answer: {
        hypothesis: "h",
        rationale: "",
        files: [{ path: "a.py", blocks: [{ search: "a = 1", replace: "a = 2" }] }],
      },
    });
  });

  it.each([
    [
      "a block without a FILE line",
      "HYPOTHESIS: h\n<<<<<<< SEARCH\na\n=======\nb\n>>>>>>> REPLACE\n",
      "before any",
    ],
    [
      "a block without divider",
      "FILE: a.py\n<<<<<<< SEARCH\na\n>>>>>>> REPLACE\n",
      'expected "======="',
    ],
    ["a block without end", "FILE: a.py\n<<<<<<< SEARCH\na\n=======\nb\n", 'no ">>>>>>> REPLACE"'],
    ["a FILE without blocks", "FILE: a.py\nsome prose\n", "has no SEARCH/REPLACE block"],
    ["a stray divider", "HYPOTHESIS: h\n=======\n", "outside a SEARCH/REPLACE block"],
  ])("refuses %s with a message for the model", (_name, text, expected) => {
    const parsed = parseAnswer(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message).toContain(expected);
  });

  it("returns no files for prose only (the loop refuses it as no-edits)", () => {
    const parsed = parseAnswer("I think the codec is fine as it is.");
    expect(parsed.ok && parsed.answer.files).toEqual([]);
  });
});

describe("markdown-dressed headers", () => {
  const edit = "FILE: a.py\n<<<<<<< SEARCH\na = 1\n=======\na = 2\n>>>>>>> REPLACE\n";
  it.each([
    ["**HYPOTHESIS:** finer chroma steps", "**RATIONALE:** chroma is cheap"],
    ["**HYPOTHESIS**: finer chroma steps", "**RATIONALE**: chroma is cheap"],
    ["## Hypothesis: finer chroma steps", "## Rationale: chroma is cheap"],
    ["**HYPOTHESIS: finer chroma steps**", "__RATIONALE:__ chroma is cheap"],
    ["HYPOTHESIS: finer chroma steps", "RATIONALE: chroma is cheap"],
  ])("%s parses without the markup in the text", (hypothesis, rationale) => {
    const parsed = parseAnswer(`${hypothesis}\n${rationale}\n${edit}`);
    expect(parsed.ok && parsed.answer.hypothesis).toBe("finer chroma steps");
    expect(parsed.ok && parsed.answer.rationale).toBe("chroma is cheap");
  });

  it("keeps emphasis inside the text", () => {
    const parsed = parseAnswer(`HYPOTHESIS: use x**2 weights and *fewer* bits\n${edit}`);
    expect(parsed.ok && parsed.answer.hypothesis).toBe("use x**2 weights and *fewer* bits");
  });
});
