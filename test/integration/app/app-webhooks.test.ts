/**
 * The App's edges over real HTTP: signed deliveries to Probot's middleware
 * (a bad signature is refused, a redelivery is not done twice), the command
 * refusals (read-only user, bot, edited comment, unknown command → help),
 * /status, and a secondary rate limit (403 + retry-after) waited out.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import {
  startAppInProcess,
  type InProcessApp,
} from "../../fixtures/github-server/app-in-process.js";
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
    `proposer:\n  kind: openai\n  baseUrl: ${stub.baseUrl}\n  maxRetries: 0\n`,
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

const botReplies = () => repo.server.comments.filter((c) => c.user.type === "Bot");

test("a delivery with a bad signature is refused and does nothing", async () => {
  const before = repo.server.comments.length;
  const delivery = await repo.server.deliver(
    "issue_comment",
    {
      action: "created",
      issue: { number: issue },
      comment: { id: 1, body: "/status", user: { login: "owner", type: "User" } },
      sender: { login: "owner", type: "User" },
    },
    undefined,
    "not-the-secret",
  );
  expect(delivery.status).toBe(400);
  await app.handle.queue.idle();
  expect(repo.server.comments.length).toBe(before);
});

test("/status answers with the status; a redelivery of the same X-GitHub-Delivery is not run again", async () => {
  const first = await repo.server.userComment(issue, "owner", "/status");
  expect(first.status).toBe(200);
  expect(first.ms).toBeLessThan(1000);
  await app.handle.queue.idle();
  const comment = repo.server.comments.find((c) => c.body === "/status")!;
  expect(comment.reactions).toEqual(["eyes", "rocket"]);
  const replies = botReplies().length;
  expect(botReplies().at(-1)!.body).toContain("### codec-evolve status");
  const again = await repo.server.deliver(
    "issue_comment",
    first.payload as Record<string, unknown>,
    first.id,
  );
  expect(again.status).toBe(200);
  await app.handle.queue.idle();
  expect(botReplies().length).toBe(replies);
  expect(comment.reactions).toEqual(["eyes", "rocket"]);
});

test("refusals: read-only user, bot, edited comment, unknown command (answered with help)", async () => {
  await repo.server.userComment(issue, "reader", "/evolve");
  await repo.server.userComment(issue, "triager", "/evolve");
  await repo.server.userComment(issue, "renovate[bot]", "/evolve", "Bot");
  await repo.server.userComment(issue, "owner", "/evolve", "User", "edited");
  await repo.server.userComment(issue, "owner", "/frobnicate now");
  await repo.server.userComment(issue, "owner", "no command here\n/evolve");
  await app.handle.queue.idle();
  const byBody = (user: string, body: string) =>
    repo.server.comments.find((c) => c.user.login === user && c.body === body)!;
  expect(byBody("reader", "/evolve").reactions).toEqual(["eyes", "confused"]);
  expect(byBody("triager", "/evolve").reactions).toEqual(["eyes", "confused"]);
  expect(
    botReplies().some(
      (c) => c.body.startsWith("@reader") && c.body.includes("need write permission"),
    ),
  ).toBe(true);
  expect(byBody("renovate[bot]", "/evolve").reactions).toEqual([]);
  expect(
    repo.server.comments
      .filter((c) => c.user.login === "owner" && c.body === "/evolve")
      .every((c) => c.reactions.length === 0),
  ).toBe(true);
  expect(byBody("owner", "/frobnicate now").reactions).toEqual(["eyes", "confused"]);
  const help = botReplies().find((c) =>
    c.body.includes("/frobnicate is not a codec-evolve command"),
  )!;
  expect(help.body).toContain("`/evolve [N] [focus...]`");
  expect(byBody("owner", "no command here\n/evolve").reactions).toEqual([]);
  expect(stub.requests).toHaveLength(0);
  expect(repo.server.pulls).toHaveLength(0);
});

test("a secondary rate limit (403 with retry-after) on opening the PR is waited out and retried", async () => {
  repo.server.inject(
    "POST",
    /\/pulls$/,
    403,
    "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    { "retry-after": "1" },
  );
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.9") });
  await repo.server.userComment(issue, "maintainer", "/evolve");
  await waitFor("the PR", () => repo.server.pulls[0], 180_000);
  await app.handle.queue.idle();
  const posts = repo.server.requests.filter(
    (r) => r.method === "POST" && r.path.endsWith("/pulls"),
  );
  expect(posts.map((r) => r.status)).toEqual([403, 201]);
  expect(repo.server.pulls).toHaveLength(1);
});
