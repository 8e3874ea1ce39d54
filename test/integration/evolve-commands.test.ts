/**
 * status, history and rollback on a ledger made by a real loop (offline
 * proposer, fake evaluator) in a temporary git repository.
 */
import { PassThrough } from "node:stream";
import { historyCommand } from "../../src/cli/commands/history.js";
import { rollbackCommand } from "../../src/cli/commands/rollback.js";
import { statusCommand } from "../../src/cli/commands/status.js";
import { evolveCommand } from "../../src/cli/commands/evolve.js";
import { ExitError } from "../../src/cli/exit-error.js";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { runEvolution } from "../../src/evolve/loop.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { testLoopDeps, testLoopOptions } from "../fixtures/evolve-loop/loop-options.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

function io(cwd: string) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  err.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  return {
    io: { stdout: out, stderr: err, cwd, env: {} },
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

let repo: string;
beforeAll(async () => {
  repo = await tempRepo();
  await runEvolution(testLoopDeps(repo), await testLoopOptions(repo, { generations: 6 }));
});

describe("status and history", () => {
  it("status shows the best, the run, the attempts and the failure report", async () => {
    const { io: streams, stdout } = io(repo);
    expect(await statusCommand([], streams)).toBe(0);
    const text = stdout();
    expect(text).toMatch(/^best: v\d+ \(c\d{4}, offline parameter search \(not an LLM\)\)/);
    expect(text).toContain("of 6 generation(s), finished (generations)");
    expect(text).toContain("recent attempts:");
    expect(text).toContain("failure report:\nNo failures in the last 6 attempt(s).");
  });

  it("history lists every version with BD-rate vs x265 and tier", async () => {
    const { records } = await readLedger(statePaths(repo).ledger);
    const { io: streams, stdout } = io(repo);
    expect(await historyCommand([], streams)).toBe(0);
    const lines = stdout().trim().split("\n");
    expect(lines[0]).toMatch(
      /^version\s+id\s+date\s+proposer\s+Mbps\s+ratio\s+PSNR-RGB\s+BD vs prev\s+BD vs x265\s+tier\s+commit$/,
    );
    expect(lines.slice(2).map((l) => l.split(/\s+/)[0])).toEqual(
      records.filter((r) => r.version !== null).map((r) => `v${r.version}`),
    );
  });

  it("history --json prints the version records", async () => {
    const { io: streams, stdout } = io(repo);
    expect(await historyCommand(["--json"], streams)).toBe(0);
    const parsed = JSON.parse(stdout()) as Array<{ version: number }>;
    expect(parsed[0]!.version).toBe(1);
  });
});

describe("rollback", () => {
  it("restores v1 as a new version with v1's code, and refuses unknown versions", async () => {
    const before = (await readLedger(statePaths(repo).ledger)).records;
    const latest = Math.max(...before.map((r) => r.version ?? 0));
    const { io: streams, stdout } = io(repo);
    expect(await rollbackCommand(["v1"], streams)).toBe(0);
    expect(stdout()).toContain(`v${latest + 1}`);
    const after = (await readLedger(statePaths(repo).ledger)).records;
    const record = after[after.length - 1]!;
    expect(record).toMatchObject({
      version: latest + 1,
      status: "adopted",
      proposer: { kind: "rollback" },
    });
    expect(git(repo, "show", "self-improved-framework:codec/evolved_codec.py")).toBe(
      git(repo, "show", "main:codec/evolved_codec.py"),
    );
    expect(git(repo, "log", "-1", "--format=%B", "self-improved-framework")).toContain(
      "Rollback: restores v1",
    );
    await expect(rollbackCommand(["v99"], io(repo).io)).rejects.toThrow(ExitError);
    await expect(rollbackCommand(["latest"], io(repo).io)).rejects.toThrow(
      "expected a version like v3",
    );

    // The loop continues from the rolled-back version.
    const summary = await runEvolution(
      testLoopDeps(repo),
      await testLoopOptions(repo, { generations: 1 }),
    );
    expect(summary.attempts[0]!.comparedToVersion).toBe(latest + 1);
  });
});

describe("evolve command flags", () => {
  it("refuses bad flags before doing any work", async () => {
    await expect(evolveCommand(["--generations", "0"], io(repo).io)).rejects.toThrow(
      "--generations",
    );
    await expect(evolveCommand(["--proposer", "gpt"], io(repo).io)).rejects.toThrow("--proposer");
    await expect(evolveCommand(["--proposer", "openai"], io(repo).io)).rejects.toThrow(
      "needs an API key in $OPENAI_API_KEY",
    );
  });

  it("says what to do outside a git repository", async () => {
    await expect(statusCommand([], io("/").io)).rejects.toThrow("not inside a git repository");
  });
});
