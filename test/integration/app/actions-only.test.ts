/**
 * Actions-only mode: `runOnce` with a workflow's GITHUB_TOKEN against the
 * local GitHub server. A manual run opens a PR (author github-actions[bot])
 * and starts its evaluation with workflow_dispatch; the next run adopts it
 * once its check run has completed.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { rm } from "node:fs/promises";
import { runOnce } from "../../../src/app/actions-only.js";
import { parseHiddenBlock } from "../../../src/github/hidden-block.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { postEvaluation } from "../../fixtures/github-server/post-evaluation.js";
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
    `proposer:\n  kind: openai\n  baseUrl: ${stub.baseUrl}\n  maxRetries: 0\n`,
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
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.85") });
  expect(await runOnce({ env, log })).toEqual(["run-71"]);
  const pr = server.pulls[0]!;
  expect(pr.user.login).toBe("github-actions[bot]");
  expect(server.dispatches).toEqual([
    { workflow: "codec-evolve-evaluate.yml", ref: "main", inputs: { pr: String(pr.number) } },
  ]);

  const head = (await server.git.resolve(`refs/heads/${pr.headRef}`))!;
  const meta = parseHiddenBlock(pr.body, "meta") as { parentSha: string };
  server.autoDeliver = false;
  await postEvaluation(server, {
    pr: pr.number,
    headSha: head,
    parentSha: meta.parentSha,
    candidate: "c0001",
    verdict: "adopt",
    reason: "adopted: -12.00% bits",
    bdParent: -12,
  });
  expect(
    await runOnce({ env: { ...env, GITHUB_EVENT_NAME: "schedule", GITHUB_RUN_ID: "72" }, log }),
  ).toEqual([expect.stringMatching(/^check-run-\d+$/)]);
  expect(pr.merged).toBe(true);
  const tip = (await server.git.resolve("refs/heads/self-improved-framework"))!;
  expect((await server.git.readCommit(tip)).message.split("\n")[0]).toBe(
    "Autonomous Code Evolution - v2",
  );
  expect(await server.git.refTarget("refs/tags/codec-evolve/v2")).toBe(tip);
  expect(stub.requests).toHaveLength(1);
}, 180_000);
