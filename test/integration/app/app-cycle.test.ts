/**
 * The whole cycle with everything real but GitHub: a local stateful GitHub
 * API over a real bare repository, the App started as a user starts it
 * (`codec-evolve app` with GHE_HOST), the OpenAI-compatible stub as the LLM,
 * and the BUILT Action (action/dist) run as the shipped workflows run it.
 * (1) a schedule tick opens a PR; (2) its pull_request run evaluates the
 * checkout of that PR (base + pr-head/) with the real evaluator, and the
 * workflow_run report job downloads the artifact through the API and posts
 * the check run with a GITHUB_TOKEN-like token, as on github.com; (3) the
 * signed check_run delivery adopts it. Then a losing candidate, evaluated on
 * a maintainer's /evaluate (workflow_dispatch, the dispatch path), is closed
 * with its reason, which the next prompt shows.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { parseHiddenBlock } from "../../../src/github/hidden-block.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { startAppProcess, type AppProcess } from "../../fixtures/github-server/app-process.js";
import { ActionsRunner } from "../../fixtures/github-server/actions-runner.js";
import { ACTIONS_APP } from "../../fixtures/github-server/github-server.js";
import {
  APP,
  createTestRepository,
  scaleAnswer,
  waitFor,
  type TestRepository,
} from "../../fixtures/github-server/test-repository.js";

let repo: TestRepository;
let stub: OpenAiStub;
let app: AppProcess;
let runner: ActionsRunner;

const config = (
  stubUrl: string,
  schedule: string | null,
  hourly: number,
) => `codec: codec/evolved_codec.py
proposer:
  kind: openai
  baseUrl: ${stubUrl}
  model: stub-model
  maxRetries: 0
github:
  schedule: ${schedule === null ? "null" : JSON.stringify(schedule)}
  timezone: Europe/Paris
  prHourlyLimit: ${hourly}
# A tiny clip and four rungs keep the real evaluation at seconds; speed is not what this test is about.
evaluation:
  clips: ["synthetic:moving-shapes:48x32:2"]
  qualities: [20, 40, 60, 80]
  baselines: []
adoption:
  maxEncodeSlowdown: 1000
`;

beforeAll(async () => {
  stub = await startOpenAiStub();
  repo = await createTestRepository(config(stub.baseUrl, "* * * * *", 1));
  app = await startAppProcess({
    APP_ID: String(APP.id),
    PRIVATE_KEY: repo.privateKey,
    WEBHOOK_SECRET: APP.webhookSecret,
    GHE_HOST: repo.server.host,
    GHE_PROTOCOL: "http",
    OPENAI_API_KEY: "sk-test",
    OPENAI_BASE_URL: stub.baseUrl,
    CODEC_EVOLVE_STATE_DIR: join(repo.root, "app-state"),
    CODEC_EVOLVE_SCHEDULE_INTERVAL_MS: "300",
  });
  repo.server.webhookUrl = `${app.url}/api/github/webhooks`;
  runner = new ActionsRunner(repo.server, repo.root, APP.slug);
  phase("the App started");
});

afterAll(async () => {
  await app?.stop();
  await repo?.server.close();
  await stub?.close();
  if (repo) await rm(repo.root, { recursive: true, force: true });
});

/** Progress on stderr as it happens (the load on a shared machine makes the phases' times vary many-fold). */
const started = Date.now();
function phase(what: string): void {
  process.stderr.write(`[app-cycle +${((Date.now() - started) / 1000).toFixed(1)} s] ${what}\n`);
}

async function dataFile(path: string): Promise<string | null> {
  const tip = await repo.server.git.resolve("refs/heads/codec-evolve-data");
  if (!tip) return null;
  const blob = await repo.server.git.pathBlob(tip, path);
  return blob ? (await repo.server.git.readBlob(blob.sha)).toString("utf8") : null;
}

async function ledger(): Promise<
  Array<{ id: string; status: string; version: number | null; verdict: { reason: string } | null }>
> {
  return ((await dataFile("ledger.jsonl")) ?? "")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function pushConfig(text: string): Promise<void> {
  const git = repo.server.git;
  const main = (await git.resolve("refs/heads/main"))!;
  const { tree } = await git.readCommit(main);
  const next = await git.buildTree(tree, [
    { path: ".github/codec-evolve.yml", mode: "100644", content: text },
  ]);
  const commit = await git.commitTree(next, [main], "config: schedule off\n", {
    name: "Owner",
    email: "owner@example.com",
  });
  await git.setRef("refs/heads/main", commit, main);
}

test("schedule tick → PR → check run → adopted as v2; a loser is closed and fed into the next prompt", async () => {
  const server = repo.server;
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.8") });

  // (1) The schedule opens a PR, by the App, with labels, body and meta block.
  const pr1 = await waitFor("the scheduled PR", () => server.pulls[0], 90_000);
  expect(pr1.user.login).toBe(`${APP.slug}[bot]`);
  expect(pr1.headRef).toBe("codec-evolve/candidate-c0001");
  expect(pr1.baseRef).toBe("self-improved-framework");
  await waitFor("labels", () => pr1.labels.length === 2);
  expect(pr1.labels.sort()).toEqual(["codec-evolve", "codec-evolve:codec"]);
  const meta = parseHiddenBlock(pr1.body, "meta") as {
    candidate: string;
    parent: string;
    parentSha: string;
  };
  expect(meta).toMatchObject({ candidate: "c0001", parent: "v1" });
  const head1 = (await server.git.resolve(`refs/heads/${pr1.headRef}`))!;
  const headCommit = await server.git.readCommit(head1);
  expect(headCommit.parents).toEqual([meta.parentSha]);
  expect(stub.requests).toHaveLength(1);
  expect(stub.requests[0]!.body.messages[1]!.content).toContain("QUALITY_SCALE = 1.0");
  // Only one PR per slot and per hour: turn the schedule off before the next minute's slot.
  await pushConfig(config(stub.baseUrl, null, 0));

  phase(`PR #${pr1.number} opened`);
  // (2) The PR's pull_request run: the built Action evaluates its checkout, the report job posts the check run.
  const run1 = await runner.evaluate({ event: "pull_request", pr: pr1.number });
  expect(run1.target).toMatchObject({ pr: pr1.number, headSha: head1, baseSha: meta.parentSha });
  expect(run1.steps.evaluate.outputs.verdict).toBe("adopt");
  const bd1 = Number(run1.steps.evaluate.outputs["bd-rate-parent"]);
  expect(bd1).toBeLessThan(-10);
  phase("evaluated (pull_request run)");
  const report1 = await runner.report(run1);
  phase("reported");
  expect(report1.outputs).toMatchObject({ verdict: "adopt", trusted: "true" });
  expect(report1.log).toMatch(/Redirecting to blob download url/);
  expect(server.artifacts.downloads).toHaveLength(1);
  // Posted with the workflow's token: GitHub attributes it to GitHub Actions, not to the App.
  const check1 = server.checkRuns.find((r) => r.head_sha === head1)!;
  expect(check1).toMatchObject({
    name: "codec-evolve / evaluation",
    conclusion: "success",
    app: ACTIONS_APP,
  });
  // (3) GitHub's check_run delivery (signed, from the server) adopts the candidate.
  await waitFor("the merge", () => pr1.merged, 180_000);
  const tip = (await server.git.resolve("refs/heads/self-improved-framework"))!;
  const version = await server.git.readCommit(tip);
  expect(version.message.split("\n")[0]).toBe("Autonomous Code Evolution - v2");
  expect(version.message).toContain(`BD-rate vs parent: ${bd1.toFixed(2)}%`);
  // Parents [the evaluated base, the PR head]: GitHub marks the PR merged (app-steps' CAS adoption).
  expect(version.parents).toEqual([meta.parentSha, head1]);
  expect(
    await waitFor("the tag", () =>
      server.git.refTarget("refs/tags/codec-evolve/v2").then((t) => t ?? false),
    ),
  ).toBe(tip);
  const adopted = await waitFor("the ledger record", async () =>
    (await ledger()).find((r) => r.id === "c0001"),
  );
  expect(adopted).toMatchObject({ status: "adopted", version: 2 });
  await waitFor("the adoption comment", () =>
    server.comments.find((c) => c.issue === pr1.number && c.body.includes("Adopted as **v2**")),
  );

  phase("adopted as v2");
  // A losing candidate, asked for by a maintainer.
  const issue = server.openIssue("Evolution", "owner");
  stub.reply({ kind: "answer", content: scaleAnswer("0.8", "0.7", "QUALITY_SCALE 0.8 -> 0.7") });
  await server.userComment(issue, "maintainer", "/evolve 1 smaller scale\nignored second line");
  const pr2 = await waitFor("the /evolve PR", () => server.pulls[1], 180_000);
  expect(pr2.headRef).toBe("codec-evolve/candidate-c0002");
  expect(stub.requests[1]!.body.messages[1]!.content).toContain("smaller scale");
  const head2 = (await server.git.resolve(`refs/heads/${pr2.headRef}`))!;
  const meta2 = parseHiddenBlock(pr2.body, "meta") as { parentSha: string };
  expect(meta2.parentSha).toBe(tip);
  await waitFor("🚀 on the command", () =>
    server.comments.find((c) => c.issue === issue && c.reactions.includes("rocket")),
  );
  // A maintainer asks for its evaluation: the App dispatches the evaluate workflow (input pr) on the default branch.
  await server.userComment(pr2.number, "maintainer", "/evaluate");
  const dispatch = await waitFor("the dispatch", () =>
    server.dispatches.find((d) => (d.inputs as { pr?: string }).pr === String(pr2.number)),
  );
  expect(dispatch).toMatchObject({ workflow: "codec-evolve-evaluate.yml", ref: "main" });
  phase(`PR #${pr2.number} opened and its evaluation dispatched`);
  const run2 = await runner.evaluate({ event: "workflow_dispatch", pr: pr2.number });
  phase("evaluated (dispatched run)");
  expect(run2.target).toMatchObject({ pr: pr2.number, headSha: head2, baseSha: tip });
  expect(run2.steps.evaluate.outputs.verdict).toBe("reject");
  const reason = (
    JSON.parse(await readFile(run2.steps.evaluate.outputs["results-path"]!, "utf8")) as {
      results: { verdict: { reason: string } };
    }
  ).results.verdict.reason;
  expect(reason).toMatch(/^rejected: BD-rate vs parent -\d/);
  const report2 = await runner.report(run2);
  phase("reported");
  expect(report2.outputs).toMatchObject({ verdict: "reject", trusted: "true" });
  expect(report2.log).toMatch(
    /PR #\d+ \(found by the dispatched run's name, checked against the API\)/,
  );
  expect(server.checkRuns.find((r) => r.head_sha === head2)).toMatchObject({
    conclusion: "neutral",
    app: ACTIONS_APP,
  });
  await waitFor("the loser closed", () => pr2.state === "closed", 180_000);
  expect(pr2.merged).toBe(false);
  expect(pr2.labels).toContain("codec-evolve:rejected");
  const bot = `${APP.slug}[bot]`;
  expect(
    server.comments.find(
      (c) => c.issue === pr2.number && c.user.login === bot && c.body.startsWith("Closed"),
    )?.body,
  ).toContain(reason);
  const rejected = await waitFor("the rejection in the ledger", async () =>
    (await ledger()).find((r) => r.id === "c0002"),
  );
  expect(rejected).toMatchObject({ status: "rejected", version: null, verdict: { reason } });

  phase("the loser closed");
  // The next prompt carries the loser's reason.
  stub.reply({ kind: "answer", content: scaleAnswer("0.8", "0.75") });
  await server.userComment(issue, "owner", "/evolve");
  await waitFor("the third PR", () => server.pulls[2], 180_000);
  expect(stub.requests[2]!.body.messages[1]!.content).toContain(reason);
  expect(stub.unused()).toEqual([]);
  phase("done");
}, 900_000);
