/**
 * Adopting a candidate built on an older commit than the versions branch's tip
 * (the answers proposer builds on the leader, which may be several sessions
 * old): the version must be the tip with the candidate's files, not the
 * candidate's whole tree. Session 21's v6 was built on c0013's commit, and its
 * whole tree would have reverted 278 later files of the project. The candidate's own commit
 * is built on the tip too, as the App's store does.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gitCandidateStore } from "../../src/evolve/store/git-candidate-store.js";
import { git, tempRepo } from "../fixtures/evolve-loop/temp-repo.js";

const CODEC = "codec/evolved_codec.py";
const BRANCH = "self-improved-framework";

/** A repository whose versions branch moved on (a newer tool file) after the commit a candidate is built on. */
async function repoWithOldCandidate() {
  const repo = await tempRepo("OLD CODEC\n");
  const store = gitCandidateStore({ repoDir: repo, branch: BRANCH });
  await store.prepare();
  const old = git(repo, "rev-parse", "main");
  git(repo, "checkout", "-q", BRANCH);
  await writeFile(join(repo, "tool.txt"), "newer framework\n");
  git(repo, "add", "tool.txt");
  git(repo, "commit", "-q", "-m", "a later change of the project");
  git(repo, "checkout", "-q", "main");
  const candidate = await store.createCandidate({
    id: "c0002",
    parentCommit: old,
    files: [{ path: CODEC, before: "OLD CODEC\n", after: "NEW CODEC\n" }],
    message: "codec-evolve candidate c0002",
    description: {
      hypothesis: "h",
      rationale: "",
      parentId: "c0001",
      comparedToVersion: 1,
      proposerLabel: "test",
      model: null,
      edits: [],
    },
    attempt: {
      runId: "run-1",
      proposer: { kind: "answers", label: "test", model: null },
      usage: null,
      codeHash: "x",
      startedAt: "2026-01-01T00:00:00.000Z",
    },
  });
  return { repo, store, candidate };
}

describe("adopting a candidate built on an older commit", () => {
  it("takes the candidate's files onto the tip and keeps the tip's other files", async () => {
    const { repo, store, candidate } = await repoWithOldCandidate();
    const done = await store.adopt({
      version: 2,
      candidateId: "c0002",
      sourceCommit: candidate.commit,
      message: "Autonomous Code Evolution - v2\n\nCandidate: c0002\n",
      paths: [CODEC],
    });
    expect(done.ok).toBe(true);
    expect(git(repo, "show", `${BRANCH}:${CODEC}`)).toBe("NEW CODEC");
    expect(git(repo, "show", `${BRANCH}:tool.txt`)).toBe("newer framework");
    expect(git(repo, "show", `${BRANCH}:README.md`)).toBe("user's project");
    expect(git(repo, "log", "-1", "--format=%s", BRANCH)).toBe("Autonomous Code Evolution - v2");
    expect((await store.listVersions()).map((v) => [v.version, v.candidateId])).toContainEqual([
      2,
      "c0002",
    ]);
  });

  it("builds the candidate commit itself on the tip, with only the edited files changed", async () => {
    const { repo, candidate } = await repoWithOldCandidate();
    const tip = git(repo, "rev-parse", BRANCH);
    expect(git(repo, "rev-parse", `${candidate.commit}^`)).toBe(tip);
    expect(git(repo, "show", `${candidate.commit}:${CODEC}`)).toBe("NEW CODEC");
    expect(git(repo, "show", `${candidate.commit}:tool.txt`)).toBe("newer framework");
    expect(git(repo, "diff", "--name-only", tip, candidate.commit)).toBe(CODEC);
  });

  it("without paths (a rollback) still takes the source commit's whole tree", async () => {
    const { repo, store } = await repoWithOldCandidate();
    const whole = await store.adopt({
      version: 2,
      candidateId: "c0003",
      sourceCommit: git(repo, "rev-parse", "main"),
      message: "Autonomous Code Evolution - v2\n\nCandidate: c0003\n",
    });
    expect(whole.ok).toBe(true);
    expect(git(repo, "show", `${BRANCH}:${CODEC}`)).toBe("OLD CODEC");
    expect(git(repo, "ls-tree", "--name-only", BRANCH, "tool.txt")).toBe("");
  });
});
