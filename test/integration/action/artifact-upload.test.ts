/**
 * The results artifact end to end through the real @actions/artifact client:
 * mode `evaluate` uploads `codec-evolve-results` to the local results service
 * (Twirp CreateArtifact, Put Block + Put Block List on the signed blob URL,
 * FinalizeArtifact with size and sha256), and mode `report` of the next
 * workflow run downloads that same artifact through the REST API and turns
 * it into the check run.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { inflateRawSync } from "node:zlib";
import { baseCheckout } from "./base-checkout.js";
import { FakeGitHub } from "./fake-github.js";
import { pullRequestPayload, workflowRunPayload } from "./payloads.js";
import { runAction } from "./run-action.js";

const HEAD = "5".repeat(40);
const BASE = "6".repeat(40);
const RUN_ID = 424242;
const pr = { number: 21, headSha: HEAD, baseSha: BASE, headRef: "codec-evolve/candidate-c0021" };

/** The entries of a zip (from its central directory), stored or deflated. */
function unzip(zip: Buffer): Record<string, Buffer> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const entries: Record<string, Buffer> = {};
  let at = zip.readUInt32LE(end + 16);
  for (let i = 0; i < zip.readUInt16LE(end + 10); i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const local = zip.readUInt32LE(at + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + size);
    entries[name] = method === 8 ? inflateRawSync(data) : Buffer.from(data);
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32);
  }
  return entries;
}

describe("results artifact: uploaded by evaluate, downloaded by report (real @actions/artifact)", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = new FakeGitHub();
    await github.start();
  });
  afterEach(() => github.stop());

  it("evaluate uploads codec-evolve-results; report downloads those bytes and posts the check run", async () => {
    const root = await baseCheckout(null);
    const runtime = {
      ACTIONS_RUNTIME_TOKEN: github.uploads.runtimeToken(RUN_ID),
      ACTIONS_RESULTS_URL: `${github.url}/`,
    };
    const evaluated = await runAction({
      inputs: { mode: "evaluate", cache: "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root, ...runtime },
    });
    expect({ code: evaluated.code, log: evaluated.log }).toMatchObject({ code: 0 });
    const uploaded = /artifact codec-evolve-results uploaded \(id (\d+), (\d+) bytes/.exec(
      evaluated.log,
    );
    expect(uploaded).not.toBeNull();

    // The service saw create → finalize, both accepted; the blob came in blocks.
    expect(github.uploads.calls.map((c) => [c.method, c.status])).toEqual([
      ["CreateArtifact", 200],
      ["FinalizeArtifact", 200],
    ]);
    expect(github.uploads.calls[0]!.body).toMatchObject({
      name: "codec-evolve-results",
      version: 7,
      mime_type: "application/zip",
    });
    expect(github.find("PUT", /^\/devstoreaccount1\//).map((r) => r.query.get("comp"))).toEqual([
      "block",
      "blocklist",
    ]);
    const [artifact] = github.artifacts.artifacts;
    expect(github.artifacts.artifacts).toHaveLength(1);
    expect(artifact).toMatchObject({ runId: RUN_ID, name: "codec-evolve-results" });
    expect(String(artifact!.id)).toBe(uploaded![1]);
    expect(String(artifact!.zip.length)).toBe(uploaded![2]);
    expect(github.uploads.calls[1]!.body.hash).toBe(
      `sha256:${createHash("sha256").update(artifact!.zip).digest("hex")}`,
    );
    // The zip holds exactly the results file the evaluate job wrote.
    const written = await readFile(evaluated.outputs["results-path"]!);
    expect(unzip(artifact!.zip)).toEqual({ "codec-evolve-results.json": written });

    // A second upload of the same name in the same run is refused, as GitHub does.
    const again = await runAction({
      inputs: { mode: "evaluate", cache: "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: { GITHUB_WORKSPACE: root, ...runtime },
    });
    expect(again.code).not.toBe(0);
    expect(github.uploads.calls.at(-1)).toMatchObject({ method: "CreateArtifact", status: 409 });
    expect(github.artifacts.artifacts).toHaveLength(1);

    // The report job of the workflow_run downloads that artifact (no results-path).
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
      inputs: { mode: "report", "github-token": "ghs_test", comment: "never" },
      eventName: "workflow_run",
      event: workflowRunPayload({ ...pr, runId: RUN_ID }),
      env: { GITHUB_API_URL: github.url },
    });
    expect({ code: reported.code, log: reported.log }).toMatchObject({ code: 0 });
    expect(github.artifacts.downloads).toEqual([artifact!.id]);
    expect(reported.outputs.verdict).toBe(evaluated.outputs.verdict);
    expect(reported.outputs["bd-rate-parent"]).toBe(evaluated.outputs["bd-rate-parent"]);
    expect(github.state.checkRuns).toHaveLength(1);
    expect(github.state.checkRuns[0]).toMatchObject({ head_sha: HEAD });
  });

  it("an upload with a runtime token the service did not issue is refused, and the evaluate step fails", async () => {
    const root = await baseCheckout(null);
    const [header, payload] = github.uploads.runtimeToken(RUN_ID).split(".");
    const evaluated = await runAction({
      inputs: { mode: "evaluate", cache: "false" },
      eventName: "pull_request",
      event: pullRequestPayload(pr),
      cwd: root,
      env: {
        GITHUB_WORKSPACE: root,
        ACTIONS_RUNTIME_TOKEN: `${header}.${payload}.forged`,
        ACTIONS_RESULTS_URL: `${github.url}/`,
      },
    });
    expect(evaluated.code).not.toBe(0);
    expect(github.uploads.calls.map((c) => [c.method, c.status])).toEqual([
      ["CreateArtifact", 401],
    ]);
    expect(github.artifacts.artifacts).toEqual([]);
  });
});
