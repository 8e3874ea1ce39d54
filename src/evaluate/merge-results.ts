/**
 * `codec-evolve merge-results`: puts the results of `evaluate --shard I/N`
 * back together into the result one machine would have written: the rungs of
 * each clip from the shards that own them (shard.ts), baselines and parent
 * curves, then BD-rates, the summary, held-out aggregates and the verdict,
 * computed once here by the same functions the evaluator uses.
 *
 * Shards merge only when they belong together: same shard count, every shard
 * exactly once, and identical identities (codec and parent file hashes,
 * clips, ladder, baselines, settings, evaluator). Anything else is refused
 * with a message that names the files and what differs.
 */
import { compareCurves, meanBdRate } from "./rd/compare-curves.js";
import type {
  BaselineResult,
  ClipResult,
  EvaluationResult,
  Failure,
  Rung,
  ShardIdentity,
  ShardInfo,
} from "./results.js";
import { parentResultFrom, summariseHeldOut } from "./evaluator.js";
import { ownedUnits, unitName, type WorkUnit } from "./shard.js";
import { UNPAIRED } from "./paired-timing.js";
import { decideVerdict } from "./verdict.js";
import type { AdoptionConfig } from "../config/schema.js";

/** Shards that cannot be merged; the message says which files and why. */
export class MergeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MergeError";
  }
}

/** A shard result and the file it came from (for messages). */
export interface ShardFile {
  path: string;
  result: EvaluationResult;
}

/** What differs is named in words a user can act on. */
const IDENTITY_FIELDS: Record<keyof ShardIdentity, string> = {
  codecSha256: "the codec file (sha256)",
  parentSha256: "the parent codec file (sha256)",
  clips: "the clips (names, sizes, frame counts, sources and synthetic seeds)",
  heldOut: "the held-out clips",
  qualities: "the quality ladder",
  baselines: "the baselines",
  settings: "the settings (codec parameters, quality floor, adoption rule)",
  evaluator: "the evaluator (its version or scoring code)",
};

/** Merge shard results into the one-machine result; throws MergeError when they do not belong together. */
export function mergeShardResults(files: readonly ShardFile[]): EvaluationResult {
  if (files.length === 0) throw new MergeError("merge-results: no shard results given");
  const shards = files.map(({ path, result }) => {
    if (!result.shard) {
      throw new MergeError(
        `${path} is not a shard result (it has no "shard" field): write shards with evaluate --shard I/N --json FILE`,
      );
    }
    return { path, result, shard: result.shard };
  });
  const first = shards[0]!;
  const count = first.shard.count;
  for (const s of shards) {
    if (s.shard.count !== count) {
      throw new MergeError(
        `${first.path} is shard ${first.shard.index}/${count} but ${s.path} is shard ${s.shard.index}/${s.shard.count}: shards of different splits do not merge`,
      );
    }
    for (const [field, words] of Object.entries(IDENTITY_FIELDS) as [
      keyof ShardIdentity,
      string,
    ][]) {
      const a = JSON.stringify(first.shard.identity[field]);
      const b = JSON.stringify(s.shard.identity[field]);
      if (a !== b) {
        throw new MergeError(
          `${first.path} and ${s.path} do not belong together: ${words} differ (${field}: ${a} vs ${b})`,
        );
      }
    }
  }
  const byIndex = new Map<number, (typeof shards)[number]>();
  for (const s of shards) {
    const twice = byIndex.get(s.shard.index);
    if (twice) {
      throw new MergeError(
        `shard ${s.shard.index}/${count} is given twice: ${twice.path} and ${s.path}`,
      );
    }
    byIndex.set(s.shard.index, s);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length > 0) {
    throw new MergeError(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} missing: merge needs all ${count} shards`,
    );
  }

  const identity = first.shard.identity;
  const qualities = identity.qualities;
  const shownCount = identity.clips.length;
  const clipCount = shownCount + identity.heldOut.length;
  const hasBaselines = identity.baselines.length > 0;
  for (const s of shards) {
    const expected = [...ownedUnits(s.shard, clipCount, qualities.length, hasBaselines)];
    if (JSON.stringify(expected) !== JSON.stringify(s.shard.units)) {
      throw new MergeError(
        `${s.path}: shard ${s.shard.index}/${count} lists units ${s.shard.units.join(", ")}, expected ${expected.join(", ")}`,
      );
    }
  }
  const ownerOf = (unit: WorkUnit) => shards.find((s) => s.shard.units.includes(unitName(unit)))!;
  const partialClip = (s: (typeof shards)[number], c: number): ClipResult | undefined =>
    c < shownCount ? s.result.clips[c] : s.shard.heldOutClips[c - shownCount];

  const failure = firstFailure(shards, qualities, shownCount);
  const clipsToAssemble = failure ? Math.min(failure.clip, shownCount) : clipCount;

  const assembled: ClipResult[] = [];
  for (let c = 0; c < clipsToAssemble; c++) {
    const rungs: Rung[] = [];
    const parent: (Rung | null)[] = [];
    for (let q = 0; q < qualities.length; q++) {
      const owner = ownerOf({ kind: "rung", clip: c, rung: q });
      const mine = [...owner.shard.units].filter((u) => u.startsWith(`c${c}/q`));
      const position = mine.indexOf(unitName({ kind: "rung", clip: c, rung: q }));
      const rung = partialClip(owner, c)?.rungs[position];
      if (!rung) {
        throw new MergeError(
          `${owner.path}: no rung ${qualities[q]} of clip #${c + 1}, though the shard owns it`,
        );
      }
      rungs.push(rung);
      parent.push(owner.shard.parentRungs[String(c)]?.[String(q)] ?? null);
    }
    const template = partialClip(first, c)!;
    const clip: ClipResult = { ...template, rungs, baselines: {}, bdRate: {} };
    delete clip.bdRateNotes;
    if (hasBaselines) {
      const owner = ownerOf({ kind: "baselines", clip: c });
      const targets = owner.shard.baselineTargets[String(c)];
      const rates = rungs.map((rung) => rung.bitsPerPixel);
      if (JSON.stringify(targets) !== JSON.stringify(rates)) {
        throw new MergeError(
          `${owner.path}: the baselines of clip #${c + 1} were chosen for rates ${JSON.stringify(targets)} ` +
            `but the shards measured ${JSON.stringify(rates)}: the encoder did not give the same bytes twice, ` +
            `so the shards do not add up to one run; evaluate without --shard`,
        );
      }
      const measured = partialClip(owner, c)?.baselines ?? {};
      for (const name of identity.baselines) {
        if (measured[name]) clip.baselines[name] = measured[name];
      }
    }
    if (identity.parentSha256 && first.shard.parentEncoder && parent.every((rung) => rung)) {
      const curve: BaselineResult = { encoder: first.shard.parentEncoder, rungs: parent as Rung[] };
      clip.baselines.parent = curve;
    }
    Object.assign(clip, compareCurves(clip.rungs, clip.baselines));
    assembled.push(clip);
  }

  const result: EvaluationResult = {
    codec: first.result.codec,
    status: "ok",
    failure: null,
    clips: assembled.slice(0, shownCount),
    verdict: null,
    ...(first.result.sandbox ? { sandbox: first.result.sandbox } : {}),
  };
  if (failure) {
    result.status = "failed";
    result.failure = failure.failure;
    return result;
  }
  const heldOut = assembled.slice(shownCount);
  result.summary = { bdRate: meanBdRate(result.clips) };
  if (heldOut.length > 0) result.heldOut = summariseHeldOut(heldOut);
  const settings = JSON.parse(identity.settings) as { adoption: AdoptionConfig | null };
  if (identity.parentSha256 && settings.adoption) {
    // As one machine would say it when pairing is off; else: no shard timed both codecs side by side.
    const reason = settings.adoption.pairedTimingFrames ? UNPAIRED.sharded : UNPAIRED.off;
    result.pairedTiming = { status: "unavailable", reason };
    result.verdict = decideVerdict(result, parentResultFrom(result, heldOut), settings.adoption);
  }
  return result;
}

/** The failure one machine would have reported: the first in clip and ladder order. */
function firstFailure(
  shards: readonly { result: EvaluationResult }[],
  qualities: readonly number[],
  shownCount: number,
): { clip: number; failure: Failure } | null {
  let best: { order: number; clip: number; failure: Failure } | null = null;
  for (const { result } of shards) {
    const failure = result.failure;
    if (result.status !== "failed" || !failure) continue;
    const clip = clipPosition(failure.clip, result, shownCount);
    const rung = failure.quality === undefined ? -1 : qualities.indexOf(failure.quality);
    const order = clip * (qualities.length + 1) + (rung < 0 ? qualities.length : rung);
    if (!best || order < best.order) best = { order, clip, failure };
  }
  return best ? { clip: best.clip, failure: best.failure } : null;
}

/** Position of a failure's clip label: a shown clip's name or "held-out clip #k"; -1 (first) when unknown, such as a validation failure. */
function clipPosition(
  label: string | undefined,
  result: EvaluationResult,
  shownCount: number,
): number {
  if (label === undefined) return -1;
  const heldOut = /^held-out clip #(\d+)$/.exec(label);
  if (heldOut) return shownCount + Number(heldOut[1]) - 1;
  const shown = result.clips.findIndex((clip) => clip.name === label);
  return shown >= 0 ? shown : -1;
}

export type { ShardInfo };
