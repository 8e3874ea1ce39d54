/**
 * The baseline and parent caches end to end through the real @actions/cache
 * client (v2 service): mode `evaluate` restores and saves its two folders
 * (tar + zstd or gzip, Twirp calls, signed blob upload and ranged download)
 * against the local cache service, which scopes entries by ref the way GitHub
 * documents it. Shows what the README's cache reasoning rests on: a PR's run
 * saves to its own ref only, another PR cannot restore it, and entries saved by
 * a run on the base branch reach every PR.
 */
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { baseCheckout } from "./base-checkout.js";
import { FakeGitHub } from "./fake-github.js";
import { pullRequestPayload } from "./payloads.js";
import { runAction, type ActionRun } from "./run-action.js";

const BASE_REF = "refs/heads/self-improved-framework";
const prRef = (n: number) => `refs/pull/${n}/merge`;

describe("baseline and parent caches through the real @actions/cache client", () => {
  let github: FakeGitHub;
  let root: string;
  let runId = 1000;
  beforeAll(async () => {
    github = new FakeGitHub();
    await github.start();
    // One checkout path for every run, as on hosted runners (the cache version hashes the paths).
    root = await baseCheckout(null);
    await writeFile(
      join(root, ".github", "codec-evolve.yml"),
      [
        "evaluation:",
        "  clips: ['synthetic:moving-shapes:64x64:3']",
        "  qualities: [20, 50, 80, 95]",
        "  baselines: [x265]",
        "",
      ].join("\n"),
    );
  });
  afterAll(() => github.stop());

  /** One evaluate job on a fresh runner (nothing left from earlier jobs) for `ref`. */
  async function evaluateOn(ref: string, pr: number, alsoReads: string[]): Promise<ActionRun> {
    await rm(join(root, ".codec-evolve"), { recursive: true, force: true });
    const sha = String(pr).repeat(40).slice(0, 40);
    const run = await runAction({
      inputs: { mode: "evaluate", cache: "true" },
      eventName: "pull_request",
      event: pullRequestPayload({
        number: pr,
        headSha: sha,
        baseSha: "6".repeat(40),
        headRef: `codec-evolve/candidate-c${pr}`,
      }),
      cwd: root,
      env: {
        GITHUB_WORKSPACE: root,
        GITHUB_REF: ref,
        ACTIONS_CACHE_SERVICE_V2: "true",
        ACTIONS_RESULTS_URL: `${github.url}/`,
        ACTIONS_RUNTIME_TOKEN: github.runtimeToken(++runId, ref, alsoReads),
      },
    });
    expect({ code: run.code, log: run.log }).toMatchObject({ code: 0 });
    return run;
  }
  // The cache lines, and the client's own warnings (it turns a failed restore into a miss).
  const lines = (run: ActionRun) =>
    run.log.split("\n").filter((l) => /(baseline|parent) cache: |^::warning::/.test(l));
  /** Per clip: the x265 rungs, and the parent's bytes per rung (its speeds are re-timed). */
  const measured = async (run: ActionRun) => {
    type Rungs = { rungs: { bytes: number }[] } | undefined;
    const artifact = JSON.parse(await readFile(run.outputs["results-path"]!, "utf8")) as {
      results: { clips: { baselines: Record<string, Rungs> }[] };
    };
    return artifact.results.clips.map((c) => ({
      x265: c.baselines.x265,
      parentBytes: c.baselines.parent?.rungs.map((r) => r.bytes),
    }));
  };

  it("a PR saves to its own ref; another PR starts cold; the same PR and every PR after a base-branch run restore", async () => {
    // PR 1, cold: measures everything and saves both folders under its own ref.
    const first = await evaluateOn(prRef(1), 1, [BASE_REF]);
    expect(lines(first)).toEqual([
      "baseline cache: cold (no entry yet)",
      "parent cache: cold (no entry yet)",
      expect.stringMatching(
        /^baseline cache: saved codec-evolve-baselines-v\d+-[0-9a-f]+-[0-9a-f]+$/,
      ),
      expect.stringMatching(/^parent cache: saved codec-evolve-parent-v\d+-[0-9a-f]+-[0-9a-f]+$/),
    ]);
    expect(github.caches.entries.map((e) => [e.scope, e.finalized])).toEqual([
      [prRef(1), true],
      [prRef(1), true],
    ]);

    // PR 2 may read its own ref and the base branch only: PR 1's entries are invisible to it.
    const other = await evaluateOn(prRef(2), 2, [BASE_REF]);
    expect(lines(other).slice(0, 2)).toEqual([
      "baseline cache: cold (no entry yet)",
      "parent cache: cold (no entry yet)",
    ]);

    // PR 1 again on a fresh runner: both folders come back, the same bytes and scores.
    const again = await evaluateOn(prRef(1), 1, [BASE_REF]);
    expect(lines(again)).toEqual([
      expect.stringMatching(/^baseline cache: restored codec-evolve-baselines-/),
      expect.stringMatching(/^parent cache: restored codec-evolve-parent-/),
      "baseline cache: unchanged, not saved",
      "parent cache: unchanged, not saved",
    ]);
    const before = await measured(first);
    expect(before[0]!.x265!.rungs.length).toBeGreaterThanOrEqual(4);
    expect(await measured(again)).toEqual(before);
    expect(again.log).toMatch(/parent: rungs from the parent cache/);

    // A run on the base branch saves there; a new PR (3) then starts warm from it.
    await evaluateOn(BASE_REF, 9, []);
    expect(github.caches.entries.filter((e) => e.scope === BASE_REF)).toHaveLength(2);
    const third = await evaluateOn(prRef(3), 3, [BASE_REF]);
    expect(lines(third).slice(0, 2)).toEqual([
      expect.stringMatching(/^baseline cache: restored codec-evolve-baselines-/),
      expect.stringMatching(/^parent cache: restored codec-evolve-parent-/),
    ]);
    const restoredFrom = github.caches.calls
      .filter((c) => c.method === "GetCacheEntryDownloadURL")
      .slice(-2)
      .map((c) => c.note);
    expect(restoredFrom.every((note) => note.endsWith(`from ${BASE_REF}`))).toBe(true);
  }, 600_000);
});
