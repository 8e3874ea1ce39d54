/** Time to build the dashboard of a 500-record ledger with stored results (the goal: under 5 s). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildSite } from "../dashboard/build-site.js";
import { readLedger } from "../evolve/ledger/ledger-file.js";
import { syntheticLedger, writeSyntheticLedger } from "./synthetic-ledger.js";

/** Build the site for `count` records `runs` times; report the median wall time. */
export async function benchDashboard(count = 500, runs = 3): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "codec-evolve-dashboard-bench-"));
  try {
    const { ledgerPath, resultsDir } = await writeSyntheticLedger(dir, syntheticLedger(count));
    const times: number[] = [];
    for (let run = 0; run < runs; run++) {
      const started = performance.now();
      // Reading the ledger is part of building the site, as in `codec-evolve report`.
      const { records } = await readLedger(ledgerPath);
      await buildSite({ records, resultsDir, outDir: join(dir, "site"), repoUrl: null });
      times.push((performance.now() - started) / 1000);
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)]!;
    return `dashboard: ${count} ledger records → site in ${median.toFixed(2)} s (median of ${runs}; goal < 5 s; ${times.map((t) => t.toFixed(2)).join(", ")})`;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
