import { mkdtemp, mkdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig, parseConfig } from "../../../src/config/load-config.js";

describe("repository config", () => {
  it("fills documented defaults for an empty file", () => {
    const config = parseConfig("");
    expect(config.evaluation.qualities).toEqual([20, 35, 50, 65, 80]);
    expect(config.evaluation.baselines).toEqual(["x265", "x265-ld", "jpeg"]);
    expect(config.sandbox.allowedImports).toContain("numpy");
    expect(config.evolve.branch).toBe("self-improved-framework");
    expect(config.adoption.minBitSavingPercent).toBe(10);
  });

  it("names the field and the problem for a bad value", () => {
    expect(() => parseConfig("evaluation:\n  qualities: [20, 35, 500]\n", "x.yml")).toThrow(
      /x\.yml: invalid configuration:\n {2}- evaluation\.qualities\.2: /,
    );
  });

  it("refuses unknown keys instead of ignoring a typo", () => {
    expect(() => parseConfig("evalution:\n  qualities: [1,2,3,4]\n")).toThrow(ConfigError);
  });

  it("refuses malformed YAML with the file name", () => {
    expect(() => parseConfig("a: [", "bad.yml")).toThrow(/bad\.yml: not valid YAML/);
  });

  it("says when it used defaults because the file is absent", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ce-config-"));
    const { config, source } = await loadConfig(dir);
    expect(source).toMatch(/built-in defaults/);
    expect(config.codec).toBe("codec/evolved_codec.py");
  });

  it("reads the file when present", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ce-config-"));
    await mkdir(join(dir, ".github"));
    await writeFile(join(dir, ".github/codec-evolve.yml"), "evaluation:\n  qualityFloorDb: 25\n");
    const { config, source } = await loadConfig(dir);
    expect(config.evaluation.qualityFloorDb).toBe(25);
    expect(source).toContain("codec-evolve.yml");
  });
});
