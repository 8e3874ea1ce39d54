/** Plain-text tables of the ledger for `evolve`, `status` and `history`. */
import type { LedgerRecord } from "../ledger/ledger-record.js";
import { signedPercent as pct } from "../../format/signed-percent.js";
import { painter, type Paint } from "../../format/colour.js";
import { renderTextTable } from "../../format/text-table.js";

/** Tiers of the goal: this much fewer bits than x265 at equal quality. */
export const TIERS = [90, 70, 50] as const;

/** The highest tier a BD-rate vs x265 reaches, e.g. "50%", or "-". */
export function tierReached(bdRateX265: number | null): string {
  if (bdRateX265 === null) return "-";
  const tier = TIERS.find((t) => bdRateX265 <= -t);
  return tier ? `${tier}%` : "-";
}

/** One row per attempt: what was tried, how it ended, its figures and cost. */
export function renderAttemptsTable(
  records: readonly LedgerRecord[],
  paint: Paint = painter(false),
): string {
  const header = [
    "id",
    "gen",
    "parent",
    "proposer",
    "outcome",
    "BD vs parent",
    "BD vs x265",
    "Mbps",
    "PSNR-RGB",
    "cost $",
    "hypothesis",
  ];
  const rows = records.map((r) => [
    r.id,
    String(r.generation || "-"),
    r.parentId ?? "-",
    shortProposer(r),
    outcome(r),
    pct(r.metrics?.bdRateParent ?? null),
    pct(r.metrics?.bdRateX265 ?? null),
    r.metrics ? r.metrics.meanMbps.toFixed(3) : "-",
    r.metrics ? r.metrics.meanPsnrRgb.toFixed(2) : "-",
    r.usage ? `${r.usage.costUsd.toFixed(4)}${r.usage.estimated ? "~" : ""}` : "-",
    truncate(r.hypothesis || (r.status === "seed" ? "(starting codec)" : "-"), 60),
  ]);
  return renderTextTable([header, ...rows], {
    rule: true,
    paint: (cell, row, column) => {
      if (row === 0) return paint(cell, "bold");
      const record = records[row - 1]!;
      if (column === 4) return paint(cell, outcomeColour(record));
      if (column === 5 || column === 6) return paintBd(cell, paint);
      return cell;
    },
  });
}

/** One row per version: the history of the best codec. */
export function renderVersionsTable(
  records: readonly LedgerRecord[],
  paint: Paint = painter(false),
): string {
  const versions = records
    .filter((r) => r.version !== null)
    .sort((a, b) => a.version! - b.version!);
  const header = [
    "version",
    "id",
    "date",
    "proposer",
    "Mbps",
    "ratio",
    "PSNR-RGB",
    "BD vs prev",
    "BD vs x265",
    "tier",
    "commit",
  ];
  const rows = versions.map((r) => [
    `v${r.version}`,
    r.id,
    r.finishedAt.slice(0, 16).replace("T", " "),
    shortProposer(r),
    r.metrics ? r.metrics.meanMbps.toFixed(3) : "-",
    r.metrics ? `${r.metrics.compressionRatio.toFixed(1)}x` : "-",
    r.metrics ? r.metrics.meanPsnrRgb.toFixed(2) : "-",
    r.status === "seed" ? "-" : pct(r.metrics?.bdRateParent ?? null),
    pct(r.metrics?.bdRateX265 ?? null),
    tierReached(r.metrics?.bdRateX265 ?? null),
    (r.versionCommit ?? "").slice(0, 10),
  ]);
  return renderTextTable([header, ...rows], {
    rule: true,
    paint: (cell, row, column) => {
      if (row === 0) return paint(cell, "bold");
      if (column === 7 || column === 8) return paintBd(cell, paint);
      if (column === 9 && cell.trim() !== "-") return paint(cell, "green");
      return cell;
    },
  });
}

/** Versions green, rejected grey, failures red, duplicates yellow. */
function outcomeColour(record: LedgerRecord): "green" | "grey" | "red" | "yellow" {
  if (record.version !== null) return "green";
  if (record.status === "rejected") return "grey";
  if (record.status === "duplicate") return "yellow";
  return "red";
}

/** A BD-rate cell: fewer bits (negative) green, more bits red. */
function paintBd(cell: string, paint: Paint): string {
  const value = cell.trim();
  if (value.startsWith("-") && value !== "-") return paint(cell, "green");
  if (value.startsWith("+")) return paint(cell, "red");
  return cell;
}

function outcome(record: LedgerRecord): string {
  switch (record.status) {
    case "seed":
      return `seed v${record.version}`;
    case "adopted":
      return `ADOPTED v${record.version}`;
    case "rejected":
      return "rejected";
    case "duplicate":
      return "duplicate";
    default:
      return `${record.status}: ${record.failure?.category ?? "?"}`;
  }
}

function shortProposer(record: LedgerRecord): string {
  if (record.proposer.kind === "offline") return "offline search";
  if (record.proposer.kind === "openai") return record.proposer.model ?? "openai";
  if (record.proposer.kind === "answers") return `answer ${record.proposer.source ?? "file"}`;
  return record.proposer.kind;
}

function truncate(text: string, max: number): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}
