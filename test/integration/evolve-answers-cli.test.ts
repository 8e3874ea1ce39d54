/**
 * `codec-evolve evolve --proposer answers --answers DIR` as a user runs it: a
 * real `codec-evolve` process (the TypeScript sources through the test
 * loader), the real evaluator and sandbox on a tiny synthetic clip, the
 * project's codec in a temporary repository, and answers written as files.
 * Each file goes through the same parsing, edits, checks, evaluation and
 * adoption as a model's answer; the ledger says `answers` and names the file;
 * when the files run out the run stops cleanly and says why.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

const LOADER = resolve("test/fixtures/evolve-loop/ts-loader.mjs");
const CLI = resolve("src/cli.ts");

/** Run the CLI in `cwd`; never rejects, resolves with the exit code and both streams. */
function cli(
  args: string[],
  cwd: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      ["--import", LOADER, CLI, ...args],
      { cwd, env: { ...process.env, OPENAI_API_KEY: "" }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}

const TINY = [
  "--clip",
  "synthetic:moving-shapes:64x64:3",
  "--quality",
  "20,40,60,80",
  "--baseline",
  "x265",
  "--seed",
  "3",
];

it("proposes each answer file once, in name order, records them as answers, and stops when they run out", async () => {
  const repo = await tempRepo();
  await copyFile(resolve("codec/evolved_codec.py"), join(repo, "codec/evolved_codec.py"));
  git(repo, "commit", "-q", "-am", "the project's codec");
  const codec = await readFile(join(repo, "codec/evolved_codec.py"), "utf8");
  const deblock = codec.split("\n").find((l) => l.startsWith("DEBLOCK_STRENGTH = "))!;
  const answers = join(repo, "answers");
  await mkdir(answers);
  // Written out of order: name order decides, not creation order.
  await writeFile(
    join(answers, "03-prose.md"),
    "I think the codec is fine as it is; no change from me.\n",
  );
  await writeFile(
    join(answers, "01-deblock.md"),
    [
      "HYPOTHESIS: a lighter deblocking filter keeps texture the metric rewards",
      "RATIONALE:",
      "Written by hand, pasted from a chat window.",
      "```",
      "FILE: codec/evolved_codec.py",
      "<<<<<<< SEARCH",
      deblock,
      "=======",
      "DEBLOCK_STRENGTH = 1.1  # range 0.0..2.0",
      ">>>>>>> REPLACE",
      "```",
      "",
    ].join("\n"),
  );
  await writeFile(
    join(answers, "02-stale.md"),
    "HYPOTHESIS: quote a line that is not in the codec\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nDEBLOCK_STRENGTH = 9.9\n=======\nDEBLOCK_STRENGTH = 1.0\n>>>>>>> REPLACE\n",
  );
  await writeFile(join(answers, ".notes.swp"), "editor scratch, never an answer");

  // Flag errors name the flag, before anything runs.
  const missing = await cli(["evolve", "--proposer", "answers", ...TINY], repo);
  expect(missing.code).toBe(2);
  expect(missing.stderr).toContain("--proposer answers needs --answers DIR");
  const nowhere = await cli(["evolve", "--proposer", "answers", "--answers", "nope"], repo);
  expect(nowhere.code).toBe(2);
  expect(nowhere.stderr).toContain("nope does not exist");

  const first = await cli(
    ["evolve", "--proposer", "answers", "--answers", "answers", "--generations", "10", ...TINY],
    repo,
  );
  if (first.code !== 0)
    throw new Error(`evolve exited ${first.code}\n${first.stderr}\n${first.stdout}`);
  expect(first.stdout).toContain("stopped by running out of proposals");
  expect(first.stdout).toContain(
    "every answer file in answers has been proposed (3 in the ledger)",
  );

  const { records } = await readLedger(statePaths(repo).ledger);
  expect(records).toHaveLength(4);
  const written = records.slice(1);
  expect(written.map((r) => r.proposer)).toEqual(
    ["01-deblock.md", "02-stale.md", "03-prose.md"].map((name) => ({
      kind: "answers",
      label: `answer file answers/${name}`,
      model: null,
      source: `answers/${name}`,
    })),
  );
  for (const record of written) expect(record.usage?.costUsd).toBe(0);
  // The first went all the way through the real evaluator and the adoption rule.
  const [deblocked, stale, prose] = written;
  expect(["adopted", "rejected"]).toContain(deblocked!.status);
  expect(deblocked!.hypothesis).toBe(
    "a lighter deblocking filter keeps texture the metric rewards",
  );
  expect(deblocked!.verdict!.reason).toMatch(/BD-rate vs parent/);
  expect(
    git(repo, "show", `codec-evolve/candidate-${deblocked!.id}:codec/evolved_codec.py`),
  ).toContain("DEBLOCK_STRENGTH = 1.1");
  expect(
    git(repo, "log", "-1", "--format=%B", `codec-evolve/candidate-${deblocked!.id}`),
  ).toContain("Answer file: answers/01-deblock.md");
  if (deblocked!.status === "adopted") {
    expect(git(repo, "log", "-1", "--format=%B", "self-improved-framework")).toContain(
      "Proposer: answer file answers/01-deblock.md",
    );
  }
  // The others were refused exactly as a model's answers would be.
  expect([stale!.status, stale!.failure?.category]).toEqual(["invalid", "search-mismatch"]);
  expect(prose!.status).toBe("invalid");
  expect(["no-edits", "malformed-answer"]).toContain(prose!.failure?.category);

  // Run again: nothing left to propose, so nothing is asked, evaluated or recorded.
  const again = await cli(
    ["evolve", "--proposer", "answers", "--answers", "answers", ...TINY],
    repo,
  );
  expect(again.code).toBe(0);
  expect(again.stdout).toContain("0 attempt(s)");
  expect(again.stdout).toContain("stopped by running out of proposals");
  expect((await readLedger(statePaths(repo).ledger)).records).toHaveLength(4);

  // A new file is picked up by the next run.
  await writeFile(join(answers, "04-more.md"), "still nothing to change\n");
  const more = await cli(
    ["evolve", "--proposer", "answers", "--answers", "answers", ...TINY],
    repo,
  );
  expect(more.code).toBe(0);
  const after = (await readLedger(statePaths(repo).ledger)).records;
  expect(after.map((r) => r.proposer.source ?? null)).toEqual([
    null,
    "answers/01-deblock.md",
    "answers/02-stale.md",
    "answers/03-prose.md",
    "answers/04-more.md",
  ]);
}, 600_000);
