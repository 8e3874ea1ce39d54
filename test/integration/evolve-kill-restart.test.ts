/**
 * Kill the loop at random moments (SIGKILL to its whole process group, like
 * a crash) and restart it until the run completes. The result must be the
 * same ledger as an uninterrupted run with the same seed: no record lost or
 * written twice, no version created twice, every version commit on the
 * branch matching its ledger record.
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import type { LedgerRecord } from "../../src/evolve/ledger/ledger-record.js";
import { seededRandom } from "../../src/evolve/population/seeded-random.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

const LOADER = resolve("test/fixtures/evolve-loop/ts-loader.mjs");
const CHILD = resolve("test/fixtures/evolve-loop/run-loop-child.ts");
const GENERATIONS = 8;
const SEED = 11;

/**
 * Start the loop in a child process; with `killAfterMs`, SIGKILL its process
 * group that long after the loop reports its start. Resolves with the exit code (null when killed).
 */
function runChild(
  repo: string,
  killAfterMs: number | null,
): Promise<{ code: number | null; output: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ["--import", LOADER, CHILD, repo, String(GENERATIONS), String(SEED)],
      {
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let output = "";
    let timer: NodeJS.Timeout | null = null;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (killAfterMs !== null && timer === null && output.includes("event run-start")) {
        timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, "SIGKILL");
          } catch {
            // already exited
          }
        }, killAfterMs);
      }
    });
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("error", fail);
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      done({ code, output });
    });
  });
}

/** The parts of a record that must not depend on interruptions (not times, not commit hashes). */
function essence(record: LedgerRecord) {
  return [
    record.id,
    record.parentId,
    record.status,
    record.version,
    record.generation,
    record.hypothesis,
    record.codeHash,
  ];
}

it("loses nothing and duplicates nothing when killed at random moments", async () => {
  const reference = await tempRepo();
  const clean = await runChild(reference, null);
  expect(clean.code).toBe(0);
  const expected = (await readLedger(statePaths(reference).ledger)).records;
  expect(expected).toHaveLength(GENERATIONS + 1);

  const repo = await tempRepo();
  const rng = seededRandom("kill-times", process.env.KILL_SEED ?? 1);
  let kills = 0;
  for (let round = 0; round < 12; round++) {
    // A child killed after it marked the run finished has completed it; another start would begin a new run.
    const run = JSON.parse(await readFile(statePaths(repo).run, "utf8").catch(() => "{}")) as {
      finished?: boolean;
    };
    if (run.finished) break;
    // Kills land anywhere in the loop's work: proposing, committing, evaluating, adopting, appending.
    const { code, output } = await runChild(repo, Math.floor(rng.next() * 1000));
    if (code === 0) break;
    expect({ code, output: output.slice(-300) }).toEqual({
      code: null,
      output: expect.any(String),
    });
    kills++;
  }
  const run = JSON.parse(await readFile(statePaths(repo).run, "utf8")) as { finished?: boolean };
  if (!run.finished) expect((await runChild(repo, null)).code).toBe(0);
  const { records, tornTail } = await readLedger(statePaths(repo).ledger);
  expect(kills).toBeGreaterThanOrEqual(3);
  expect(tornTail).toBeNull();
  expect(records.map(essence)).toEqual(expected.map(essence));
  expect(existsSync(statePaths(repo).pending)).toBe(false);

  // Versions: contiguous, each exactly once on the branch, each commit naming its candidate.
  const versions = records.filter((r) => r.version !== null).map((r) => r.version);
  expect(versions).toEqual(versions.map((_, i) => i + 1));
  const subjects = git(repo, "log", "--first-parent", "--format=%s", "self-improved-framework")
    .split("\n")
    .filter((s) => s.startsWith("Autonomous Code Evolution"));
  expect(subjects.sort()).toEqual(
    records
      .filter((r) => r.status === "adopted")
      .map((r) => `Autonomous Code Evolution - v${r.version}`)
      .sort(),
  );
  for (const record of records.filter((r) => r.status === "adopted")) {
    expect(git(repo, "log", "-1", "--format=%B", record.versionCommit!)).toContain(
      `Candidate: ${record.id}`,
    );
  }
}, 300_000);
