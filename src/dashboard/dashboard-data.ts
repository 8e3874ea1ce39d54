/**
 * What the dashboard shows, computed once from the ledger and the stored
 * results: the index (tables and the ledger-wide charts) and one detail per
 * attempt (figures, failure, RD charts against its parent and the baselines).
 * Everything is plain JSON, chart options included.
 */
import { safeFileName } from "../charts/safe-file-name.js";
import { failureChartOption } from "../charts/failure-chart.js";
import { leafCount, lineageChartOption, lineageTree } from "../charts/lineage-chart.js";
import { rdChartOption, rdSeriesOfClip } from "../charts/rd-chart.js";
import type { ChartOption } from "../charts/render-chart.js";
import { timelineChartOption } from "../charts/timeline-chart.js";
import type { ClipResult, EvaluationResult } from "../evaluate/results.js";
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import { TIERS, tierReached } from "../evolve/report/tables.js";
import type { StoredResult } from "./load-results.js";

/** One attempt as a row of the dashboard's tables. */
export interface AttemptRow {
  id: string;
  /** Base name of the attempt's detail script, attempts/<file>.js. */
  file: string;
  index: number;
  version: number | null;
  status: string;
  parentId: string | null;
  runId: string;
  generation: number;
  proposer: string;
  bdRateX265: number | null;
  bdRateParent: number | null;
  /** Bits spent at equal quality, x265 = 100. */
  bitsVsX265: number | null;
  meanMbps: number | null;
  meanPsnrRgb: number | null;
  tier: string;
  failureCategory: string | null;
  hypothesis: string;
  finishedAt: string;
}

/** The first version that reached each tier of fewer bits than x265. */
export interface TierRow {
  tier: string;
  reachedBy: string | null;
  version: number | null;
}

export interface DashboardIndex {
  generatedAt: string;
  repoUrl: string | null;
  counts: Record<string, number>;
  best: AttemptRow | null;
  tiers: TierRow[];
  attempts: AttemptRow[];
  charts: { timeline: ChartOption; failures: ChartOption; lineage: ChartOption };
  lineageLeaves: number;
}

/** Everything about one attempt, shown when it is opened. */
export interface AttemptDetail {
  row: AttemptRow;
  rationale: string;
  edits: LedgerRecord["edits"];
  commit: string | null;
  versionCommit: string | null;
  branch: string | null;
  diffUrl: string | null;
  failure: LedgerRecord["failure"];
  verdict: LedgerRecord["verdict"];
  clipMetrics: NonNullable<LedgerRecord["metrics"]>["clips"];
  /** "ok", or why there are no curves: "missing" (a results file was expected), "none" (never evaluated), "unreadable". */
  results: "ok" | "missing" | "unreadable" | "none";
  resultsNote: string | null;
  rdCharts: { clip: string; option: ChartOption }[];
}

/** Rows of every attempt, in ledger order. */
export function attemptRows(records: readonly LedgerRecord[]): AttemptRow[] {
  return records.map((r, index) => {
    const bd = r.metrics?.bdRateX265 ?? null;
    return {
      id: r.id,
      file: safeFileName(r.id),
      index: index + 1,
      version: r.version,
      status: r.status,
      parentId: r.parentId,
      runId: r.runId,
      generation: r.generation,
      proposer: r.proposer.model ?? r.proposer.label ?? r.proposer.kind,
      bdRateX265: bd,
      bdRateParent: r.metrics?.bdRateParent ?? null,
      bitsVsX265: bd === null ? null : 100 + bd,
      meanMbps: r.metrics?.meanMbps ?? null,
      meanPsnrRgb: r.metrics?.meanPsnrRgb ?? null,
      tier: tierReached(bd),
      failureCategory: r.failure?.category ?? null,
      hypothesis: r.hypothesis,
      finishedAt: r.finishedAt,
    };
  });
}

/** The dashboard's index from the ledger. */
export function dashboardIndex(
  records: readonly LedgerRecord[],
  options: { repoUrl: string | null; now: Date },
): DashboardIndex {
  const attempts = attemptRows(records);
  const versions = attempts.filter((a) => a.version !== null);
  const counts: Record<string, number> = {};
  for (const r of records) counts[r.status] = (counts[r.status] ?? 0) + 1;
  const best = versions.reduce<AttemptRow | null>(
    (latest, row) => (latest === null || row.version! > latest.version! ? row : latest),
    null,
  );
  const tiers = [...TIERS].reverse().map((tier): TierRow => {
    const first = versions
      .filter((v) => v.bdRateX265 !== null && v.bdRateX265 <= -tier)
      .sort((a, b) => a.version! - b.version!)[0];
    return { tier: `${tier}%`, reachedBy: first?.id ?? null, version: first?.version ?? null };
  });
  return {
    generatedAt: options.now.toISOString(),
    repoUrl: options.repoUrl,
    counts,
    best,
    tiers,
    attempts,
    charts: {
      timeline: timelineChartOption(records),
      failures: failureChartOption(records),
      lineage: lineageChartOption(records),
    },
    lineageLeaves: leafCount(lineageTree(records)),
  };
}

/**
 * The detail of one attempt. `stored` is its results file; `parentStored` its
 * parent's, used for the parent curve when the result did not measure one.
 */
export function attemptDetail(
  record: LedgerRecord,
  row: AttemptRow,
  stored: StoredResult | null,
  parentStored: StoredResult | null,
  repoUrl: string | null,
): AttemptDetail {
  const commit = record.versionCommit ?? record.commit;
  const evaluated = record.metrics !== null;
  let results: AttemptDetail["results"] = "none";
  let resultsNote: string | null = null;
  let rdCharts: AttemptDetail["rdCharts"] = [];
  if (stored?.kind === "ok") {
    results = "ok";
    const parent = parentStored?.kind === "ok" ? parentStored.result : null;
    rdCharts = rdChartsOf(stored.result, parent, record.id);
  } else if (stored?.kind === "unreadable") {
    results = "unreadable";
    resultsNote = `results file ${stored.path} cannot be read: ${stored.reason}`;
  } else if (evaluated) {
    results = "missing";
    resultsNote = `results file missing${stored?.kind === "missing" ? ` (${stored.path})` : ""}: figures from the ledger only, no curves`;
  }
  return {
    row,
    rationale: record.rationale,
    edits: record.edits,
    commit: record.commit,
    versionCommit: record.versionCommit,
    branch: record.branch,
    diffUrl: repoUrl && commit ? `${repoUrl}/commit/${commit}` : null,
    failure: record.failure,
    verdict: record.verdict,
    clipMetrics: record.metrics?.clips ?? [],
    results,
    resultsNote,
    rdCharts,
  };
}

function rdChartsOf(
  result: EvaluationResult,
  parent: EvaluationResult | null,
  id: string,
): AttemptDetail["rdCharts"] {
  return result.clips.map((clip) => {
    const withParent = addParentCurve(clip, parent);
    return {
      clip: clip.name,
      option: rdChartOption(
        `${clip.name}: ${id} vs parent and baselines`,
        rdSeriesOfClip(withParent, id),
      ),
    };
  });
}

/** The clip with its parent's curve from the parent's own result, when it was not measured alongside. */
function addParentCurve(clip: ClipResult, parent: EvaluationResult | null): ClipResult {
  if (clip.baselines.parent || !parent) return clip;
  const parentClip = parent.clips.find((c) => c.name === clip.name);
  if (!parentClip) return clip;
  return {
    ...clip,
    baselines: {
      ...clip.baselines,
      parent: { encoder: `parent ${parent.codec}`, rungs: parentClip.rungs },
    },
  };
}
