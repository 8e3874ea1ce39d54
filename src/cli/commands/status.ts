/** `codec-evolve status`: the current best version, the run in progress, recent attempts and the failure report. */
import { loadConfig } from "../../config/load-config.js";
import { readJsonFile, readLedger } from "../../evolve/ledger/ledger-file.js";
import { currentBest } from "../../evolve/population/population.js";
import { buildFailureReport, renderFailureReport } from "../../evolve/report/failure-report.js";
import { renderAttemptsTable, tierReached } from "../../evolve/report/tables.js";
import { statePaths } from "../../evolve/state-paths.js";
import { repositoryRoot } from "../../evolve/store/repository-root.js";
import { painter, wantsColour } from "../../format/colour.js";
import type { CliIo } from "../cli-io.js";
import { CONFIG_FLAGS } from "../common-flags.js";
import { EXIT } from "../exit-error.js";
import { defineCommand, flag } from "../flags.js";
import { signedPercent } from "../../format/signed-percent.js";

/** The status command's flags; its usage text is generated from them. */
export const STATUS = defineCommand({
  name: "status",
  args: "",
  positionals: { min: 0, max: 0 },
  description: `Prints the current best version, the last run, the most recent attempts and
the self-debugging failure report, from .codec-evolve/ledger.jsonl.`,
  flags: {
    recent: flag.integer("N", "how many recent attempts to list (default 10)", { min: 1 }),
    ...CONFIG_FLAGS,
  },
});

/** Run the status command; returns the exit code. */
export async function statusCommand(argv: string[], io: CliIo): Promise<number> {
  const { help, values } = STATUS.parse(argv);
  if (help) {
    io.stdout.write(`${STATUS.usage}\n`);
    return EXIT.ok;
  }
  const repoDir = await repositoryRoot(io.cwd);
  const { config } = await loadConfig(repoDir, values.config);
  const paths = statePaths(repoDir);
  const { records, tornTail } = await readLedger(paths.ledger);
  const out: string[] = [];
  if (records.length === 0) {
    io.stdout.write(`no ledger yet (${paths.ledger}); run codec-evolve evolve first\n`);
    return EXIT.ok;
  }
  const best = currentBest(records)!;
  const m = best.metrics;
  out.push(
    `best: v${best.version} (${best.id}, ${best.proposer.label})` +
      (m
        ? ` — ${m.meanMbps.toFixed(3)} Mbps, ${m.compressionRatio.toFixed(1)}x, PSNR-RGB ${m.meanPsnrRgb.toFixed(2)} dB, BD-rate vs x265 ${signedPercent(m.bdRateX265)}, tier ${tierReached(m.bdRateX265)}`
        : ""),
  );
  const counts = new Map<string, number>();
  for (const r of records) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const spend = records.reduce((sum, r) => sum + (r.usage?.costUsd ?? 0), 0);
  out.push(
    `ledger: ${records.length} record(s) — ${[...counts].map(([s, n]) => `${n} ${s}`).join(", ")}; total spend $${spend.toFixed(4)}`,
  );
  const run = await readJsonFile<{
    runId: string;
    target: number;
    finished: boolean;
    stoppedBy?: string;
  }>(paths.run);
  if (run) {
    const done = records.filter((r) => r.runId === run.runId && r.generation > 0).length;
    out.push(
      `last run: ${run.runId}, ${done} of ${run.target} generation(s)` +
        (run.finished
          ? `, finished (${run.stoppedBy ?? "done"})`
          : ", unfinished: codec-evolve evolve resumes it"),
    );
  }
  if (tornTail !== null)
    out.push("warning: the ledger ends in a torn line (a crash); the next evolve moves it aside");
  const paint = painter(wantsColour(io.stdout, io.env));
  out.push(
    "",
    `recent attempts:`,
    renderAttemptsTable(records.slice(-(values.recent ?? 10)), paint),
  );
  const report = buildFailureReport(
    records,
    config.evolve.failureWindow,
    config.sandbox.allowedImports,
  );
  out.push("", "failure report:", renderFailureReport(report));
  io.stdout.write(`${out.join("\n")}\n`);
  return EXIT.ok;
}
