import {
  changedPathsOf,
  codecPathGlobs,
  globToRegExp,
  trustProblems,
} from "../../../src/github/check-trust.js";

describe("codec-path globs of the trust rule", () => {
  it.each([
    ["codec/**", "codec/evolved_codec.py", true],
    ["codec/**", "codec/tables/t1.py", true],
    ["codec/**", "codec-evil/x.py", false],
    ["codec/**", ".github/workflows/x.yml", false],
    ["codec/*.py", "codec/evolved_codec.py", true],
    ["codec/*.py", "codec/sub/evolved_codec.py", false],
    ["codec/evolved_codec.py", "codec/evolved_codecXpy", false],
    ["codec/**/*.py", "codec/a/b/c.py", true],
    ["codec/**/*.py", "codec/c.py", true],
  ])("%s matches %s: %s", (glob, path, expected) => {
    expect(globToRegExp(glob).test(path)).toBe(expected);
  });
});

describe("the trust rule the Action's report and the App share", () => {
  const app = { login: "codec-evolve[bot]", type: "Bot" };
  const rule = { codecPaths: codecPathGlobs("codec/evolved_codec.py"), appSlug: "codec-evolve" };

  it("takes the codec's directory as the codec paths, or the file itself at the root", () => {
    expect(codecPathGlobs("codec/evolved_codec.py")).toEqual(["codec/**"]);
    expect(codecPathGlobs("evolved_codec.py")).toEqual(["evolved_codec.py"]);
  });

  it("trusts the App's PR that changes only the codec", () => {
    expect(trustProblems(["codec/evolved_codec.py"], app, rule)).toEqual([]);
  });

  it("counts both names of a rename, so a file moved out of src/ into codec/ is outside", () => {
    const paths = changedPathsOf([
      { filename: "codec/helper.py", previous_filename: "src/evaluate/evaluator.ts" },
    ]);
    expect(paths).toEqual(["codec/helper.py", "src/evaluate/evaluator.ts"]);
    expect(trustProblems(paths, app, rule)).toEqual([
      "changes files outside the codec paths (codec/**): src/evaluate/evaluator.ts",
    ]);
  });

  it("refuses a PR by a user named like the App, and one that changes nothing", () => {
    expect(trustProblems([], { login: "codec-evolve[bot]", type: "User" }, rule)).toEqual([
      "changes no file",
      "was opened by codec-evolve[bot], not by the App (codec-evolve[bot])",
    ]);
  });

  it("lets a framework PR touch any path (the App then waits for a maintainer)", () => {
    const framework = { ...rule, codecPaths: ["**"] };
    expect(trustProblems([".github/workflows/x.yml", "src/a.ts"], app, framework)).toEqual([]);
  });
});
