/**
 * How `evaluate --shard I/N` splits an evaluation between machines.
 *
 * The work is a list of units in a fixed order: for each clip (shown clips,
 * then held-out clips, in the order given), one unit per rung of the quality
 * ladder (in ladder order: the candidate's rung and, with a parent, the
 * parent's rung at the same quality), then, when baselines are asked for, one
 * unit holding all of that clip's baselines. Unit k (counting from 0) belongs
 * to shard (k mod N) + 1. The split depends only on the clip count, the
 * ladder and whether there are baselines, so every shard computes the same
 * split on its own.
 *
 * A baseline's ladder is chosen from the candidate's rates on that clip, so
 * the shard that owns a clip's baseline unit also encodes (encode only: no
 * decode, no metrics) the rungs of that clip it does not own, and records the
 * rates it used; merge-results checks them against the owners' rungs.
 */

/** Shard I of N, counting from 1. */
export interface ShardSpec {
  index: number;
  count: number;
}

/** One unit of work: a rung of a clip, or all baselines of a clip. */
export type WorkUnit =
  { kind: "rung"; clip: number; rung: number } | { kind: "baselines"; clip: number };

/** Parses "I/N" (1 ≤ I ≤ N); throws an Error naming the input otherwise. */
export function parseShard(text: string): ShardSpec {
  const match = /^([1-9][0-9]*)\/([1-9][0-9]*)$/.exec(text.trim());
  const index = Number(match?.[1]);
  const count = Number(match?.[2]);
  if (!match || index > count) {
    throw new Error(`--shard "${text}": expected I/N with 1 ≤ I ≤ N, e.g. --shard 2/4`);
  }
  return { index, count };
}

/** Every unit of an evaluation, in the documented order. */
export function workUnits(clips: number, rungs: number, hasBaselines: boolean): WorkUnit[] {
  const units: WorkUnit[] = [];
  for (let clip = 0; clip < clips; clip++) {
    for (let rung = 0; rung < rungs; rung++) units.push({ kind: "rung", clip, rung });
    if (hasBaselines) units.push({ kind: "baselines", clip });
  }
  return units;
}

/** The shard (1..count) that owns unit number `position` of workUnits. */
export function shardOf(position: number, count: number): number {
  return (position % count) + 1;
}

/** A stable name of a unit, as listed in a shard's results ("c0/q2" = clip 0, third rung; "c0/baselines"). */
export function unitName(unit: WorkUnit): string {
  return unit.kind === "rung" ? `c${unit.clip}/q${unit.rung}` : `c${unit.clip}/baselines`;
}

/** Which units `shard` owns (all of them without a shard), as a set of unit names. */
export function ownedUnits(
  shard: ShardSpec | undefined,
  clips: number,
  rungs: number,
  hasBaselines: boolean,
): Set<string> {
  const units = workUnits(clips, rungs, hasBaselines);
  return new Set(
    units
      .filter((_, position) => !shard || shardOf(position, shard.count) === shard.index)
      .map(unitName),
  );
}
