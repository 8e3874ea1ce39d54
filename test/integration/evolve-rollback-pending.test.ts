/**
 * Rollback while an attempt is in flight (issue 9 item 1, issue 7 item 12):
 * the rollback must take an id and a version of its own, so the next resume
 * still finishes the pending proposal and counts its cost; and it refuses
 * while a version number is reserved by a pending adoption.
 */
import { existsSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { runEvolution } from "../../src/evolve/loop.js";
import type { Proposer } from "../../src/evolve/proposers/proposer.js";
import { rollbackToVersion, RollbackError } from "../../src/evolve/rollback.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { gitCandidateStore } from "../../src/evolve/store/git-candidate-store.js";
import {
  steppingClock,
  testLoopDeps,
  testLoopOptions,
} from "../fixtures/evolve-loop/loop-options.js";
import { tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

function scripted(answers: string[]): Proposer & { asked: number } {
  const proposer = {
    kind: "openai" as const,
    label: "scripted",
    asked: 0,
    async propose() {
      const answerText = answers[proposer.asked++];
      if (answerText === undefined) throw new Error("no more scripted answers");
      return {
        answerText,
        usage: { promptTokens: 10, completionTokens: 5, costUsd: 0.01 },
        model: "script",
        label: "scripted",
      };
    },
  };
  return proposer;
}

async function qstepAnswer(repo: string, value: number): Promise<string> {
  const line = (await readFile(join(repo, "codec/evolved_codec.py"), "utf8"))
    .split("\n")
    .find((l) => l.startsWith("QSTEP"))!;
  return `HYPOTHESIS: QSTEP ${value}\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\n${line}\n=======\nQSTEP = ${value}  # range 1..32\n>>>>>>> REPLACE\n`;
}

/** A repository whose ledger holds v1 (seed) and v2 (an adopted candidate), run left unfinished. */
async function repoWithTwoVersions(): Promise<string> {
  const repo = await tempRepo();
  await runEvolution(
    testLoopDeps(repo, { proposer: scripted([await qstepAnswer(repo, 20)]) }),
    await testLoopOptions(repo, { generations: 1 }),
  );
  const { records } = await readLedger(statePaths(repo).ledger);
  expect(records.map((r) => [r.id, r.status, r.version])).toEqual([
    ["c0001", "seed", 1],
    ["c0002", "adopted", 2],
  ]);
  const paths = statePaths(repo);
  const run = JSON.parse(await readFile(paths.run, "utf8"));
  await writeFile(paths.run, JSON.stringify({ ...run, finished: false, target: 2 }));
  return repo;
}

function pendingFile(runId: string, answerText: string, extra: object = {}) {
  return {
    id: "c0003",
    runId,
    generation: 2,
    attempt: 3,
    parentId: "c0002",
    comparedToVersion: 2,
    startedAt: "2026-01-01T00:00:00.000Z",
    proposerKind: "openai",
    proposal: {
      answerText,
      usage: { promptTokens: 1, completionTokens: 1, costUsd: 0.5 },
      model: "m",
      label: "scripted",
    },
    ...extra,
  };
}

it("a rollback during a pending attempt gets its own id, and the resume keeps that proposal and its cost", async () => {
  const repo = await repoWithTwoVersions();
  const paths = statePaths(repo);
  const run = JSON.parse(await readFile(paths.run, "utf8"));
  await writeFile(
    paths.pending,
    JSON.stringify(pendingFile(run.runId, await qstepAnswer(repo, 18))),
  );

  const rolled = await rollbackToVersion({
    repoDir: repo,
    version: 1,
    store: gitCandidateStore({ repoDir: repo, branch: "self-improved-framework" }),
    clock: steppingClock(),
  });
  expect(rolled.id).toBe("c0004");
  expect(rolled.version).toBe(3);
  expect(existsSync(paths.pending)).toBe(true);

  const proposer = scripted([]);
  const summary = await runEvolution(testLoopDeps(repo, { proposer }), await testLoopOptions(repo));
  expect(proposer.asked).toBe(0);
  const { records } = await readLedger(paths.ledger);
  expect(records.map((r) => r.id)).toEqual(["c0001", "c0002", "c0004", "c0003"]);
  const resumed = records.find((r) => r.id === "c0003")!;
  expect(resumed.usage?.costUsd).toBe(0.5);
  expect(resumed.hypothesis).toBe("QSTEP 18");
  expect(summary.spendUsd).toBeCloseTo(0.51, 10);
  expect(existsSync(paths.pending)).toBe(false);
});

it("refuses a rollback while a pending adoption holds the next version number", async () => {
  const repo = await repoWithTwoVersions();
  const paths = statePaths(repo);
  const run = JSON.parse(await readFile(paths.run, "utf8"));
  const { records } = await readLedger(paths.ledger);
  const reserved = { ...records[1]!, id: "c0003", version: 3 };
  await writeFile(
    paths.pending,
    JSON.stringify(
      pendingFile(run.runId, await qstepAnswer(repo, 18), {
        adoption: { record: reserved, message: "Autonomous Code Evolution - v3\n" },
      }),
    ),
  );
  const attempt = rollbackToVersion({
    repoDir: repo,
    version: 1,
    store: gitCandidateStore({ repoDir: repo, branch: "self-improved-framework" }),
    clock: steppingClock(),
  });
  await expect(attempt).rejects.toThrow(RollbackError);
  await expect(attempt).rejects.toThrow("c0003 is being adopted as v3");
});
