/**
 * The population, read from the ledger: the current best (highest version),
 * and an archive of elites along bitrate, quality and speed (MAP-Elites
 * style), so parents and inspirations do not all come from one idea.
 */
import type { LedgerRecord } from "../ledger/ledger-record.js";
import type { ProposerKind } from "../proposers/proposer.js";
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
  /** Which pool the parent came from: the best-scoring valid candidate, or the elite archive. */
  from: "leader" | "elite";
  inspirations: LedgerRecord[];
}

/**
 * The best-scoring evaluated candidate whose encoder is fast enough to be
 * adopted: the current version, or a candidate that beat it by less than the
 * adoption threshold. Building on it lets small gains add up until one
 * candidate clears the threshold against the version.
 */
export function leader(records: readonly LedgerRecord[], maxEncodeSlowdown: number): LedgerRecord {
  const best = currentBest(records);
  if (!best) throw new Error("the ledger has no version yet: the seed must be measured first");
  let lead = best;
  for (const record of evaluatedRecords(records)) {
    if (!fastEnough(record, best, maxEncodeSlowdown)) continue;
    if (lead.metrics === null || fitness(record) < fitness(lead)) lead = record;
  }
  return lead;
}

/**
 * Whether `record` encodes within the slowdown limit of `best`, on the clock the verdict uses:
 * fps per CPU second when both records have it (wall fps of runs on a shared machine swing with
 * its load), else wall fps.
 */
function fastEnough(record: LedgerRecord, best: LedgerRecord, maxEncodeSlowdown: number): boolean {
  const mine = record.metrics!;
  const theirs = best.metrics;
  if (!theirs) return true;
  const cpu = mine.meanEncodeCpuFps !== undefined && theirs.meanEncodeCpuFps !== undefined;
  const fps = cpu ? mine.meanEncodeCpuFps! : mine.meanEncodeFps;
  const bestFps = cpu ? theirs.meanEncodeCpuFps! : theirs.meanEncodeFps;
  return fps >= bestFps / maxEncodeSlowdown;
}

/**
 * The share of generations that explore an elite parent, for this proposer.
 * Written answers are edits against the leader (their SEARCH blocks quote its
 * code), so with an elite parent they could not apply: the answers proposer
 * always builds on the leader.
 */
export function exploreFractionFor(kind: ProposerKind, configured: number): number {
  return kind === "answers" ? 0 : configured;
}

/**
 * Mostly the leader (see `leader`); with probability `exploreFraction` an
 * elite from the archive. Inspirations: up to two others, distinct from the parent.
 */
export function chooseParent(
  records: readonly LedgerRecord[],
  rng: Random,
  options: { exploreFraction: number; maxEncodeSlowdown: number },
): ParentChoice {
  const lead = leader(records, options.maxEncodeSlowdown);
  const best = currentBest(records)!;
  const elites = eliteArchive(records).filter((record) => record.id !== lead.id);
  let parent = lead;
  let from: ParentChoice["from"] = "leader";
  if (elites.length > 0 && rng.next() < options.exploreFraction) {
    parent = elites[rng.int(elites.length)]!;
    from = "elite";
  }
  const pool = [lead, best, ...elites].filter(
    (record, i, all) => record.id !== parent.id && all.findIndex((r) => r.id === record.id) === i,
  );
  const inspirations: LedgerRecord[] = [];
  while (inspirations.length < 2 && pool.length > 0) {
    inspirations.push(pool.splice(rng.int(pool.length), 1)[0]!);
  }
  return { parent, from, inspirations };
}
