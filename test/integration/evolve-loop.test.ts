/**
 * The local loop end to end in a real temporary git repository: offline
 * proposer, fake evaluator (fast, deterministic), real git store, real Python
 * syntax check, real ledger.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { runEvolution } from "../../src/evolve/loop.js";
import { ProposerError, type Proposer } from "../../src/evolve/proposers/proposer.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";
import { testLoopDeps, testLoopOptions } from "../fixtures/evolve-loop/loop-options.js";

/** A proposer that returns the given answers in order. */
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

describe("evolution loop (local, offline)", () => {
  it("runs generations, adopts improvements as versions with the specified commit message, and leaves the user's tree alone", async () => {
    const repo = await tempRepo();
    const head = git(repo, "rev-parse", "HEAD");
    const deps = testLoopDeps(repo);
    const summary = await runEvolution(deps, await testLoopOptions(repo, { generations: 6 }));

    expect(summary.stoppedBy).toBe("generations");
    expect(summary.attempts).toHaveLength(6);
    const { records } = await readLedger(statePaths(repo).ledger);
    expect(records[0]!.status).toBe("seed");
    expect(records[0]!.version).toBe(1);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    for (const record of records.slice(1)) {
      expect(record.proposer.label).toBe("offline parameter search (not an LLM)");
      expect(record.hypothesis).toMatch(/^offline parameter search \(not an LLM\): /);
    }
    const adopted = records.filter((r) => r.status === "adopted");
    expect(adopted.length).toBeGreaterThan(0);
    expect(adopted.map((r) => r.version)).toEqual(adopted.map((_, i) => i + 2));

    // Every adopted version is a commit on self-improved-framework with the exact message format.
    const log = git(
      repo,
      "log",
      "--first-parent",
      "--format=%B%x00",
      "self-improved-framework",
    ).split("\0");
    for (const record of adopted) {
      const body = log.find((b) =>
        b.trim().startsWith(`Autonomous Code Evolution - v${record.version}\n`),
      );
      expect(body).toBeDefined();
      const lines = body!.trim().split("\n");
      expect(lines[2]).toMatch(
        new RegExp(
          `^LLM evolved codec to v${record.version} - \\d+\\.\\d{3} Mbps, \\d+\\.\\dx compression$`,
        ),
      );
      expect(body).toContain("BD-rate vs parent");
      expect(body).toContain("BD-rate vs x265");
      expect(body).toContain(`Improvement over v${record.version! - 1}`);
      expect(body).toContain(`Verdict: ${record.verdict!.reason}`);
      expect(body).toMatch(/Timestamp: 2026-01-01T/);
      expect(body).toContain("Proposer: offline parameter search (not an LLM)");
    }
    // The latest version's tree carries the adopted codec.
    const best = adopted[adopted.length - 1]!;
    expect(git(repo, "rev-parse", "self-improved-framework")).toBe(best.versionCommit);
    expect(git(repo, "rev-parse", `${best.versionCommit}^{tree}`)).toBe(
      git(repo, "rev-parse", `${best.commit}^{tree}`),
    );
    // Each evaluated candidate is a commit on its own branch.
    for (const record of records.filter((r) => r.commit && r.status !== "seed")) {
      expect(git(repo, "rev-parse", `codec-evolve/candidate-${record.id}`)).toBe(record.commit);
    }
    // The user's checkout: same HEAD, same branch, no tracked change, no leftover worktree.
    expect(git(repo, "rev-parse", "HEAD")).toBe(head);
    expect(git(repo, "branch", "--show-current")).toBe("main");
    expect(git(repo, "status", "--porcelain", "--untracked-files=no")).toBe("");
    expect(await readdir(statePaths(repo).worktrees)).toEqual([]);
    expect(existsSync(statePaths(repo).lock)).toBe(false);
    // Seed measured once, then one evaluation per non-duplicate attempt.
    expect(deps.evaluate.calls.filter((c) => c === "starting codec")).toHaveLength(1);
  });

  it("refuses bad answers with reasons that reach the next prompt, and never evaluates them", async () => {
    const repo = await tempRepo();
    const prompts: string[] = [];
    const answers = [
      "I would rather not.",
      "HYPOTHESIS: x\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQSTEP = 5  # range 1..32\n=======\nQSTEP = 6  # range 1..32\n>>>>>>> REPLACE\n",
      "HYPOTHESIS: y\nFILE: .github/workflows/ci.yml\n<<<<<<< SEARCH\n=======\non: push\n>>>>>>> REPLACE\n",
      "HYPOTHESIS: z\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQSTEP = 4  # range 1..32\n=======\nQSTEP = (4\n>>>>>>> REPLACE\n",
      "HYPOTHESIS: boom\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\nQSTEP = 4  # range 1..32\n=======\nQSTEP = 4  # range 1..32\nraise RuntimeError('boom')\n>>>>>>> REPLACE\n",
    ];
    const proposer = scripted(answers);
    const recording: Proposer = {
      ...proposer,
      propose: (ctx) => {
        prompts.push(ctx.prompt.user);
        return proposer.propose(ctx);
      },
    };
    const deps = testLoopDeps(repo, { proposer: recording });
    const summary = await runEvolution(deps, await testLoopOptions(repo, { generations: 5 }));
    expect(summary.attempts.map((r) => [r.status, r.failure?.category])).toEqual([
      ["invalid", "no-edits"],
      ["invalid", "search-mismatch"],
      ["invalid", "protected-path"],
      ["invalid", "syntax"],
      ["failed", "runtime"],
    ]);
    expect(deps.evaluate.calls).toEqual(["starting codec", "candidate c0006"]);
    expect(prompts[1]).toContain("no-edits");
    expect(prompts[2]).toContain("SEARCH matches 0 times");
    expect(prompts[3]).toContain(".github/workflows/ci.yml is protected");
    expect(prompts[4]).toContain("[syntax]");
    expect(summary.spendUsd).toBeCloseTo(0.05, 10);
  });

  it("stops at the budget and marks the run finished", async () => {
    const repo = await tempRepo();
    const answer = "I would rather not.";
    const proposer = scripted([answer, answer, answer, answer, answer]);
    const summary = await runEvolution(
      testLoopDeps(repo, { proposer }),
      await testLoopOptions(repo, { generations: 5, budgetUsd: 0.025 }),
    );
    expect(summary.stoppedBy).toBe("budget");
    expect(proposer.asked).toBe(3);
    const run = JSON.parse(await readFile(statePaths(repo).run, "utf8"));
    expect(run.finished).toBe(true);
  });

  it("stops cleanly when the proposer says the budget left cannot pay for an answer", async () => {
    const repo = await tempRepo();
    const proposer: Proposer = {
      kind: "openai",
      label: "broke",
      propose: async () => {
        throw new ProposerError(
          "the budget left ($0.0001) cannot pay for a useful answer",
          "budget",
        );
      },
    };
    const summary = await runEvolution(
      testLoopDeps(repo, { proposer }),
      await testLoopOptions(repo, { generations: 3, budgetUsd: 1 }),
    );
    expect(summary.stoppedBy).toBe("budget");
    expect(summary.attempts).toEqual([]);
  });

  it("stops after the current step on abort and resumes the same run later", async () => {
    const repo = await tempRepo();
    const controller = new AbortController();
    const options = await testLoopOptions(repo, {
      generations: 4,
      signal: controller.signal,
      onEvent: (event) => {
        if (event.type === "attempt-done" && event.generation === 2) controller.abort();
      },
    });
    const first = await runEvolution(testLoopDeps(repo), options);
    expect(first.stoppedBy).toBe("interrupted");
    expect(first.attempts).toHaveLength(2);
    const second = await runEvolution(
      testLoopDeps(repo),
      await testLoopOptions(repo, { generations: 99 }),
    );
    expect(second.resumed).toBe(true);
    expect(second.runId).toBe(first.runId);
    expect(second.attempts.map((r) => r.generation)).toEqual([1, 2, 3, 4]);
  });

  it("finishes a saved proposal without asking again, and completes a half-done adoption once", async () => {
    const repo = await tempRepo();
    // Run one generation, then fake a crash right after the version commit of the next.
    await runEvolution(testLoopDeps(repo), await testLoopOptions(repo, { generations: 1 }));
    const paths = statePaths(repo);
    const answer =
      "HYPOTHESIS: nearer the optimum\nFILE: codec/evolved_codec.py\n<<<<<<< SEARCH\n" +
      (await readFile(join(repo, "codec/evolved_codec.py"), "utf8"))
        .split("\n")
        .find((l) => l.startsWith("QSTEP"))! +
      "\n=======\nQSTEP = 20  # range 1..32\n>>>>>>> REPLACE\n";
    const { records } = await readLedger(paths.ledger);
    const run = JSON.parse(await readFile(paths.run, "utf8"));
    await writeFile(paths.run, JSON.stringify({ ...run, finished: false, target: 2 }));
    await writeFile(
      paths.pending,
      JSON.stringify({
        id: "c0003",
        runId: run.runId,
        generation: 2,
        attempt: records.length + 1,
        parentId: "c0001",
        comparedToVersion: 1,
        startedAt: "2026-01-01T00:00:00.000Z",
        proposerKind: "openai",
        proposal: {
          answerText: answer,
          usage: { promptTokens: 1, completionTokens: 1, costUsd: 0.5 },
          model: "m",
          label: "scripted",
        },
      }),
    );
    const proposer = scripted([]);
    const summary = await runEvolution(
      testLoopDeps(repo, { proposer }),
      await testLoopOptions(repo),
    );
    expect(proposer.asked).toBe(0);
    const after = (await readLedger(paths.ledger)).records;
    const resumed = after.find((r) => r.id === "c0003")!;
    expect(resumed.usage?.costUsd).toBe(0.5);
    expect(summary.attempts).toHaveLength(2);
    expect(existsSync(paths.pending)).toBe(false);
  });
});
