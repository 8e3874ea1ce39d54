/**
 * One generation end to end through the openai proposer: a local
 * OpenAI-compatible server (real wire format, streamed and not) answers with
 * an edit; the loop applies it, commits the candidate, evaluates it (fake
 * evaluator), decides, records and commits the new version.
 */
import { readLedger } from "../../src/evolve/ledger/ledger-file.js";
import { runEvolution } from "../../src/evolve/loop.js";
import { proposerSchema } from "../../src/config/schema.js";
import { openAiProposer } from "../../src/evolve/proposers/openai-proposer.js";
import { ProposerError } from "../../src/evolve/proposers/proposer.js";
import { statePaths } from "../../src/evolve/state-paths.js";
import { startOpenAiStub, type OpenAiStub } from "../fixtures/openai-stub/openai-stub.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";
import { testLoopDeps, testLoopOptions } from "../fixtures/evolve-loop/loop-options.js";

const ANSWER = `HYPOTHESIS: a larger quantiser step saves bits where the eye does not look
RATIONALE:
The fake evaluator rewards QSTEP near 20.
FILE: codec/evolved_codec.py
<<<<<<< SEARCH
QSTEP = 4  # range 1..32
=======
QSTEP = 20  # range 1..32
>>>>>>> REPLACE
`;

let stub: OpenAiStub;
beforeEach(async () => {
  stub = await startOpenAiStub();
});
afterEach(async () => {
  await stub.close();
});

describe.each([false, true])(
  "one generation through the openai proposer (stream: %s)",
  (stream) => {
    it("goes from request to adopted version", async () => {
      const repo = await tempRepo();
      stub.reply({
        kind: "answer",
        content: ANSWER,
        usage: { prompt_tokens: 3000, completion_tokens: 200 },
      });
      const config = proposerSchema.parse({
        baseUrl: stub.baseUrl,
        model: "stub-model",
        maxRetries: 0,
      });
      const proposer = openAiProposer({ config, apiKey: "sk-test", stream });
      const summary = await runEvolution(
        testLoopDeps(repo, { proposer }),
        await testLoopOptions(repo, { generations: 1, focus: "quantiser", budgetUsd: 1 }),
      );

      // The request: the system template and a prompt with the codec source, its figures and the focus.
      expect(stub.requests).toHaveLength(1);
      const [system, user] = stub.requests[0]!.body.messages;
      expect(system!.role).toBe("system");
      expect(system!.content).toContain(
        "def compress_video_frame(frame, frame_index, config) -> bytes",
      );
      expect(user!.content).toContain("QSTEP = 4  # range 1..32");
      expect(user!.content).toContain("BD-rate vs x265");
      expect(user!.content).toContain("quantiser");
      expect(stub.requests[0]!.body.stream ?? false).toBe(stream);

      // The ledger record: proposer, usage, cost, edits, verdict, version.
      const { records } = await readLedger(statePaths(repo).ledger);
      const record = records[1]!;
      expect(summary.attempts).toEqual([record]);
      expect(record).toMatchObject({
        status: "adopted",
        version: 2,
        hypothesis: "a larger quantiser step saves bits where the eye does not look",
        proposer: {
          kind: "openai",
          label: `openai stub-model at ${stub.baseUrl}`,
          model: "stub-model",
        },
        usage: {
          promptTokens: 3000,
          completionTokens: 200,
          costUsd: (3000 * 0.15 + 200 * 0.6) / 1e6,
        },
        edits: [
          {
            path: "codec/evolved_codec.py",
            blocks: 1,
            linesAdded: 1,
            linesRemoved: 1,
            created: false,
          },
        ],
      });
      expect(record.verdict!.reason).toMatch(/^adopted: BD-rate vs parent -\d+\.\d\d%/);
      expect(record.metrics!.bdRateParent).toBeLessThan(-2);

      // The commits: the candidate on its branch, the version on self-improved-framework.
      expect(
        git(repo, "show", `codec-evolve/candidate-${record.id}:codec/evolved_codec.py`),
      ).toContain("QSTEP = 20");
      expect(git(repo, "log", "-1", "--format=%s", "self-improved-framework")).toBe(
        "Autonomous Code Evolution - v2",
      );
      expect(git(repo, "log", "-1", "--format=%B", "self-improved-framework")).toContain(
        `Proposer: openai stub-model at ${stub.baseUrl}`,
      );
      expect(git(repo, "show", "self-improved-framework:codec/evolved_codec.py")).toContain(
        "QSTEP = 20",
      );
      expect(git(repo, "show", "main:codec/evolved_codec.py")).toContain("QSTEP = 4");
    });
  },
);

describe("proposer errors in the loop", () => {
  it("stops with the proposer's message on 401 and keeps the run resumable", async () => {
    const repo = await tempRepo();
    stub.reply({ kind: "error", status: 401, message: "Incorrect API key" });
    const config = proposerSchema.parse({ baseUrl: stub.baseUrl, model: "m", maxRetries: 0 });
    const run = runEvolution(
      testLoopDeps(repo, { proposer: openAiProposer({ config, apiKey: "bad" }) }),
      await testLoopOptions(repo, { generations: 2 }),
    );
    await expect(run).rejects.toThrow(ProposerError);
    await expect(run).rejects.toThrow("refused the API key");
    const { records } = await readLedger(statePaths(repo).ledger);
    expect(records.map((r) => r.status)).toEqual(["seed"]);

    stub.reply({ kind: "answer", content: ANSWER }, { kind: "answer", content: "no edits here" });
    const resumed = await runEvolution(
      testLoopDeps(repo, { proposer: openAiProposer({ config, apiKey: "good" }) }),
      await testLoopOptions(repo, { generations: 2 }),
    );
    expect(resumed.resumed).toBe(true);
    expect(resumed.attempts.map((r) => r.status)).toEqual(["adopted", "invalid"]);
  });
});
