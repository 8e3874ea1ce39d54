/**
 * A SEARCH block that differs from the codec only by trailing whitespace is
 * accepted (apply-edits.ts), and the ledger record says which tolerance was
 * needed, on the record and per file, and keeps it through a validated read.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { runEvolution } from "../../src/evolve/loop.js";
import type { Proposer } from "../../src/evolve/proposers/proposer.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { testLoopDeps, testLoopOptions } from "../fixtures/evolve-loop/loop-options.js";
import { tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

it("records the tolerance a SEARCH needed, and nothing when it matched exactly", async () => {
  const repo = await tempRepo();
  const line = (await readFile(join(repo, "codec/evolved_codec.py"), "utf8"))
    .split("\n")
    .find((l) => l.startsWith("QSTEP"))!;
  const answers = [
    // The model's slip: two trailing spaces after the quoted line.
    `HYPOTHESIS: sloppy quote\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\n${line}  \n=======\nQSTEP = 20  # range 1..32\n>>>>>>> REPLACE\n`,
    `HYPOTHESIS: exact quote\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQSTEP = 20  # range 1..32\n=======\nQSTEP = 19  # range 1..32\n>>>>>>> REPLACE\n`,
  ];
  let asked = 0;
  const proposer: Proposer = {
    kind: "openai",
    label: "scripted",
    propose: async () => ({
      answerText: answers[asked++]!,
      usage: { promptTokens: 1, completionTokens: 1, costUsd: 0 },
      model: "m",
      label: "scripted",
    }),
  };
  await runEvolution(
    testLoopDeps(repo, { proposer }),
    await testLoopOptions(repo, { generations: 2 }),
  );
  const [, sloppy, exact] = (await readLedger(statePaths(repo).ledger)).records;
  expect(sloppy).toMatchObject({
    hypothesis: "sloppy quote",
    status: "adopted",
    editTolerance: "trailing-whitespace",
    edits: [{ path: "codec/evolved_codec.py", tolerance: "trailing-whitespace" }],
  });
  expect(exact!.hypothesis).toBe("exact quote");
  expect(exact!.edits).toHaveLength(1);
  expect(exact).not.toHaveProperty("editTolerance");
  expect(exact!.edits[0]).not.toHaveProperty("tolerance");
});
