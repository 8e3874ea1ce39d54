/**
 * Mode `evaluate` of the built action, run as a runner runs it: the base
 * checkout holds the config, clips and parent; the PR's codec sits in
 * pr-head/. A codec that fails is reported with its line, and the report job
 * turns that into an annotation at that line. The same action also runs from
 * a `git archive` of HEAD in an empty folder, with no npm install.
 */
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { baseCheckout } from "./base-checkout.js";
import { FakeGitHub } from "./fake-github.js";
import { pullRequestPayload, workflowRunPayload } from "./payloads.js";
import { REPO_ROOT, runAction } from "./run-action.js";

const exec = promisify(execFile);
const HEAD = "3".repeat(40);
const BASE = "4".repeat(40);
const pr = { number: 12, headSha: HEAD, baseSha: BASE, headRef: "codec-evolve/candidate-c0013" };

const FAILING_CODEC = `import numpy as np


def compress_video_frame(frame, frame_index, config):
    scale = 0
    return bytes([int(frame[0, 0, 0]) // scale])


def decompress_video_frame(compressed_data, frame_index, config):
    return np.zeros((config["height"], config["width"], 3), dtype=np.uint8)
`;
const FAILING_LINE = 6;

describe("action evaluate mode (built dist, real sandbox)", () => {
  it("a failing codec: verdict failed, its line in the results, and an annotation at that line from the report job", async () => {
    const root = await baseCheckout(FAILING_CODEC);
    const evaluated = await runAction({
      inputs: { mode: "evaluate", cache: "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root },
    });
    expect(evaluated.log).not.toMatch(/::error::/);
    expect(evaluated.code).toBe(0);
    expect(evaluated.log).toMatch(/not uploaded: no Actions runtime/);
    expect(evaluated.outputs.verdict).toBe("failed");
    const artifact = JSON.parse(await readFile(evaluated.outputs["results-path"]!, "utf8"));
    expect(artifact).toMatchObject({
      format: 1,
      pullRequest: 12,
      headSha: HEAD,
      baseSha: BASE,
      codecPath: "codec/evolved_codec.py",
    });
    expect(artifact.results.failure).toMatchObject({ category: "runtime", line: FAILING_LINE });
    expect(evaluated.summary).toMatch(/❌ The candidate codec failed/);

    const github = new FakeGitHub();
    await github.start();
    try {
      github.state.pulls = [
        {
          ...pr,
          headOwner: "octo",
          headRepo: "codecs",
          author: { login: "codec-evolve[bot]", type: "Bot" },
          body: "",
          files: ["codec/evolved_codec.py"],
        },
      ];
      const reported = await runAction({
        inputs: {
          mode: "report",
          "github-token": "ghs_test",
          "results-path": evaluated.outputs["results-path"]!,
        },
        eventName: "workflow_run",
        event: workflowRunPayload(pr),
        env: { GITHUB_API_URL: github.url },
      });
      expect({ code: reported.code, log: reported.log }).toMatchObject({ code: 0 });
      expect(reported.outputs.verdict).toBe("failed");
      const check = github.state.checkRuns[0]!.body as {
        conclusion: string;
        output: { title: string; annotations: Record<string, unknown>[] };
      };
      expect(check.conclusion).toBe("failure");
      expect(check.output.title).toBe(`failed: runtime at line ${FAILING_LINE}`);
      expect(check.output.annotations[0]).toMatchObject({
        path: "codec/evolved_codec.py",
        start_line: FAILING_LINE,
        end_line: FAILING_LINE,
        annotation_level: "failure",
      });
    } finally {
      await github.stop();
    }
  });

  it("runs from a git archive of HEAD in an empty folder (no npm install): starter vs itself", async () => {
    const archive = await mkdtemp(join(tmpdir(), "ce-archive-"));
    const tar = join(archive, "head.tar");
    await exec("git", ["-C", REPO_ROOT, "archive", "--format=tar", "-o", tar, "HEAD"]);
    const action = join(archive, "uses");
    await mkdir(action);
    await exec("tar", ["-xf", tar, "-C", action]);
    await expect(readFile(join(action, "node_modules", "zod", "package.json"))).rejects.toThrow();

    const root = await baseCheckout(null);
    const run = await runAction({
      dist: join(action, "action", "dist", "index.js"),
      inputs: { mode: "evaluate", cache: "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root },
      timeoutMs: 240_000,
    });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.code).toBe(0);
    expect(run.outputs.verdict).toBe("reject");
    expect(run.outputs["bd-rate-parent"]).toBe("0.00");
    expect(run.outputs["bd-rate-x265"]).toBe("");
    expect(run.summary).toMatch(/## ➖ Valid, not adopted/);
  }, 300_000);

  it("packages results evaluated elsewhere (merged shards) with the same validation, and refuses hostile ones", async () => {
    const root = await baseCheckout(null);
    const merged = join(root, "merged.json");
    await copyFile(join(REPO_ROOT, "test/fixtures/action/results-starter.json"), merged);
    const run = await runAction({
      inputs: { mode: "evaluate", "evaluated-results": "merged.json", "install-tools": "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root },
    });
    expect(run.log).not.toMatch(/::error::/);
    expect(run.outputs.verdict).toBe("reject");
    expect(run.outputs["bd-rate-x265"]).toBe("48.69");
    const artifact = JSON.parse(await readFile(run.outputs["results-path"]!, "utf8"));
    expect(artifact).toMatchObject({ format: 1, pullRequest: 12, headSha: HEAD, baseSha: BASE });

    await writeFile(merged, JSON.stringify({ codec: "x", status: "ok", clips: "<script>" }));
    const bad = await runAction({
      inputs: { mode: "evaluate", "evaluated-results": "merged.json", "install-tools": "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root },
    });
    expect(bad.code).not.toBe(0);
    expect(bad.log).toMatch(
      /::error::ResultsRejected: .*merged\.json: not valid codec-evolve results/,
    );
  });
});
