import { parseAnswer } from "../../../src/evolve/answer/parse-answer.js";
import { applyEdits } from "../../../src/evolve/edits/apply-edits.js";
import { checkPythonSyntax } from "../../../src/evolve/edits/check-python-syntax.js";
import { protectedPathReason } from "../../../src/evolve/edits/protected-paths.js";

const SOURCE =
  "import numpy as np\n\nQ = 8\n\ndef f(x):\n    return x * Q\n\ndef g(x):\n    return x * Q\n";
const files: Record<string, string> = { "codec/evolved_codec.py": SOURCE };
const read = async (path: string) => files[path] ?? null;

async function apply(body: string) {
  const parsed = parseAnswer(`HYPOTHESIS: test\n${body}`);
  if (!parsed.ok) throw new Error(parsed.message);
  return applyEdits(parsed.answer.files, read);
}

describe("applyEdits", () => {
  it("replaces a block that matches exactly once and summarises the change", async () => {
    const outcome = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = 8\n=======\nQ = 10\nR = 2\n>>>>>>> REPLACE\n",
    );
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.files[0]!.after).toBe(SOURCE.replace("Q = 8\n", "Q = 10\nR = 2\n"));
    expect(outcome.summary).toEqual([
      { path: "codec/evolved_codec.py", blocks: 1, linesAdded: 2, linesRemoved: 1, created: false },
    ]);
  });

  it("refuses a SEARCH that matches twice", async () => {
    const outcome = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\n    return x * Q\n=======\n    return x\n>>>>>>> REPLACE\n",
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.failure.category).toBe("search-mismatch");
      expect(outcome.failure.message).toContain("matches 2 times");
    }
  });

  it("refuses a SEARCH that matches nowhere and hints at indentation", async () => {
    const outcome = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\ndef f(x):\nreturn x * Q\n=======\nx\n>>>>>>> REPLACE\n",
    );
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) {
      expect(outcome.failure.message).toContain("matches 0 times");
      expect(outcome.failure.message).toContain("indentation");
    }
  });

  it("does not match part of a line", async () => {
    const outcome = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = \n=======\nQ = 9\n>>>>>>> REPLACE\n",
    );
    expect(outcome.ok).toBe(false);
  });

  it("creates a new file with an empty SEARCH and refuses it for an existing file", async () => {
    const created = await apply(
      "FILE: codec/tables.py\n<<<<<<< SEARCH\n=======\nT = [1, 2]\n>>>>>>> REPLACE\n",
    );
    expect(created.ok && created.files[0]).toEqual({
      path: "codec/tables.py",
      before: null,
      after: "T = [1, 2]\n",
    });
    const clash = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\n=======\nT = 1\n>>>>>>> REPLACE\n",
    );
    expect(clash.ok).toBe(false);
  });

  it("deletes lines without leaving a blank line", async () => {
    const outcome = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = 8\n=======\n>>>>>>> REPLACE\n",
    );
    expect(outcome.ok && outcome.files[0]!.after).toBe(SOURCE.replace("Q = 8\n", ""));
  });

  it.each([
    ".github/workflows/ci.yml",
    "action/action.yml",
    "src/sandbox/harness.py",
    "src/evaluate/verdict.ts",
    "../outside.py",
    "/etc/passwd",
    "codec/../../x.py",
    ".GitHub/x",
  ])("refuses the protected path %s", async (path) => {
    const outcome = await apply(`FILE: ${path}\n<<<<<<< SEARCH\n=======\nx = 1\n>>>>>>> REPLACE\n`);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.failure.category).toBe("protected-path");
  });

  it("allows ordinary repository paths", () => {
    expect(protectedPathReason("codec/evolved_codec.py")).toBeNull();
    expect(protectedPathReason("src/evolve/x.ts")).toBeNull();
  });

  it("refuses an answer without edits and edits that change nothing", async () => {
    expect((await applyEdits([], read)).ok).toBe(false);
    const same = await apply(
      "FILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQ = 8\n=======\nQ = 8\n>>>>>>> REPLACE\n",
    );
    expect(!same.ok && same.failure.category).toBe("no-edits");
  });
});

describe("checkPythonSyntax", () => {
  it("accepts valid Python and reports the line of a syntax error", async () => {
    expect(await checkPythonSyntax("a.py", SOURCE)).toBeNull();
    const failure = await checkPythonSyntax("a.py", "def f(:\n    pass\n");
    expect(failure?.category).toBe("syntax");
    expect(failure?.line).toBe(1);
    expect(failure?.message).toContain("a.py");
  });
});
