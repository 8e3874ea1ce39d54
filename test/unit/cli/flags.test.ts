/** The one flag parser: typed values, errors naming flag/value/allowed values, generated usage. */
import { EVALUATE } from "../../../src/cli/commands/evaluate.js";
import { ExitError } from "../../../src/cli/exit-error.js";
import { defineCommand, flag } from "../../../src/cli/flags.js";

const demo = defineCommand({
  name: "demo",
  args: "FILE",
  positionals: { min: 1, max: 1 },
  description: "A command for tests.",
  flags: {
    count: flag.integer("N", "how many", { min: 1 }),
    ratio: flag.number("R", "a ratio", { min: 0, max: 1 }),
    mode: flag.choice("MODE", ["fast", "slow"], "fast | slow"),
    tag: flag.strings("TAG", "a tag"),
    dry: flag.boolean("do nothing"),
    name: flag.string("NAME", "a name"),
  },
});

function usageError(run: () => unknown): ExitError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ExitError);
    expect((error as ExitError).code).toBe(2);
    return error as ExitError;
  }
  throw new Error("expected a usage error");
}

describe("defineCommand", () => {
  it("yields typed values and leaves absent flags undefined", () => {
    const parsed = demo.parse([
      "in.txt",
      "--count",
      "3",
      "--ratio=0.5",
      "--mode",
      "slow",
      "--tag",
      "a",
      "--tag",
      "b",
      "--dry",
    ]);
    expect(parsed.help).toBe(false);
    expect(parsed.positionals).toEqual(["in.txt"]);
    expect(parsed.values).toEqual({
      count: 3,
      ratio: 0.5,
      mode: "slow",
      tag: ["a", "b"],
      dry: true,
    });
    const count: number | undefined = parsed.values.count;
    const mode: "fast" | "slow" | undefined = parsed.values.mode;
    expect([count, mode, parsed.values.name]).toEqual([3, "slow", undefined]);
  });

  it.each([
    [["f", "--count", "2.5"], '--count: "2.5" is not a positive integer'],
    [["f", "--count", "0"], '--count: "0" is not a positive integer'],
    [["f", "--count", ""], '--count: "" is not a positive integer'],
    [["f", "--ratio", "2"], '--ratio: "2" is not a number from 0 to 1'],
    [["f", "--mode", "medium"], '--mode: "medium" is not one of fast, slow'],
  ])("rejects %j naming the flag, the value and what is allowed", (argv, message) => {
    expect(usageError(() => demo.parse(argv)).message).toBe(message);
  });

  it("names an unknown option, a missing value and a value given to a switch", () => {
    expect(usageError(() => demo.parse(["f", "--bogus"])).message).toBe(
      "unknown option --bogus (codec-evolve demo --help lists the options)",
    );
    expect(usageError(() => demo.parse(["f", "--count"])).message).toMatch(
      /^--count: needs a value/,
    );
    expect(usageError(() => demo.parse(["f", "--dry=yes"])).message).toMatch(
      /^--dry: takes no value/,
    );
  });

  it("checks the number of arguments unless --help is asked for", () => {
    expect(usageError(() => demo.parse([])).message).toMatch(
      /^expected one FILE, got none\n\nusage:/,
    );
    expect(usageError(() => demo.parse(["a", "b"])).message).toMatch(/got "a" "b"/);
    expect(demo.parse(["-h"]).help).toBe(true);
  });

  it("generates the usage text from the declarations", () => {
    expect(demo.usage).toBe(
      [
        "usage: codec-evolve demo FILE [options]",
        "",
        "A command for tests.",
        "",
        "  --count N    how many",
        "  --ratio R    a ratio",
        "  --mode MODE  fast | slow",
        "  --tag TAG    a tag (repeatable)",
        "  --dry        do nothing",
        "  --name NAME  a name",
        "  -h, --help   show this help",
      ].join("\n"),
    );
  });
});

describe("evaluate's declared flags", () => {
  it("lists every declared flag in its usage and parses the ladder and baselines", () => {
    expect(EVALUATE.parse(["c.py"]).values).toEqual({});
    expect(EVALUATE.usage).toMatch(/--quality LIST/);
    expect(EVALUATE.usage).toMatch(/--no-cache/);
    const { values } = EVALUATE.parse([
      "c.py",
      "--quality",
      "20, 40,60,80",
      "--baseline",
      "x265,jpeg",
      "--isolation",
      "none",
    ]);
    expect(values.quality).toEqual([20, 40, 60, 80]);
    expect(values.baseline).toEqual(["x265", "jpeg"]);
    expect(values.isolation).toBe("none");
    expect(EVALUATE.parse(["c.py", "--baseline", "none"]).values.baseline).toEqual([]);
  });

  it("refuses a bad rung and an unknown encoder with the allowed values", () => {
    expect(usageError(() => EVALUATE.parse(["c.py", "--quality", "20,x,60,80"])).message).toBe(
      '--quality: "x" is not an integer from 0 to 100',
    );
    expect(usageError(() => EVALUATE.parse(["c.py", "--baseline", "x266"])).message).toMatch(
      /^--baseline: "x266" is not a reference encoder \(x265, .*, or none\)$/,
    );
  });
});
