/**
 * The Action restores its two cache folders side by side (evaluate-main.ts).
 * Both live under `.codec-evolve/cache/`, which a fresh runner lacks, and two
 * GNU tar processes creating that missing parent at once lose the race about
 * one time in three ("Cannot mkdir: No such file or directory", exit 2): the
 * client then reports a miss and the run measures afresh. That failed CI once
 * (cache-service.test.ts, after session 23). The race itself is too narrow to
 * hit on demand in one process, so a `tar` wrapper on PATH records, for every
 * extraction the real @actions/cache client starts, whether the folders'
 * parent was already there; then the real tar runs. Every extraction must find
 * it, and every restore must hit with the saved bytes.
 */
import { execFileSync } from "node:child_process";
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { restoreFolderCache, type FolderCache } from "../../../src/action/folder-cache.js";
import { FakeGitHub } from "./fake-github.js";

const REF = "refs/heads/self-improved-framework";
const ROUNDS = 4;

describe("the Action's two cache folders, restored side by side", () => {
  let github: FakeGitHub;
  let workspace: string;
  let tarLog: string;
  const saved: Record<string, string | undefined> = {};
  const env = (name: string, value: string) => {
    saved[name] = process.env[name];
    process.env[name] = value;
  };
  const parent = () => join(workspace, ".codec-evolve", "cache");

  beforeAll(async () => {
    github = new FakeGitHub();
    await github.start();
    workspace = await mkdtemp(join(tmpdir(), "folder-cache-"));
    const bin = join(workspace, "bin");
    await mkdir(bin);
    tarLog = join(workspace, "tar.log");
    const realTar = execFileSync("sh", ["-c", "command -v tar"], { encoding: "utf8" }).trim();
    await writeFile(
      join(bin, "tar"),
      [
        "#!/bin/sh",
        'case " $* " in *" -xf "*)',
        `  if [ -d '${parent()}' ]; then echo parent-present; else echo parent-missing; fi >> '${tarLog}';;`,
        "esac",
        `exec '${realTar}' "$@"`,
        "",
      ].join("\n"),
    );
    await chmod(join(bin, "tar"), 0o755);
    env("PATH", `${bin}:${process.env.PATH ?? ""}`);
    env("GITHUB_WORKSPACE", workspace);
    env("ACTIONS_CACHE_SERVICE_V2", "true");
    env("ACTIONS_RESULTS_URL", `${github.url}/`);
    env("ACTIONS_RUNTIME_TOKEN", github.runtimeToken(1, REF));
    env("RUNNER_TEMP", join(workspace, "runner-temp"));
    await mkdir(process.env.RUNNER_TEMP!, { recursive: true });
  });
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await github.stop();
    await rm(workspace, { recursive: true, force: true });
  });

  const folders = (): FolderCache[] =>
    ["baselines", "parents"].map((kind) => ({
      dir: join(parent(), kind),
      prefix: `test-${kind}-`,
      scope: "s",
      what: `${kind} cache`,
      anyScope: false,
    }));

  it(`every extraction finds the folders' parent, and both folders come back (${ROUNDS} fresh runners)`, async () => {
    // One run saves both folders.
    for (const folder of folders()) {
      const handle = await restoreFolderCache(folder, true);
      expect(handle.restored).toBe(`${folder.what}: cold (no entry yet)`);
      await mkdir(folder.dir, { recursive: true });
      await writeFile(join(folder.dir, "entry.json"), JSON.stringify({ kind: folder.what }));
      expect(await handle.save()).toMatch(new RegExp(`^${folder.what}: saved ${folder.prefix}s-`));
    }

    const outcomes: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      await rm(join(workspace, ".codec-evolve"), { recursive: true, force: true });
      const handles = await Promise.all(folders().map((f) => restoreFolderCache(f, true)));
      outcomes.push(...handles.map((h) => h.restored.replace(/ test-.*$/, "")));
      for (const folder of folders()) {
        const back = await readFile(join(folder.dir, "entry.json"), "utf8").catch(() => "missing");
        outcomes.push(back === JSON.stringify({ kind: folder.what }) ? "same bytes" : back);
      }
    }
    const perRound = [
      "baselines cache: restored",
      "parents cache: restored",
      "same bytes",
      "same bytes",
    ];
    expect(outcomes).toEqual(Array.from({ length: ROUNDS }, () => perRound).flat());
    const extractions = (await readFile(tarLog, "utf8")).trim().split("\n");
    expect(extractions).toEqual(Array.from({ length: 2 * ROUNDS }, () => "parent-present"));
  }, 300_000);
});
