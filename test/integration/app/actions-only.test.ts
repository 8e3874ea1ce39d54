/**
 * Actions-only mode: `runOnce` with a workflow's GITHUB_TOKEN against the
 * local GitHub server. A manual run opens a PR (author github-actions[bot])
 * and starts its evaluation with workflow_dispatch; the dispatched evaluate
 * workflow and its report run with the built Action (the dispatch path);
 * the next run adopts it once its check run has completed. A report job left
 * with the default app-slug does not trust a github-actions[bot] PR, and the
 * App leaves that to a maintainer instead of closing a winner.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { rm } from "node:fs/promises";
import { runOnce } from "../../../src/app/actions-only.js";
import { parseHiddenBlock } from "../../../src/github/hidden-block.js";
import { LABELS } from "../../../src/github/names.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { ActionsRunner } from "../../fixtures/github-server/actions-runner.js";
import {
  createTestRepository,
  scaleAnswer,
  type TestRepository,
} from "../../fixtures/github-server/test-repository.js";

let repo: TestRepository;
let stub: OpenAiStub;

beforeAll(async () => {
  stub = await startOpenAiStub();
  repo = await createTestRepository(
    [
      "proposer:",
      "  kind: openai",
      `  baseUrl: ${stub.baseUrl}`,
      "  maxRetries: 0",
      "evaluation:",
      '  clips: ["synthetic:moving-shapes:48x32:2"]',
      "  qualities: [20, 40, 60, 80]",
      "  baselines: []",
      "adoption:",
      "  maxEncodeSlowdown: 1000",
      "",
    ].join("\n"),
  );
});

afterAll(async () => {
  await repo?.server.close();
  await stub?.close();
  if (repo) await rm(repo.root, { recursive: true, force: true });
});

test("a dispatched run opens a PR and dispatches its evaluation; the next run adopts it", async () => {
  const server = repo.server;
  const env = {
    GITHUB_REPOSITORY: "octo/codecs",
    GITHUB_TOKEN: server.actionsToken(),
    GITHUB_API_URL: server.baseUrl,
    GITHUB_RUN_ID: "71",
    GITHUB_EVENT_NAME: "workflow_dispatch",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: stub.baseUrl,
  };
  const log = { info: () => {}, error: () => {} };
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.8") });
  expect(await runOnce({ env, log })).toEqual(["run-71"]);
  const pr = server.pulls[0]!;
  expect(pr.user.login).toBe("github-actions[bot]");
  expect(server.dispatches).toEqual([
    { workflow: "codec-evolve-evaluate.yml", ref: "main", inputs: { pr: String(pr.number) } },
  ]);

  const head = (await server.git.resolve(`refs/heads/${pr.headRef}`))!;
  const meta = parseHiddenBlock(pr.body, "meta") as { parentSha: string };
  // No webhooks reach a workflow: the next runOnce reads the completed check run.
  server.autoDeliver = false;
  const evaluation = await new ActionsRunner(server, repo.root, "codec-evolve").evaluate({
    event: "workflow_dispatch",
    pr: pr.number,
  });
  expect(evaluation.target).toMatchObject({ headSha: head, baseSha: meta.parentSha });
  expect(evaluation.steps.evaluate.outputs.verdict).toBe("adopt");

  // The report workflow as shipped (app-slug codec-evolve): a github-actions[bot] PR is not trusted.
  const untrusted = await new ActionsRunner(server, repo.root, "codec-evolve").report(evaluation);
  expect(untrusted.outputs).toMatchObject({ verdict: "adopt", trusted: "false" });
  expect(
    await runOnce({ env: { ...env, GITHUB_EVENT_NAME: "schedule", GITHUB_RUN_ID: "72" }, log }),
  ).toEqual([expect.stringMatching(/^check-run-\d+$/)]);
  expect(pr).toMatchObject({ state: "open", merged: false });
  expect(pr.labels).toContain(LABELS.untrusted);
  expect(server.comments.at(-1)!.body).toMatch(
    /did not trust this PR: `was opened by github-actions\[bot\], not by the App \(codec-evolve\[bot\]\)`/,
  );

  // With app-slug github-actions, as the README says for this mode, the same check run turns success.
  const trusted = await new ActionsRunner(server, repo.root, "github-actions").report(evaluation);
  expect(trusted.outputs).toMatchObject({ verdict: "adopt", trusted: "true" });
  expect(server.checkRuns.filter((r) => r.head_sha === head)).toHaveLength(1);
  expect(
    await runOnce({ env: { ...env, GITHUB_EVENT_NAME: "schedule", GITHUB_RUN_ID: "73" }, log }),
  ).toEqual([expect.stringMatching(/^check-run-\d+$/)]);
  expect(pr.merged).toBe(true);
  const tip = (await server.git.resolve("refs/heads/self-improved-framework"))!;
  expect((await server.git.readCommit(tip)).message.split("\n")[0]).toBe(
    "Autonomous Code Evolution - v2",
  );
  expect(await server.git.refTarget("refs/tags/codec-evolve/v2")).toBe(tip);
  expect(stub.requests).toHaveLength(1);
}, 400_000);
