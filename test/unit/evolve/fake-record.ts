/** Ledger records with chosen fields, for tests of the readers of the ledger. */
import type { LedgerRecord, MetricsSummary } from "../../../src/evolve/ledger/ledger-record.js";

/** Metrics with the given headline figures. */
export function fakeMetrics(over: Partial<MetricsSummary> = {}): MetricsSummary {
  return {
    meanMbps: 1,
    meanMbps1080p30: 20,
    compressionRatio: 50,
    meanBitsPerPixel: 0.5,
    meanPsnrRgb: 36,
    meanSsimRgb: 0.95,
    meanEncodeFps: 20,
    meanDecodeFps: 40,
    bdRateX265: 30,
    bdRateParent: 0,
    clips: [
      {
        name: "foreman",
        bdRateX265: 30,
        bdRateParent: 0,
        meanMbps: 1,
        compressionRatio: 50,
        meanPsnrRgb: 36,
      },
    ],
    ...over,
  };
}

let counter = 0;

/** A record; by default a rejected offline attempt with metrics. */
export function fakeRecord(over: Partial<LedgerRecord> = {}): LedgerRecord {
  counter++;
  const id = over.id ?? `c${String(counter).padStart(4, "0")}`;
  return {
    schema: 1,
    id,
    parentId: "c0001",
    comparedToVersion: 1,
    version: null,
    status: "rejected",
    runId: "run-1",
    generation: 1,
    proposer: { kind: "offline", label: "offline parameter search (not an LLM)", model: null },
    hypothesis: `hypothesis of ${id}`,
    rationale: "",
    edits: [],
    codeHash: `hash-${id}`,
    commit: `commit-${id}`,
    branch: null,
    versionCommit: null,
    failure: null,
    verdict: { adopt: false, reason: "rejected: not enough" },
    metrics: fakeMetrics(),
    usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
    startedAt: "2026-01-01T00:00:00.000Z",
    finishedAt: "2026-01-01T00:00:01.000Z",
    ...over,
  };
}

/** A failed attempt of the given category. */
export function failedRecord(category: string, message: string, traceback?: string): LedgerRecord {
  return fakeRecord({
    status: "failed",
    metrics: null,
    verdict: null,
    failure: { category: category as never, message, line: 4, ...(traceback ? { traceback } : {}) },
  });
}
