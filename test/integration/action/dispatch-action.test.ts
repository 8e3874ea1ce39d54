/**
 * The dispatch path of the built action (workflow_dispatch, input pr: the
 * App's /evaluate and the Actions-only mode) against a local GitHub API.
 * Mode resolve finds the PR's base and head through the API. Mode report on a
 * dispatched run, whose head_sha is the default branch's: the PR comes from
 * the run's name, the evaluated head from the artifact, and nothing is
 * trusted that the API does not confirm.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { RESULTS_ARTIFACT } from "../../../src/github/names.js";
import { RESULTS_FILE } from "../../../src/github/results-artifact.js";
import { adoptingResults } from "./adopting-results.js";
import { FakeGitHub, type FakePull } from "./fake-github.js";
import { pullRequestPayload, workflowDispatchRunPayload } from "./payloads.js";
import { REPO_ROOT, runAction } from "./run-action.js";

const HEAD = "5".repeat(40);
const BASE = "6".repeat(40);
const MAIN = "7".repeat(40);
const MOVED = "8".repeat(40);
const RUN_ID = 5151;

let starter: Record<string, unknown>;
let github: FakeGitHub;

beforeAll(async () => {
  starter = JSON.parse(
    await readFile(join(REPO_ROOT, "test/fixtures/action/results-starter.json"), "utf8"),
  ) as Record<string, unknown>;
});
beforeEach(async () => {
  github = new FakeGitHub();
  await github.start();
});
afterEach(() => github.stop());

function pull(overrides: Partial<FakePull> = {}): FakePull {
  return {
    number: 7,
    headSha: HEAD,
    baseSha: BASE,
    headRef: "codec-evolve/candidate-c0021",
    headOwner: "octo",
    headRepo: "codecs",
    author: { login: "codec-evolve[bot]", type: "Bot" },
    body: '<!-- codec-evolve:meta {"candidate":"c0021","parent":"v4"} -->',
    files: ["codec/evolved_codec.py"],
    ...overrides,
  };
}

/** The results artifact of the dispatched run, served through the API to @actions/artifact. */
function artifact(hints: { pullRequest: number | null; headSha: string | null }) {
  // An adoption whose figures add up: the report recomputes them from the rungs.
  const results = adoptingResults(starter);
  const json = JSON.stringify({
    format: 1,
    ...hints,
    baseSha: BASE,
    codecPath: "codec/evolved_codec.py",
    results,
  });
  github.artifacts.put(RUN_ID, RESULTS_ARTIFACT, { files: { [RESULTS_FILE]: json } });
}

function report(options: { number: number | null; branch?: string }) {
  return runAction({
    inputs: { mode: "report", "github-token": "ghs_test", comment: "never" },
    eventName: "workflow_run",
    event: workflowDispatchRunPayload({ ...options, defaultSha: MAIN, runId: RUN_ID }),
    env: { GITHUB_API_URL: github.url, GITHUB_SHA: MAIN },
  });
}

type PostedCheck = {
  conclusion: string;
  output: { title: string; summary: string };
};

describe("action on a dispatched evaluation (built dist, local GitHub API)", () => {
  it("resolve: a dispatch's PR, base and head come from the API; a pull_request event's from the event", async () => {
    github.state.pulls = [pull()];
    const dispatched = await runAction({
      inputs: { mode: "resolve", "github-token": "ghs_test" },
      eventName: "workflow_dispatch",
      event: { inputs: { pr: "7" }, ref: "refs/heads/main" },
      env: { GITHUB_API_URL: github.url, GITHUB_SHA: MAIN },
    });
    expect({ code: dispatched.code, log: dispatched.log }).toMatchObject({ code: 0 });
    expect(dispatched.outputs).toMatchObject({
      "pull-request": "7",
      "base-sha": BASE,
      "head-sha": HEAD,
      "head-repository": "octo/codecs",
    });
    expect(github.find("GET", /\/pulls\/7$/)).toHaveLength(1);

    const fromEvent = await runAction({
      inputs: { mode: "resolve", "github-token": "ghs_test" },
      eventName: "pull_request",
      event: pullRequestPayload({
        number: 9,
        headSha: MOVED,
        baseSha: BASE,
        headRef: "feature",
        headOwner: "fork",
      }),
      env: { GITHUB_API_URL: github.url },
    });
    expect(fromEvent.outputs).toMatchObject({
      "pull-request": "9",
      "head-sha": MOVED,
      "head-repository": "fork/codecs",
    });
    expect(github.find("GET", /\/pulls\/9$/)).toHaveLength(0);
  });

  it("resolve refuses a closed PR, a PR to another branch, and a dispatch without a PR number", async () => {
    github.state.pulls = [
      pull({ number: 3, state: "closed" }),
      pull({ number: 4, baseRef: "main" }),
    ];
    const resolve = (inputs: unknown) =>
      runAction({
        inputs: { mode: "resolve", "github-token": "ghs_test" },
        eventName: "workflow_dispatch",
        event: { inputs },
        env: { GITHUB_API_URL: github.url },
      });
    const closed = await resolve({ pr: "3" });
    expect(closed.code).not.toBe(0);
    expect(closed.log).toMatch(/::error::input pr: pull request #3 is closed/);
    const elsewhere = await resolve({ pr: "4" });
    expect(elsewhere.log).toMatch(
      /::error::pull request #4 targets main; codec-evolve evaluates pull requests to self-improved-framework only/,
    );
    const none = await resolve({ pr: "7; rm -rf /" });
    expect(none.log).toMatch(/::error::a dispatched evaluation needs the input pr/);
    expect(github.find("GET", /\/pulls\//)).toHaveLength(2);
  });

  it("report: the PR from the run's name, the head from the artifact, confirmed by the API → check run on that head, trusted", async () => {
    github.state.pulls = [pull()];
    artifact({ pullRequest: 7, headSha: HEAD });
    const run = await report({ number: 7 });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.log).toMatch(
      /PR #7 \(found by the dispatched run's name, checked against the API\)/,
    );
    expect(run.outputs).toMatchObject({ verdict: "adopt", trusted: "true" });
    expect(github.artifacts.downloads).toHaveLength(1);
    // On the evaluated head, never on the run's head_sha (the default branch's).
    expect(github.state.checkRuns.map((r) => r.head_sha)).toEqual([HEAD]);
    expect((github.state.checkRuns[0]!.body as PostedCheck).conclusion).toBe("success");
  });

  it("report: results that name another PR than the run was dispatched for are refused, on the named PR's head", async () => {
    github.state.pulls = [pull(), pull({ number: 8, headSha: MOVED })];
    artifact({ pullRequest: 8, headSha: MOVED });
    const run = await report({ number: 7 });
    expect(run.code).not.toBe(0);
    expect(run.log).toMatch(/results claim PR #8 but the run was dispatched for #7/);
    expect(github.state.checkRuns.map((r) => r.head_sha)).toEqual([HEAD]);
    const check = github.state.checkRuns[0]!.body as PostedCheck;
    expect(check).toMatchObject({ conclusion: "neutral", output: { title: "results refused" } });
  });

  it("report: results for a head the PR has moved away from are obsolete: nothing posted", async () => {
    github.state.pulls = [pull({ headSha: MOVED })];
    artifact({ pullRequest: 7, headSha: HEAD });
    const run = await report({ number: 7 });
    expect(run.code).toBe(0);
    expect(run.log).toMatch(
      /::warning::PR #7 is not at the evaluated head 5{40} any more .*nothing posted/,
    );
    expect(github.state.checkRuns).toEqual([]);
  });

  it("report: a run dispatched on another branch than the default ran that branch's workflow: not trusted", async () => {
    github.state.pulls = [pull()];
    artifact({ pullRequest: 7, headSha: HEAD });
    const run = await report({ number: 7, branch: "my-workflow-change" });
    expect(run.code).toBe(0);
    expect(run.outputs.trusted).toBe("false");
    const check = github.state.checkRuns[0]!.body as PostedCheck;
    expect(check.conclusion).toBe("neutral");
    expect(check.output.title).toMatch(/^\[not trusted\]/);
    expect(check.output.summary).toMatch(
      /was evaluated by a run dispatched on my-workflow-change, not on the default branch main/,
    );
  });

  it("report: without a PR in the run's name, the artifact's hint is used only if the API confirms its head", async () => {
    github.state.pulls = [pull()];
    artifact({ pullRequest: 7, headSha: HEAD });
    const confirmed = await report({ number: null });
    expect(confirmed.log).toMatch(
      /PR #7 \(found by the artifact's hint, checked against the API\)/,
    );
    expect(github.state.checkRuns.map((r) => r.head_sha)).toEqual([HEAD]);

    github.state.checkRuns = [];
    github.artifacts.clear(RUN_ID);
    artifact({ pullRequest: 7, headSha: "9".repeat(40) });
    const forged = await report({ number: null });
    expect(forged.log).toMatch(/nothing posted/);
    expect(github.state.checkRuns).toEqual([]);
  });
});
