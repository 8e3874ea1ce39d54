import { globToRegExp } from "../../../src/github/check-trust.js";

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
