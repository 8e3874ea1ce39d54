/**
 * Exit codes and paths of the CLI: a usage error, an environment problem and a
 * bug exit differently; `evaluate` names a missing codec file in one line and
 * reads config and config clips from the repository root like the others.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { exitReportFor } from "../../src/cli/exit-code-for.js";
import { EXIT } from "../../src/cli/exit-error.js";
import { ConfigError } from "../../src/config/load-config.js";
import { ProgramNotFoundError } from "../../src/evaluate/run-process.js";
import { ProposerError } from "../../src/evolve/proposers/proposer.js";
import { runCli } from "../fixtures/cli/run-cli.js";

const run = promisify(execFile);
const STARTER = join(process.cwd(), "codec/evolved_codec.py");

const cli = runCli;

describe("exit codes", () => {
  it("are distinct for usage, codec failure, environment and internal errors", () => {
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
    expect(exitReportFor(new ConfigError("bad field")).code).toBe(2);
    expect(exitReportFor(new ProposerError("bad model name in config", "config")).code).toBe(2);
    const unreachable = exitReportFor(
      new ProposerError("cannot reach http://127.0.0.1:9/v1", "server"),
    );
    expect(unreachable.code).toBe(3);
    expect(unreachable.message).toMatch(/^the proposer failed: cannot reach/);
    expect(exitReportFor(new ProgramNotFoundError("ffmpeg")).code).toBe(3);
    const bug = exitReportFor(new TypeError("x is undefined"));
    expect(bug.code).toBe(4);
    expect(bug.message).toMatch(/^unexpected error .*\nTypeError: x is undefined\n\s+at /);
    expect(exitReportFor("thrown string").code).toBe(4);
  });

  it("are listed in --help", async () => {
    const { code, out } = await cli(["--help"], process.cwd());
    expect(code).toBe(0);
    expect(out).toMatch(/exit codes:\n\s+0\s+success\n\s+1\s+the codec failed/);
    expect(out).toMatch(/3\s+environment/);
  });
});

describe("codec-evolve evaluate paths", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "ce-exit-"));
  });

  it("names a missing codec file in one line, exit 2", async () => {
    const { code, err } = await cli(["evaluate", "nope.py"], dir);
    expect(code).toBe(2);
    expect(err).toBe(`codec-evolve evaluate: codec file ${join(dir, "nope.py")} does not exist\n`);
  });

  it("reads the config and its clips from the repository root when run in a subfolder", async () => {
    const repo = join(dir, "repo");
    await mkdir(join(repo, ".github"), { recursive: true });
    await mkdir(join(repo, "sub", "deeper"), { recursive: true });
    await run("git", ["init", "-q", repo]);
    await writeFile(
      join(repo, ".github", "codec-evolve.yml"),
      "evaluation:\n  clips: [clips/only-at-root.y4m]\n",
    );
    const fromSub = await cli(["evaluate", STARTER], join(repo, "sub", "deeper"));
    expect(fromSub.code).toBe(2);
    expect(fromSub.err).toContain(join(repo, "clips", "only-at-root.y4m"));

    await writeFile(join(repo, ".github", "codec-evolve.yml"), "evaluation:\n  qualitys: [1]\n");
    const badConfig = await cli(["evaluate", STARTER, "--clip", "missing.y4m"], join(repo, "sub"));
    expect(badConfig.code).toBe(2);
    expect(badConfig.err).toContain(join(repo, ".github", "codec-evolve.yml"));
  });
});
