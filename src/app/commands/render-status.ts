/** `/status` as markdown: what `codec-evolve status` prints, from the data branch and the open PRs. */
import type { Config } from "../../config/schema.js";
import type { LedgerRecord } from "../../evolve/ledger/ledger-record.js";
import { currentBest } from "../../evolve/population/population.js";
import { buildFailureReport, renderFailureReport } from "../../evolve/report/failure-report.js";
import { renderAttemptsTable, tierReached } from "../../evolve/report/tables.js";
import type { CandidatePull } from "../../github/candidate-store.js";

/** The status comment; `recent` attempts are shown. */
export function renderStatusMarkdown(
  records: readonly LedgerRecord[],
  pulls: readonly CandidatePull[],
  config: Config,
  recent = 10,
): string {
  const out = ["### codec-evolve status", ""];
  const best = currentBest(records);
  if (!best) {
    out.push(
      "No ledger yet on `codec-evolve-data`: the first `/evolve` or schedule slot records the starting codec as v1.",
    );
  } else {
    const m = best.metrics;
    out.push(
      `**Best: v${best.version}** (${best.id}, ${best.proposer.label})` +
        (m
          ? `: ${m.meanMbps.toFixed(3)} Mbps, ${m.compressionRatio.toFixed(1)}x, PSNR-RGB ${m.meanPsnrRgb.toFixed(2)} dB, BD-rate vs x265 ${pct(m.bdRateX265)}, tier ${tierReached(m.bdRateX265)}`
          : " (not measured on GitHub yet)"),
    );
    const counts = new Map<string, number>();
    for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
    const spend = records.reduce((sum, r) => sum + (r.usage?.costUsd ?? 0), 0);
    out.push(
      "",
      `Ledger: ${records.length} record(s): ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}; spend $${spend.toFixed(4)}`,
    );
  }
  const open = pulls.filter((p) => p.state === "open");
  out.push(
    "",
    `Open candidate PRs: ${open.length ? open.map((p) => `#${p.number}`).join(", ") : "none"}` +
      ` (limits: ${config.github.prConcurrentLimit} open, ${config.github.prHourlyLimit} per hour)`,
  );
  if (records.length) {
    out.push(
      "",
      "<details><summary>Recent attempts</summary>",
      "",
      "```",
      renderAttemptsTable(records.slice(-recent)),
      "```",
      "",
      "</details>",
    );
    const report = buildFailureReport(
      records,
      config.evolve.failureWindow,
      config.sandbox.allowedImports,
    );
    out.push(
      "",
      "<details><summary>Failure report</summary>",
      "",
      "```",
      renderFailureReport(report),
      "```",
      "",
      "</details>",
    );
  }
  return out.join("\n");
}

function pct(value: number | null): string {
  return value === null ? "n/a" : `${value > 0 ? "+" : ""}${value.toFixed(2)}%`;
}
