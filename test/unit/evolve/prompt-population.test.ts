import { buildPrompt, type PromptInput } from "../../../src/evolve/prompt/build-prompt.js";
import {
  bundledSystemPromptPath,
  loadSystemPromptTemplate,
  renderSystemPrompt,
} from "../../../src/evolve/prompt/load-system-prompt.js";
import {
  chooseParent,
  currentBest,
  eliteArchive,
  exploreFractionFor,
  leader,
} from "../../../src/evolve/population/population.js";
import { seededRandom } from "../../../src/evolve/population/seeded-random.js";
import { fakeMetrics, fakeRecord, failedRecord } from "./fake-record.js";
import { fakeResult } from "./fake-result.js";

const seed = fakeRecord({
  id: "c0001",
  status: "seed",
  version: 1,
  proposer: { kind: "seed", label: "starting codec", model: null },
});
const v2 = fakeRecord({
  id: "c0003",
  status: "adopted",
  version: 2,
  metrics: fakeMetrics({ bdRateX265: 10, meanBitsPerPixel: 0.3 }),
});
const fastElite = fakeRecord({
  id: "c0004",
  metrics: fakeMetrics({ meanEncodeFps: 200, bdRateX265: 40 }),
});
const lowRate = fakeRecord({
  id: "c0005",
  metrics: fakeMetrics({ meanBitsPerPixel: 0.05, meanPsnrRgb: 28, bdRateX265: 50 }),
});
const records = [
  seed,
  fakeRecord({ id: "c0002" }),
  v2,
  fastElite,
  lowRate,
  failedRecord("runtime", "boom"),
];

function input(over: Partial<PromptInput> = {}): PromptInput {
  return {
    system: "SYSTEM",
    codecPath: "codec/evolved_codec.py",
    parent: {
      record: v2,
      source: "def compress_video_frame(frame, i, c):\n    return b''\n",
      result: fakeResult([{ name: "foreman" }]),
    },
    best: v2,
    recent: records.slice(1),
    failureReport: "No failures in the last 5 attempt(s).",
    inspirations: [{ record: fastElite, source: "FAST = 1\n" }],
    focus: "motion search",
    targetSavingPercent: 10,
    maxChars: 60000,
    ...over,
  };
}

describe("buildPrompt", () => {
  it("contains the source, RD table, attempts, failures, inspirations and focus, deterministically", () => {
    const a = buildPrompt(input());
    expect(a).toEqual(buildPrompt(input()));
    for (const part of [
      "# Current best: v2",
      "def compress_video_frame",
      "BD-rate vs x265",
      "c0002",
      "No failures",
      "FAST = 1",
      "motion search",
      "at least 10% fewer bits",
    ]) {
      expect(a.user).toContain(part);
    }
  });

  it("drops the oldest attempts first when over the size bound", () => {
    const full = buildPrompt(input()).user;
    const bounded = buildPrompt(input({ maxChars: full.length + "SYSTEM".length - 10 })).user;
    expect(bounded.length).toBeLessThan(full.length);
    expect(bounded).not.toContain("- c0001");
    expect(bounded).toContain("- c0005");
    expect(bounded).toContain("def compress_video_frame");
  });

  it("names only the clips of the result it is given (held-out clips are aggregates there)", () => {
    const result = fakeResult([{ name: "shown" }]);
    result.heldOut = { clips: 1, frames: 10, meanBitsPerPixel: 1, meanPsnrRgb: 30, bdRate: {} };
    const user = buildPrompt(input({ parent: { record: v2, source: "x", result } })).user;
    expect(user).toContain("shown");
    expect(user).not.toMatch(/held/i);
  });
});

describe("system prompt template", () => {
  it("ships prompts/system.md and fills its placeholders", async () => {
    expect(bundledSystemPromptPath()).toMatch(/prompts\/system\.md$/);
    const text = renderSystemPrompt(await loadSystemPromptTemplate(null, "."), {
      codecPath: "codec/evolved_codec.py",
      allowedImports: ["numpy", "zlib"],
    });
    expect(text).toContain("Allowed imports: numpy, zlib");
    expect(text).toContain("FILE: codec/evolved_codec.py");
    expect(text).not.toMatch(/\{\{\w+\}\}/);
  });

  it("names the override file when it cannot be read", async () => {
    await expect(loadSystemPromptTemplate("nope/system.md", "/tmp")).rejects.toThrow(
      "proposer.promptTemplate",
    );
  });
});

const OPTIONS = { exploreFraction: 0.2, maxEncodeSlowdown: 4 };

describe("population", () => {
  it("leads with a better-scoring candidate that was not adopted, unless it is too slow", () => {
    const nearMiss = fakeRecord({ id: "c0007", metrics: fakeMetrics({ bdRateX265: 5 }) });
    expect(leader([...records, nearMiss], 4).id).toBe("c0007");
    const slow = fakeRecord({
      id: "c0008",
      metrics: fakeMetrics({ bdRateX265: -50, meanEncodeFps: 1 }),
    });
    expect(leader([...records, slow], 4).id).toBe("c0003");
  });

  it("judges the leader's speed limit on CPU fps when both records have it, as the verdict does", () => {
    // Wall fps say 4x slower (a loaded run), CPU fps say 1.25x: the CPU clock decides.
    const cpuBest = fakeRecord({
      id: "c0010",
      status: "adopted",
      version: 3,
      metrics: fakeMetrics({ bdRateX265: 10, meanEncodeFps: 8, meanEncodeCpuFps: 10 }),
    });
    const loadedRun = fakeRecord({
      id: "c0011",
      metrics: fakeMetrics({ bdRateX265: 5, meanEncodeFps: 1.5, meanEncodeCpuFps: 8 }),
    });
    expect(leader([seed, cpuBest, loadedRun], 4).id).toBe("c0011");
    // And the other way round: fast on the wall clock of a quiet run, too slow per CPU second.
    const slowCpu = fakeRecord({
      id: "c0012",
      metrics: fakeMetrics({ bdRateX265: 5, meanEncodeFps: 8, meanEncodeCpuFps: 2 }),
    });
    expect(leader([seed, cpuBest, slowCpu], 4).id).toBe("c0010");
    // Without CPU figures on one side, wall fps as before.
    const oldRecord = fakeRecord({
      id: "c0013",
      metrics: fakeMetrics({ bdRateX265: 5, meanEncodeFps: 1.5 }),
    });
    expect(leader([seed, cpuBest, oldRecord], 4).id).toBe("c0010");
  });

  it("knows the best and keeps one elite per (bitrate, quality, speed) cell", () => {
    expect(currentBest(records)!.id).toBe("c0003");
    const archive = eliteArchive(records).map((r) => r.id);
    expect(archive).toEqual(expect.arrayContaining(["c0003", "c0004", "c0005"]));
    expect(archive).not.toContain("c0006");
  });

  it("picks the best mostly, elites sometimes, reproducibly", () => {
    const picks = Array.from({ length: 200 }, (_, i) =>
      chooseParent(records, seededRandom(7, i), OPTIONS),
    );
    const fromBest = picks.filter((p) => p.parent.id === "c0003").length;
    expect(fromBest).toBeGreaterThan(140);
    expect(fromBest).toBeLessThan(200);
    expect(
      picks.every(
        (p) => p.inspirations.length <= 2 && !p.inspirations.some((i) => i.id === p.parent.id),
      ),
    ).toBe(true);
    expect(chooseParent(records, seededRandom(7, 3), OPTIONS)).toEqual(
      chooseParent(records, seededRandom(7, 3), OPTIONS),
    );
  });

  it("always builds written answers on the leader: their SEARCH blocks quote the leader's code", () => {
    expect(exploreFractionFor("openai", 0.2)).toBe(0.2);
    expect(exploreFractionFor("offline", 0.2)).toBe(0.2);
    const answers = { ...OPTIONS, exploreFraction: exploreFractionFor("answers", 1) };
    const picks = Array.from({ length: 200 }, (_, i) =>
      chooseParent(records, seededRandom(1, i), answers),
    );
    expect(picks.every((p) => p.parent.id === "c0003" && p.from === "leader")).toBe(true);
    // The same seeds with a model's proposer do explore, so the rule above is what keeps answers on the leader.
    const model = { ...OPTIONS, exploreFraction: exploreFractionFor("openai", 1) };
    expect(
      Array.from({ length: 200 }, (_, i) => chooseParent(records, seededRandom(1, i), model)).some(
        (p) => p.from === "elite",
      ),
    ).toBe(true);
  });
});
