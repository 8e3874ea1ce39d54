/**
 * Mode `report` of the built action against a local GitHub: finding the PR
 * (same repository and fork), the trust rule, the check run (size limit,
 * annotation pages), the sticky comment, rate limits, a missing permission,
 * and hostile artifacts that must be refused or rendered inert.
 */
import { mkdtemp, readFile, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EvaluationResult } from "../../../src/evaluate/results.js";
import { parseCheckResult } from "../../../src/github/check-result.js";
import { adoptingResults as adoptingFixture, withParentScaled } from "./adopting-results.js";
import { FakeGitHub, type FakePull } from "./fake-github.js";
import { workflowRunPayload } from "./payloads.js";
import { REPO_ROOT, runAction } from "./run-action.js";

const HEAD = "1".repeat(40);
const BASE = "2".repeat(40);
const RUN_ID = 4242;

let dir: string;
let starter: Record<string, unknown>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ce-report-"));
  starter = JSON.parse(
    await readFile(join(REPO_ROOT, "test/fixtures/action/results-starter.json"), "utf8"),
  ) as Record<string, unknown>;
});

/** A results artifact around a real evaluation (the CLI's output for the starter codec). */
function artifactOf(
  results: unknown,
  hints: Partial<{ pullRequest: number | null; headSha: string }> = {},
) {
  return {
    format: 1,
    pullRequest: hints.pullRequest === undefined ? 7 : hints.pullRequest,
    headSha: hints.headSha ?? HEAD,
    baseSha: BASE,
    codecPath: "codec/evolved_codec.py",
    results,
  };
}

/** What a winning PR carries (adopting-results.ts). */
function adoptingResults(): EvaluationResult {
  return adoptingFixture(starter);
}

function botPull(overrides: Partial<FakePull> = {}): FakePull {
  return {
    number: 7,
    headSha: HEAD,
    baseSha: BASE,
    headRef: "codec-evolve/candidate-c0012",
    headOwner: "octo",
    headRepo: "codecs",
    author: { login: "codec-evolve[bot]", type: "Bot" },
    body: 'Hypothesis\n<!-- codec-evolve:meta {"candidate":"c0012","parent":"v3"} -->',
    files: ["codec/evolved_codec.py"],
    ...overrides,
  };
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, typeof value === "string" ? value : JSON.stringify(value));
  return path;
}

async function report(
  github: FakeGitHub,
  inputs: Record<string, string>,
  event = workflowRunPayload({
    number: 7,
    headSha: HEAD,
    baseSha: BASE,
    headRef: "codec-evolve/candidate-c0012",
    runId: RUN_ID,
  }),
) {
  return runAction({
    inputs: { mode: "report", "github-token": "ghs_test", comment: "on-change", ...inputs },
    eventName: "workflow_run",
    event,
    env: { GITHUB_API_URL: github.url },
  });
}

describe("action report mode (built dist, local GitHub API)", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = new FakeGitHub();
    await github.start();
  });
  afterEach(() => github.stop());

  it("same-repo bot PR: success check run with the result block, one sticky comment, retried after a secondary rate limit", async () => {
    github.state.pulls = [botPull()];
    github.state.rateLimitCheckWrites = 1;
    const path = await writeJson("adopt.json", artifactOf(adoptingResults()));
    const first = await report(github, { "results-path": path });
    expect(first.log).not.toMatch(/::error::/);
    expect(first.code).toBe(0);
    expect(first.log).toMatch(/rate limit.*retrying in 1 s/);
    expect(first.outputs.verdict).toBe("adopt");
    expect(first.outputs.trusted).toBe("true");

    const posts = github.find("POST", /\/check-runs$/);
    expect(posts).toHaveLength(2); // the rate-limited one, then the retry
    const run = github.state.checkRuns[0]!;
    expect(run.head_sha).toBe(HEAD);
    expect(run.name).toBe("codec-evolve / evaluation");
    expect(run.body.conclusion).toBe("success");
    const output = run.body.output as { title: string; summary: string };
    const parsed = parseCheckResult(output.summary);
    expect(parsed).toMatchObject({
      ok: true,
      result: {
        candidate: "c0012",
        pullRequest: 7,
        headSha: HEAD,
        parentSha: BASE,
        verdict: "adopt",
        trusted: true,
      },
    });
    expect(output.summary).toContain("```mermaid\nxychart-beta");
    expect(first.summary).toContain("codec-evolve:result");
    expect(github.state.comments).toHaveLength(1);

    // Again with the same results: the check run is updated, the comment left alone (on-change).
    const second = await report(github, { "results-path": path });
    expect(second.code).toBe(0);
    expect(github.find("PATCH", /\/check-runs\/\d+$/)).toHaveLength(1);
    expect(github.state.checkRuns).toHaveLength(1);
    expect(second.log).toContain("PR comment: unchanged");
    expect(github.find("PATCH", /\/issues\/comments\//)).toHaveLength(0);
  });

  it("fork PR (empty pull_requests): found by head owner and branch; not the App, so neutral and not trusted", async () => {
    github.state.pulls = [
      botPull({
        number: 9,
        headOwner: "forker",
        headRef: "better-dct",
        author: { login: "forker", type: "User" },
        body: "",
      }),
    ];
    const event = workflowRunPayload({
      number: 9,
      headSha: HEAD,
      baseSha: BASE,
      headRef: "better-dct",
      headOwner: "forker",
      runId: RUN_ID,
    });
    expect(event.workflow_run.pull_requests).toEqual([]);
    const path = await writeJson("fork.json", artifactOf(adoptingResults(), { pullRequest: null }));
    const run = await report(github, { "results-path": path }, event);
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(github.find("GET", /\/pulls$/)[0]!.query.get("head")).toBe("forker:better-dct");
    const check = github.state.checkRuns[0]!;
    expect(check.body.conclusion).toBe("neutral");
    const output = check.body.output as { title: string; summary: string };
    expect(output.title).toMatch(/^\[not trusted\]/);
    expect(output.summary).toMatch(/opened by forker, not by the App/);
    expect(parseCheckResult(output.summary)).toMatchObject({
      ok: true,
      result: { pullRequest: 9, trusted: false, candidate: null },
    });
  });

  it("a PR that changes .github/, action/ or src/ is not trusted (files read from the API over several pages)", async () => {
    const many = Array.from({ length: 130 }, (_, i) => `codec/tables/t${i}.py`);
    github.state.pulls = [
      botPull({
        files: [
          ...many,
          ".github/workflows/codec-evolve-evaluate.yml",
          "action/dist/index.js",
          "src/evaluate/verdict.ts",
        ],
      }),
    ];
    const path = await writeJson("framework.json", artifactOf(adoptingResults()));
    const run = await report(github, { "results-path": path });
    expect(run.code).toBe(0);
    expect(github.find("GET", /\/pulls\/7\/files$/).length).toBeGreaterThanOrEqual(2);
    const check = github.state.checkRuns[0]!;
    expect(check.body.conclusion).toBe("neutral");
    const summary = (check.body.output as { summary: string }).summary;
    const parsed = parseCheckResult(summary);
    expect(parsed.ok && parsed.result.trusted).toBe(false);
    const problems = parsed.ok ? parsed.result.trustProblems.join(" ") : "";
    expect(problems).toContain(".github/workflows/codec-evolve-evaluate.yml");
    expect(problems).toContain("action/dist/index.js");
    expect(problems).toContain("src/evaluate/verdict.ts");
    expect(run.outputs.trusted).toBe("false");
  });

  it("explains a missing checks permission and fails the step", async () => {
    github.state.pulls = [botPull()];
    github.state.denyChecks = true;
    const path = await writeJson("denied.json", artifactOf(starter));
    const run = await report(github, { "results-path": path });
    expect(run.code).not.toBe(0);
    expect(run.log).toMatch(/::error::.*Resource not accessible by integration.*checks: write/);
  });

  it("a summary over 65,535 characters is cut with a note; more than 50 annotations go in pages of 50", async () => {
    const many = structuredClone(starter) as unknown as EvaluationResult;
    const clip = many.clips[0]!;
    many.clips = Array.from({ length: 80 }, (_, i) => ({
      ...structuredClone(clip),
      name: `clip-${String(i).padStart(2, "0")}`,
    }));
    // A parent needing 5% fewer bytes: the candidate loses on every clip (one annotation each).
    const results = withParentScaled(many, 1 / 1.05);
    expect(results.clips.every((c) => (c.bdRate.parent ?? 0) > 3)).toBe(true);
    github.state.pulls = [botPull()];
    const path = await writeJson("big.json", artifactOf(results));
    const run = await report(github, { "results-path": path });
    expect(run.code).toBe(0);
    const create = github.find("POST", /\/check-runs$/)[0]!.body as {
      output: { summary: string; annotations: unknown[] };
    };
    expect(create.output.summary.length).toBeLessThanOrEqual(65_535);
    expect(create.output.summary).toMatch(/more section\(s\) left out to stay under/);
    expect(parseCheckResult(create.output.summary).ok).toBe(true);
    const patches = github
      .find("PATCH", /\/check-runs\/\d+$/)
      .map((r) => (r.body as { output: { annotations: unknown[] } }).output.annotations.length);
    expect([create.output.annotations.length, ...patches]).toEqual([50, 30]);
  });

  it("hostile text in the results is inert: no HTML, no mentions, no forged result block, no table break", async () => {
    const results = structuredClone(starter) as {
      clips: { name: string; baselines: Record<string, { encoder: string }> }[];
      verdict: { adopt: boolean; reason: string };
    };
    const forged = '<!-- codec-evolve:result {"version":1,"verdict":"adopt","trusted":true} -->';
    results.clips[0]!.name = `evil | <img src=x onerror=alert(1)> @octocat #1 ${forged}`;
    results.clips[0]!.baselines.x265!.encoder = "<script>alert(1)</script>](javascript:alert(1))";
    results.verdict = {
      adopt: false,
      reason: `[click](https://evil.example) <b>bold</b> ${forged}`,
    };
    github.state.pulls = [botPull()];
    const path = await writeJson("hostile.json", artifactOf(results));
    const run = await report(github, { "results-path": path });
    expect(run.code).toBe(0);
    const summary = (github.state.checkRuns[0]!.body.output as { summary: string }).summary;
    expect(summary).not.toMatch(/<img|<script|<b>/);
    expect(summary.replace(/```mermaid[\s\S]*?```/g, "")).not.toContain("@octocat");
    // Outside the result block (JSON in an HTML comment), the link survives only escaped: \[click\](...).
    const visible = summary.slice(summary.indexOf(" -->") + 4);
    expect(visible).not.toMatch(/(?<!\\)\]\(https:\/\/evil/);
    expect(summary.indexOf("<!-- codec-evolve:result")).toBe(0);
    expect(summary.split("<!-- codec-evolve:result")).toHaveLength(2);
    const parsed = parseCheckResult(summary);
    expect(parsed.ok && parsed.result.verdict).toBe("reject");
    // Every table row keeps its column count: a "|" in a name cannot add a cell.
    const rows = summary.split("\n").filter((l) => l.startsWith("| candidate"));
    for (const row of rows) expect(row.split(/(?<!\\)\|/).length).toBe(15);
  });

  it.each([
    [
      "NaN",
      () => JSON.stringify(artifactOf(starter)).replace(/"psnrRgb":[0-9.]+/, '"psnrRgb":NaN'),
      /not JSON/,
    ],
    [
      "a number as a string",
      () => JSON.stringify(artifactOf(starter)).replace(/"bytes":(\d+)/, '"bytes":"$1"'),
      /bytes/,
    ],
    [
      "a forged head SHA",
      () => JSON.stringify(artifactOf(starter, { headSha: "f".repeat(40) })),
      /claim head f{40}/,
    ],
    [
      "a forged verdict (adopt, where the rungs say reject)",
      () => {
        const results = structuredClone(starter) as { verdict: { adopt: boolean; reason: string } };
        results.verdict = { adopt: true, reason: "adopted: BD-rate vs parent -12.40% <= -10.00%" };
        return JSON.stringify(artifactOf(results));
      },
      /do not add up[\s\S]*verdict claimed adopt, recomputed reject \(rejected: BD-rate vs parent \+?0\.00%/,
    ],
    [
      "a forged BD-rate (the mean claims more than its clips)",
      () => {
        const results = adoptingResults();
        results.summary!.bdRate.parent = -40;
        return JSON.stringify(artifactOf(results));
      },
      /do not add up[\s\S]*mean BD-rate vs parent claimed -40\.0000, recomputed -/,
    ],
    [
      "forged rungs behind a claimed BD-rate (the parent's curve no worse than the candidate's)",
      () => {
        const results = adoptingResults();
        results.clips[0]!.baselines.parent!.rungs = structuredClone(results.clips[0]!.rungs);
        return JSON.stringify(artifactOf(results));
      },
      /do not add up[\s\S]*clip 1: BD-rate vs parent claimed -\d+\.\d+, recomputed 0\.0000/,
    ],
    [
      "an unknown field",
      () => JSON.stringify({ ...artifactOf(starter), exec: "rm -rf /" }),
      /exec/,
    ],
  ])("refuses results with %s: neutral check run, failed step", async (_name, make, why) => {
    github.state.pulls = [botPull()];
    const path = await writeJson("bad.json", make());
    const run = await report(github, { "results-path": path });
    expect(run.code).not.toBe(0);
    expect(run.log).toMatch(why);
    const check = github.state.checkRuns[0]!;
    expect(check.body.conclusion).toBe("neutral");
    expect((check.body.output as { title: string }).title).toBe("results refused");
    expect(run.outputs.verdict ?? "").toBe("");
  });

  it("refuses a 1 GB results file without reading it", async () => {
    github.state.pulls = [botPull()];
    const path = join(dir, "huge.json");
    await writeFile(path, "");
    await truncate(path, 1024 ** 3);
    const run = await report(github, { "results-path": path });
    expect(run.code).not.toBe(0);
    expect(run.log).toMatch(/1073741824 bytes is over the \d+-byte limit/);
  });

  it("downloads the artifact through the API (302 to a zip) and refuses one that claims 1 GB before downloading", async () => {
    github.state.pulls = [botPull()];
    const results = JSON.stringify(artifactOf(adoptingResults()));
    github.artifacts.put(
      RUN_ID,
      "codec-evolve-results",
      { files: { "codec-evolve-results.json": results } },
      { id: 77 },
    );
    const ok = await report(github, {});
    expect(ok.log).not.toMatch(/::error::/);
    expect(ok.code).toBe(0);
    expect(github.find("GET", /\/blob\/77\.zip$/)).toHaveLength(1);
    expect(github.artifacts.downloads).toEqual([77]);
    expect(github.state.checkRuns[0]!.body.conclusion).toBe("success");

    github.state.checkRuns = [];
    github.artifacts.clear(RUN_ID);
    github.artifacts.put(
      RUN_ID,
      "codec-evolve-results",
      { files: { "codec-evolve-results.json": results } },
      { id: 78, size: 1024 ** 3 },
    );
    const huge = await report(github, {});
    expect(huge.code).not.toBe(0);
    expect(huge.log).toMatch(/claims 1073741824 bytes/);
    expect(github.find("GET", /\/blob\/78\.zip$/)).toHaveLength(0);
    expect(github.find("GET", /\/artifacts\/78\/zip$/)).toHaveLength(0);
  });
});
