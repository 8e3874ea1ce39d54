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
  const byId = new Map(records.map((r) => [r.id, r]));
  const cache = new Map<string, Promise<StoredResult>>();
  const stored = (id: string) => {
    let entry = cache.get(id);
    if (!entry) {
      entry = loadStoredResult(options.resultsDir, id);
      cache.set(id, entry);
    }
    return entry;
  };
  const firsts = new Map<string, number>(); // a repeated id: the first record is the one linked
  records.forEach((record, position) => {
    const file = safeFileName(record.id);
    if (!firsts.has(file)) firsts.set(file, position);
  });
  const missing = new Set<string>();
  // Reads and writes overlap in a few lanes: one at a time, the site waits on the disk most of the time.
  await inLanes([...firsts], DISK_LANES, async ([file, position]) => {
    const record = records[position]!;
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
    if (detail.results === "missing" || detail.results === "unreadable") missing.add(record.id);
    await writeFile(
      join(outDir, "attempts", `${file}.js`),
      `window.codecEvolveDetail(${JSON.stringify(detail)});\n`,
    );
  });
  return {
    index: join(outDir, "index.html"),
    attempts: firsts.size,
    missingResults: records.filter((r) => missing.has(r.id)).map((r) => r.id),
  };
}

const DISK_LANES = 16;

/** Run `work` on every item with at most `lanes` running at once. */
async function inLanes<T>(
  items: readonly T[],
  lanes: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}
