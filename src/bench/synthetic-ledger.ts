/**
 * A made-up ledger of any length with stored results, for the dashboard's
 * benchmark and tests: a seeded mix of versions, rejected, failed, invalid
 * and duplicate attempts with RD curves that improve as versions are adopted.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationResult, Rung } from "../evaluate/results.js";
import type { AttemptStatus, LedgerRecord } from "../evolve/ledger/ledger-record.js";

const CLIPS = ["foreman", "coffee-zoom"];
const QUALITIES = [20, 35, 50, 65, 80];
const FAILURES = ["runtime", "timeout", "syntax", "invalid-output", "memory"] as const;

export interface SyntheticLedger {
  records: LedgerRecord[];
  results: Map<string, EvaluationResult>;
}

/** `count` records; `failuresOnly` makes every attempt after the seed a failure. */
export function syntheticLedger(
  count: number,
  options: { seed?: number; failuresOnly?: boolean } = {},
): SyntheticLedger {
  let state = options.seed ?? 7;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
  const records: LedgerRecord[] = [];
  const results = new Map<string, EvaluationResult>();
  let version = 0;
  let bestId: string | null = null;
  let bestBd = 35;
  const start = Date.UTC(2026, 0, 1);
  for (let i = 0; i < count; i++) {
    const id = i === 0 && !options.failuresOnly ? "seed" : `c${i}`;
    const roll = random();
    let status: AttemptStatus;
    if (i === 0 && !options.failuresOnly) status = "seed";
    else if (options.failuresOnly) status = roll < 0.7 ? "failed" : "invalid";
    else if (roll < 0.12) status = "adopted";
    else if (roll < 0.55) status = "rejected";
    else if (roll < 0.8) status = "failed";
    else if (roll < 0.95) status = "invalid";
    else status = "duplicate";
    const evaluated = status === "seed" || status === "adopted" || status === "rejected";
    const bd = status === "rejected" ? bestBd + random() * 4 - 0.5 : bestBd - random() * 3;
    // The version the attempt was judged against: none before the seed exists.
    const comparedToVersion = status === "seed" || version === 0 ? null : version;
    if (status === "seed" || status === "adopted") version += 1;
    const failureCategory =
      status === "failed"
        ? FAILURES[Math.floor(random() * FAILURES.length)]!
        : status === "invalid"
          ? "search-mismatch"
          : status === "duplicate"
            ? "duplicate"
            : null;
    const record: LedgerRecord = {
      schema: 1,
      id,
      parentId: status === "seed" ? null : bestId,
      comparedToVersion,
      version: status === "seed" || status === "adopted" ? version : null,
      status,
      runId: `run-${Math.floor(i / 50) + 1}`,
      generation: status === "seed" ? 0 : (i % 50) + 1,
      proposer:
        status === "seed"
          ? { kind: "seed", label: "seed", model: null }
          : { kind: "openai", label: "gpt", model: "gpt-5-mini" },
      hypothesis: status === "seed" ? "" : `Attempt ${i}: try a finer quantiser in flat blocks`,
      rationale: "made up for the dashboard benchmark",
      edits: [
        {
          path: "codec/evolved_codec.py",
          blocks: 1,
          linesAdded: 3,
          linesRemoved: 1,
          created: false,
        },
      ],
      codeHash: `hash${i}`,
      commit: `${(i + 0x1000).toString(16)}abcdef0123456789abcdef0123456789ab`.slice(0, 40),
      branch: `codec-evolve/candidate/${id}`,
      versionCommit: null,
      failure: failureCategory
        ? {
            category: failureCategory,
            message: `made-up ${failureCategory}`,
            line: 12,
            stage: "encode",
          }
        : null,
      verdict: evaluated ? { adopt: status !== "rejected", reason: "made up" } : null,
      metrics: evaluated
        ? {
            meanMbps: 2 * (1 + bd / 100),
            meanMbps1080p30: 40,
            compressionRatio: 60,
            meanBitsPerPixel: 0.4,
            meanPsnrRgb: 36,
            meanSsimRgb: 0.95,
            meanEncodeFps: 10,
            meanDecodeFps: 20,
            bdRateX265: bd,
            bdRateParent: status === "seed" ? null : bd - bestBd,
            clips: CLIPS.map((name) => ({
              name,
              bdRateX265: bd,
              bdRateParent: null,
              meanMbps: 2,
              compressionRatio: 60,
              meanPsnrRgb: 36,
            })),
          }
        : null,
      usage: null,
      startedAt: new Date(start + i * 60_000).toISOString(),
      finishedAt: new Date(start + i * 60_000 + 45_000).toISOString(),
    };
    records.push(record);
    if (evaluated) results.set(id, syntheticResult(id, bd, bestId ? bestBd : null));
    if (status === "seed" || status === "adopted") {
      bestId = id;
      bestBd = bd;
    }
  }
  return { records, results };
}

/** Write the records as ledger.jsonl and the results as `<id>.json` ({ key, result }) under `dir`. */
export async function writeSyntheticLedger(
  dir: string,
  ledger: SyntheticLedger,
): Promise<{ ledgerPath: string; resultsDir: string }> {
  const resultsDir = join(dir, "results");
  await mkdir(resultsDir, { recursive: true });
  const ledgerPath = join(dir, "ledger.jsonl");
  await writeFile(ledgerPath, ledger.records.map((r) => `${JSON.stringify(r)}\n`).join(""));
  await Promise.all(
    [...ledger.results].map(([id, result]) =>
      writeFile(join(resultsDir, `${id}.json`), JSON.stringify({ key: "synthetic", result })),
    ),
  );
  return { ledgerPath, resultsDir };
}

/** A result whose candidate curve spends (100 + bd)% of x265's bits at each quality. */
function syntheticResult(id: string, bd: number, parentBd: number | null): EvaluationResult {
  const curve = (scale: number, offset = 0): Rung[] =>
    QUALITIES.map((quality, i) => rung(quality, 0.05 * 2 ** i * scale, 30 + 3 * i + offset));
  return {
    codec: `${id}.py`,
    status: "ok",
    failure: null,
    verdict: null,
    clips: CLIPS.map((name) => ({
      name,
      width: 352,
      height: 288,
      frames: 10,
      fps: 30,
      rungs: curve(1 + bd / 100),
      baselines: {
        x265: { encoder: "x265 (synthetic)", rungs: curve(1) },
        jpeg: { encoder: "jpeg (synthetic)", rungs: curve(3, -1) },
        ...(parentBd === null
          ? {}
          : { parent: { encoder: "parent (synthetic)", rungs: curve(1 + parentBd / 100) } }),
      },
      bdRate: { x265: bd },
    })),
  };
}

function rung(quality: number, bitsPerPixel: number, psnrRgb: number): Rung {
  return {
    quality,
    bytes: Math.round((bitsPerPixel * 352 * 288 * 10) / 8),
    bitsPerPixel,
    mbps: (bitsPerPixel * 352 * 288 * 30) / 1e6,
    mbps1080p30: (bitsPerPixel * 1920 * 1080 * 30) / 1e6,
    compressionRatio: 24 / bitsPerPixel,
    psnrRgb,
    ssimRgb: 0.95,
    psnrY: psnrRgb + 1,
    ssimY: 0.96,
    encodeFps: 10,
    decodeFps: 20,
  };
}
