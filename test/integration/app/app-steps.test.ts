/**
 * The App through the shared steps (src/evolve/steps), against the local
 * GitHub server over real HTTP:
 * - a propose job that fails after the proposer answered resumes from the
 *   pending attempt on the data branch: the LLM is asked once, one PR opens;
 * - adoption is a compare-and-swap: a push to self-improved-framework between
 *   the freshness check and the ref update makes GitHub refuse the update ("not a
 *   fast forward"), nothing is merged, and the candidate is rebuilt on the new
 *   tip and evaluated again; its second evaluation adopts it on top of the push.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { parseHiddenBlock } from "../../../src/github/hidden-block.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import {
  startAppInProcess,
  type InProcessApp,
} from "../../fixtures/github-server/app-in-process.js";
import { postEvaluation } from "../../fixtures/github-server/post-evaluation.js";
import {
  createTestRepository,
  scaleAnswer,
  waitFor,
  type TestRepository,
} from "../../fixtures/github-server/test-repository.js";

let repo: TestRepository;
let stub: OpenAiStub;
let app: InProcessApp;
let issue: number;

beforeAll(async () => {
  stub = await startOpenAiStub();
  repo = await createTestRepository(
    `proposer:\n  kind: openai\n  baseUrl: ${stub.baseUrl}\n  maxRetries: 0\ngithub:\n  prHourlyLimit: 0\n`,
  );
  app = await startAppInProcess(repo, {
    stateDir: join(repo.root, "state"),
    env: { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseUrl },
  });
  repo.server.webhookUrl = `${app.url}/api/github/webhooks`;
  issue = repo.server.openIssue("Evolution", "owner");
});

afterAll(async () => {
  await app?.close();
  await repo?.server.close();
  await stub?.close();
  if (repo) await rm(repo.root, { recursive: true, force: true });
});

async function dataFile(path: string): Promise<string> {
  const git = repo.server.git;
  const tip = await git.resolve("refs/heads/codec-evolve-data");
  const blob = tip ? await git.pathBlob(tip, path) : null;
  return blob ? (await git.readBlob(blob.sha)).toString("utf8") : "";
}

async function jsonLines<T>(path: string): Promise<T[]> {
  return (await dataFile(path))
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as T);
}

type Pending = { id: string; adoption?: unknown; candidate?: { record: { commit: string } } };

test("a propose job that failed after the answer resumes from its pending attempt: one LLM request, one PR", async () => {
  const server = repo.server;
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.8") });
  // GitHub refuses the PR once (not a status Octokit retries): the job fails after the answer was saved.
  server.inject("POST", /\/pulls$/, 422, "Validation Failed: injected by the test");
  await server.userComment(issue, "owner", "/evolve");
  const pr = await waitFor("the PR after the retry", () => server.pulls[0], 90_000);
  await app.handle.queue.idle();
  expect(pr.headRef).toBe("codec-evolve/candidate-c0001");
  expect(stub.requests).toHaveLength(1);
  expect(
    server.requests
      .filter((r) => r.method === "POST" && /\/pulls$/.test(r.path))
      .map((r) => r.status),
  ).toEqual([422, 201]);
  const pending = await jsonLines<Pending>("pending.jsonl");
  expect(pending.map((p) => p.id)).toEqual(["c0001"]);
  expect(pending[0]!.candidate?.record.commit).toBe(
    await server.git.resolve(`refs/heads/${pr.headRef}`),
  );
}, 180_000);

test("a push to the base between the freshness check and the ref update: no merge, the candidate is evaluated again", async () => {
  const server = repo.server;
  const git = server.git;
  const pr = server.pulls[0]!;
  const head = (await git.resolve(`refs/heads/${pr.headRef}`))!;
  const meta = parseHiddenBlock(pr.body, "meta") as { parentSha: string };
  const base = "refs/heads/self-improved-framework";
  expect(await git.resolve(base)).toBe(meta.parentSha);

  // A maintainer pushes to self-improved-framework just before the App moves it.
  let pushed = "";
  server.before("PATCH", /\/git\/refs\/heads(\/|%2F)self-improved-framework$/, async () => {
    const tip = (await git.resolve(base))!;
    const tree = await git.buildTree((await git.readCommit(tip)).tree, [
      { path: "NOTES.md", mode: "100644", content: "pushed by a maintainer\n" },
    ]);
    pushed = await git.commitTree(tree, [tip], "notes\n", { name: "M", email: "m@example.com" });
    await git.setRef(base, pushed, tip);
  });
  await postEvaluation(server, {
    pr: pr.number,
    headSha: head,
    parentSha: meta.parentSha,
    candidate: "c0001",
    verdict: "adopt",
    reason: "adopted: -14.20% bits vs v1",
    bdParent: -14.2,
  });
  const rebuilt = await waitFor("the re-evaluation comment", () =>
    server.comments.find((c) => c.issue === pr.number && c.body.includes("evaluated again")),
  );
  await app.handle.queue.idle();
  expect(pushed).not.toBe("");
  // The ref update was refused as GitHub refuses it, and nothing was adopted.
  expect(
    server.requests.some(
      (r) => r.method === "PATCH" && r.path.includes("self-improved-framework") && r.status === 422,
    ),
  ).toBe(true);
  expect(await git.resolve(base)).toBe(pushed);
  expect(pr.merged).toBe(false);
  expect(pr.state).toBe("open");
  expect(await git.refTarget("refs/tags/codec-evolve/v2")).toBeNull();
  expect((await jsonLines<{ id: string }>("ledger.jsonl")).map((r) => r.id)).toEqual(["c0000"]);
  // Rebuilt on the new tip: same codec, the maintainer's file kept; the reserved version released.
  const newHead = (await git.resolve(`refs/heads/${pr.headRef}`))!;
  expect(newHead).not.toBe(head);
  expect((await git.readCommit(newHead)).parents).toEqual([pushed]);
  expect(await git.pathBlob(newHead, "NOTES.md")).not.toBeNull();
  expect(rebuilt.body).toContain(newHead.slice(0, 10));
  expect((parseHiddenBlock(pr.body, "meta") as { parentSha: string }).parentSha).toBe(pushed);
  const pending = await jsonLines<Pending>("pending.jsonl");
  expect(pending).toHaveLength(1);
  expect(pending[0]!.adoption).toBeUndefined();
  expect(pending[0]!.candidate?.record.commit).toBe(newHead);

  // Evaluated again against the new tip: adopted as v2 on top of the push, the PR marked merged by GitHub.
  await postEvaluation(server, {
    pr: pr.number,
    headSha: newHead,
    parentSha: pushed,
    candidate: "c0001",
    verdict: "adopt",
    reason: "adopted: -14.20% bits vs v1",
    bdParent: -14.2,
  });
  await waitFor("the adoption comment", () =>
    server.comments.find((c) => c.issue === pr.number && c.body.includes("Adopted as **v2**")),
  );
  await app.handle.queue.idle();
  const tip = (await git.resolve(base))!;
  const version = await git.readCommit(tip);
  expect(version.message.split("\n")[0]).toBe("Autonomous Code Evolution - v2");
  expect(version.parents).toEqual([pushed, newHead]);
  expect(pr.merged).toBe(true);
  expect(await git.refTarget("refs/tags/codec-evolve/v2")).toBe(tip);
  const ledger = await jsonLines<{
    id: string;
    version: number | null;
    versionCommit: string | null;
  }>("ledger.jsonl");
  expect(ledger.find((r) => r.id === "c0001")).toMatchObject({ version: 2, versionCommit: tip });
  expect(await jsonLines<Pending>("pending.jsonl")).toEqual([]);
}, 240_000);
