/**
 * planProposal when a record's code is gone: a clone that has the ledger but
 * not the local candidate branches (or a branch deleted since). The parent
 * must never be an empty file, or the proposer's answer fails for a reason
 * that is not its own.
 */
import { parseConfig } from "../../../src/config/load-config.js";
import { planProposal, type ProposeSettings } from "../../../src/evolve/steps/propose.js";
import type { LedgerRecord } from "../../../src/evolve/ledger/ledger-record.js";
import { fakeMetrics, fakeRecord } from "./fake-record.js";

const config = parseConfig("");
const SOURCE = (id: string) => `# codec of ${id}\nQ = 1\n`;

const seed = fakeRecord({
  id: "c0001",
  status: "seed",
  version: 1,
  versionCommit: "commit-c0001",
  metrics: fakeMetrics({ bdRateX265: 30 }),
});
// Better than the version but not adopted: the leader, whose branch is missing here.
const lostLeader = fakeRecord({ id: "c0002", metrics: fakeMetrics({ bdRateX265: 20 }) });
const kept = fakeRecord({ id: "c0003", metrics: fakeMetrics({ bdRateX265: 25 }) });

function settings(kind: "answers" | "openai"): ProposeSettings {
  return {
    codecPath: "codec/evolved_codec.py",
    adoption: config.adoption,
    evolve: { ...config.evolve, exploreFraction: kind === "answers" ? 0 : 1 },
    allowedImports: ["numpy"],
    systemPromptTemplate: "SYSTEM {{codecPath}}",
    focus: null,
    seed: 1,
  };
}

/** A store whose readFile knows only the given records' commits. */
function storeWith(present: readonly LedgerRecord[]) {
  const code = new Map(present.map((r) => [r.versionCommit ?? r.commit!, SOURCE(r.id)]));
  return { readFile: async (commit: string) => code.get(commit) ?? null };
}

function plan(
  records: readonly LedgerRecord[],
  present: readonly LedgerRecord[],
  kind: "answers" | "openai",
) {
  return planProposal(
    {
      state: { records, pending: [], revision: "r" },
      resultOf: async () => null,
      budgetLeftUsd: null,
    },
    storeWith(present),
    settings(kind),
  );
}

describe("planProposal with a record whose code is gone", () => {
  it("builds on the leader when its code is there", async () => {
    const p = await plan([seed, lostLeader, kept], [seed, lostLeader, kept], "answers");
    expect(p.parent.id).toBe("c0002");
    expect(p.context.parentSource).toBe(SOURCE("c0002"));
    expect(p.unavailable).toEqual([]);
  });

  it("passes over a leader whose commit is missing, names it, and never hands the proposer an empty parent", async () => {
    const p = await plan([seed, lostLeader, kept], [seed, kept], "answers");
    expect(p.parent.id).toBe("c0003");
    expect(p.context.parentSource).toBe(SOURCE("c0003"));
    expect(p.unavailable).toEqual([{ id: "c0002", commit: "commit-c0002" }]);
    // The same state plans the same way (the parent choice stays reproducible).
    expect((await plan([seed, lostLeader, kept], [seed, kept], "answers")).parent.id).toBe("c0003");
  });

  it("passes over explored elites and inspirations whose code is missing", async () => {
    const p = await plan([seed, lostLeader, kept], [seed], "openai");
    expect(p.parent.id).toBe("c0001");
    expect(p.context.parentSource).toBe(SOURCE("c0001"));
    expect(p.unavailable.map((u) => u.id).sort()).toEqual(["c0002", "c0003"]);
    expect(p.context.prompt.user).not.toContain(SOURCE("c0002"));
    expect(p.context.prompt.user).not.toContain(SOURCE("c0003"));
  });

  it("says what to fetch when the current version's own code is missing", async () => {
    await expect(plan([seed, lostLeader], [], "answers")).rejects.toThrow(
      "cannot read codec/evolved_codec.py of the current best v1 (c0001) at commit commit-c0001: fetch the versions branch",
    );
  });
});
