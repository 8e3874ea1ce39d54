/**
 * The population, read from the ledger: the current best (highest version),
 * and an archive of elites along bitrate, quality and speed (MAP-Elites
 * style), so parents and inspirations do not all come from one idea.
 */
import type { LedgerRecord } from "../ledger/ledger-record.js";
import type { Random } from "./seeded-random.js";

/** Records whose code was evaluated successfully, in ledger order. */
export function evaluatedRecords(records: readonly LedgerRecord[]): LedgerRecord[] {
  return records.filter(
    (record) =>
      record.metrics !== null &&
      record.commit !== null &&
      (record.status === "seed" || record.status === "adopted" || record.status === "rejected"),
  );
}

/** The record of the highest version: the current best. */
export function currentBest(records: readonly LedgerRecord[]): LedgerRecord | null {
  let best: LedgerRecord | null = null;
  for (const record of records) {
    if (record.version !== null && (best === null || record.version > best.version!)) best = record;
  }
  return best;
}

/** Lower is better: BD-rate vs x265 when known, else the inverse compression ratio in percent. */
export function fitness(record: LedgerRecord): number {
  const metrics = record.metrics!;
  return metrics.bdRateX265 ?? 100 / Math.max(metrics.compressionRatio, 1e-9);
}

/** The cell of a record in the (bitrate, quality, speed) grid. */
export function eliteCell(record: LedgerRecord): string {
  const m = record.metrics!;
  const rate = Math.floor(Math.log2(Math.max(m.meanBitsPerPixel, 1e-6)) * 2);
  const quality = Math.floor(m.meanPsnrRgb / 2);
  const speed = Math.floor(Math.log2(Math.max(m.meanEncodeFps, 1e-3)));
  return `${rate}/${quality}/${speed}`;
}

/** The best record of each occupied cell, ordered by cell key (deterministic). */
export function eliteArchive(records: readonly LedgerRecord[]): LedgerRecord[] {
  const cells = new Map<string, LedgerRecord>();
  for (const record of evaluatedRecords(records)) {
    const key = eliteCell(record);
    const held = cells.get(key);
    if (!held || fitness(record) < fitness(held)) cells.set(key, record);
  }
  return [...cells.keys()].sort().map((key) => cells.get(key)!);
}

export interface ParentChoice {
  parent: LedgerRecord;
  /** "best" or "elite": which pool the parent came from. */
  from: "best" | "elite";
  inspirations: LedgerRecord[];
}

/**
 * Mostly the current best; with probability `exploreFraction` an elite from
 * another cell. Inspirations: up to two other elites, distinct from the parent.
 */
export function chooseParent(
  records: readonly LedgerRecord[],
  rng: Random,
  exploreFraction: number,
): ParentChoice {
  const best = currentBest(records);
  if (!best) throw new Error("the ledger has no version yet: the seed must be measured first");
  const elites = eliteArchive(records).filter((record) => record.id !== best.id);
  let parent = best;
  let from: ParentChoice["from"] = "best";
  if (elites.length > 0 && rng.next() < exploreFraction) {
    parent = elites[rng.int(elites.length)]!;
    from = "elite";
  }
  const pool = [best, ...elites].filter((record) => record.id !== parent.id);
  const inspirations: LedgerRecord[] = [];
  while (inspirations.length < 2 && pool.length > 0) {
    inspirations.push(pool.splice(rng.int(pool.length), 1)[0]!);
  }
  return { parent, from, inspirations };
}
