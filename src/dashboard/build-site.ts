/**
 * `codec-evolve report --out DIR`: a static dashboard of the ledger and the
 * stored results. Data goes into `data.js` and one `attempts/<id>.js` per
 * attempt, loaded as plain scripts so the site also works from file://.
 * ECharts is copied in: no CDN, no network.
 */
import { copyFile, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { safeFileName } from "../charts/safe-file-name.js";
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import { attemptDetail, dashboardIndex } from "./dashboard-data.js";
import { loadStoredResult, type StoredResult } from "./load-results.js";
import { PAGE_ASSETS, assetsDirectory, echartsBrowserBuild } from "./site-assets.js";

export interface BuildSiteOptions {
  records: readonly LedgerRecord[];
  /** Folder of `<id>.json` results files. */
  resultsDir: string;
  outDir: string;
  /** e.g. https://github.com/owner/repo, for diff links; null for none. */
  repoUrl: string | null;
  now?: Date;
}

export interface BuiltSite {
  index: string;
  attempts: number;
  /** Attempts with figures whose results file is missing or unreadable. */
  missingResults: string[];
}

/** Build the site into `outDir` (its old attempts/ folder is replaced). */
export async function buildSite(options: BuildSiteOptions): Promise<BuiltSite> {
  const { records, outDir } = options;
  const assets = assetsDirectory();
  await mkdir(outDir, { recursive: true });
  await rm(join(outDir, "attempts"), { recursive: true, force: true });
  await mkdir(join(outDir, "attempts"), { recursive: true });
  await Promise.all([
    ...PAGE_ASSETS.map((file) => copyFile(join(assets, file), join(outDir, file))),
    copyFile(echartsBrowserBuild(), join(outDir, "echarts.min.js")),
  ]);

  const index = dashboardIndex(records, {
    repoUrl: options.repoUrl,
    now: options.now ?? new Date(),
  });
  await writeFile(
    join(outDir, "data.js"),
    `window.CODEC_EVOLVE_INDEX = ${JSON.stringify(index)};\n`,
  );

  // Each result is read once, even when it is also a parent: a candidate's parent is usually a version.
  const cache = new Map<string, Promise<StoredResult>>();
  const stored = (id: string) => {
    let entry = cache.get(id);
    if (!entry) {
      entry = loadStoredResult(options.resultsDir, id);
      cache.set(id, entry);
    }
    return entry;
  };
  const byId = new Map(records.map((r) => [r.id, r]));
  const missingResults: string[] = [];
  const written = new Set<string>();
  for (const [position, record] of records.entries()) {
    const file = safeFileName(record.id);
    if (written.has(file)) continue; // a repeated id: the first record is the one linked
    written.add(file);
    const result = record.metrics ? await stored(record.id) : null;
    const parent =
      result?.kind === "ok" && record.parentId && byId.get(record.parentId)?.metrics
        ? await stored(record.parentId)
        : null;
    const detail = attemptDetail(
      record,
      index.attempts[position]!,
      result,
      parent,
      options.repoUrl,
    );
    if (detail.results === "missing" || detail.results === "unreadable")
      missingResults.push(record.id);
    await writeFile(
      join(outDir, "attempts", `${file}.js`),
      `window.codecEvolveDetail(${JSON.stringify(detail)});\n`,
    );
  }
  return { index: join(outDir, "index.html"), attempts: written.size, missingResults };
}
