/**
 * The evolve command with the real evaluator (sandboxed Python codec,
 * metrics, x265 baseline, BD-rate, verdict) on a tiny synthetic clip, with
 * the offline proposer, in a temporary git repository holding the project's
 * codec. Slow parts are kept tiny: 64x64, 3 frames, 4 rungs, 2 generations.
 */
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { PassThrough } from "node:stream";
import { evolveCommand } from "../../src/cli/commands/evolve.js";
import { historyCommand } from "../../src/cli/commands/history.js";
import { statusCommand } from "../../src/cli/commands/status.js";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

it("runs two offline generations on the real evaluator and records them", async () => {
  const repo = await tempRepo();
  await mkdir(join(repo, "codec"), { recursive: true });
  await copyFile(resolve("codec/evolved_codec.py"), join(repo, "codec/evolved_codec.py"));
  git(repo, "commit", "-q", "-am", "the project's codec");
  const stdout = capture();
  const stderr = capture();
  const io = { stdout: stdout.stream, stderr: stderr.stream, cwd: repo, env: {} };
  const args = [
    "--generations",
    "2",
    "--proposer",
    "offline",
    "--seed",
    "5",
    "--clip",
    "synthetic:moving-shapes:64x64:3",
    "--quality",
    "20,40,60,80",
    "--baseline",
    "x265",
  ];
  const code = await evolveCommand(args, io);
  if (code !== 0) throw new Error(`evolve exited ${code}\n${stderr.text()}\n${stdout.text()}`);

  const { records } = await readLedger(statePaths(repo).ledger);
  expect(records).toHaveLength(3);
  const seed = records[0]!;
  expect(seed.status).toBe("seed");
  expect(seed.metrics!.meanPsnrRgb).toBeGreaterThan(20);
  expect(seed.metrics!.compressionRatio).toBeGreaterThan(1);
  expect(typeof seed.metrics!.bdRateX265).toBe("number");
  for (const record of records.slice(1)) {
    expect(["adopted", "rejected", "failed", "duplicate"]).toContain(record.status);
    expect(record.proposer.label).toBe("offline parameter search (not an LLM)");
    if (record.status === "adopted" || record.status === "rejected") {
      expect(record.verdict!.reason).toMatch(/BD-rate vs parent/);
      expect(record.metrics!.bdRateParent).not.toBeNull();
    }
  }
  expect(stdout.text()).toContain("run run-");
  expect(stdout.text()).toContain("best: v");

  const status = capture();
  expect(await statusCommand([], { ...io, stdout: status.stream })).toBe(0);
  expect(status.text()).toContain("best: v");
  expect(status.text()).toContain("failure report:");
  const history = capture();
  expect(await historyCommand([], { ...io, stdout: history.stream })).toBe(0);
  expect(history.text()).toContain("v1");
});
