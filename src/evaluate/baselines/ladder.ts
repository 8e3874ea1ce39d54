/**
 * Picks the knob values (CRF, JPEG quality) of a baseline's rate–distortion
 * ladder so that it spans the candidate's rates.
 *
 * For every target rate the search tries knob values (interpolating log-rate
 * between known encodes, bisecting when that is slow, extrapolating from the
 * known slope when the target is outside what has been tried) until one lands
 * within TARGET_TOLERANCE_OCTAVES of it, or two adjacent knob values bracket
 * it. Encodes are remembered, so targets share them. The ladder holds a rung
 * near each target, plus one rung below `min(targets) / EXTEND_FACTOR` and one
 * above `max(targets) * EXTEND_FACTOR` (within a further factor of 2, or at the
 * end of the knob's range): a baseline that is much better (x265)
 * or much worse (JPEG) than the candidate reaches the candidate's *qualities*
 * at rates well outside the candidate's rates, and BD-rate needs the quality
 * ranges to overlap.
 *
 * Earlier encodes (the baseline cache) seed the search: every cached knob
 * value counts as already tried, and where several known rungs would do
 * (within tolerance of a target, beyond an end, inside a gap) one that is
 * already scored is taken over a nearer one that is not, and a scored rung
 * stands for a target within the wider SCORED_TOLERANCE_OCTAVES. A candidate whose
 * rates moved a little from a cached one's then needs no new encode or
 * decode; a cold search (nothing known) is exactly as before.
 *
 * Rate is assumed non-decreasing in the knob's "more bits" direction; where an
 * encoder breaks that by a few bytes the search still ends (it only ever tries
 * knob values strictly inside the current bracket).
 */
import type { KnobScale } from "./baseline-encoder.js";

/** How far beyond the candidate's lowest and highest rate the ladder reaches (factor on bpp). */
export const EXTEND_FACTOR = 4;
/** Fewest rungs a ladder has (BD-rate needs at least 4 per curve). */
export const MIN_RUNGS = 5;
/** Closest two rungs may be, in knob steps (adjacent CRFs differ by noise more than by rate). */
export const MIN_SPACING = 2;
/** A known rung within this many octaves of a target's rate stands for it (2^0.15: 11 %). */
export const TARGET_TOLERANCE_OCTAVES = 0.15;
/**
 * An already scored rung (from the cache) stands for a target this many octaves
 * away (2^0.3: 23 %): reusing it costs nothing, a new rung costs an encode, a
 * decode and scoring, and BD-rate interpolates between rungs anyway.
 */
export const SCORED_TOLERANCE_OCTAVES = 0.3;
/** Interpolation guesses per target before the search falls back to bisection. */
const INTERPOLATION_TRIES = 2;

/** What earlier runs already measured on this clip (the baseline cache). */
export interface KnownEncodes {
  /** Knob value → bits per pixel of an earlier encode. */
  readonly rates: ReadonlyMap<number, number>;
  /** Whether the encode at this knob value has already been decoded and scored. */
  readonly scored: (knob: number) => boolean;
}

/** Knob values for a ladder spanning `targets` (bits per pixel); sorted from lowest to highest rate. */
export async function chooseLadder(
  scale: KnobScale,
  targets: readonly number[],
  bitsPerPixelAt: (knob: number) => Promise<number>,
  earlier?: KnownEncodes,
): Promise<number[]> {
  const usable = targets.filter((t) => Number.isFinite(t) && t > 0);
  if (usable.length === 0) return sortByRate(scale, [...scale.defaultLadder]);

  // Work on a "rate position" u = 0..n that spends more bits as it grows.
  const n = scale.max - scale.min;
  const knobAt = (u: number): number => (scale.moreBitsWhenHigher ? scale.min + u : scale.max - u);
  const positionOf = (knob: number): number =>
    scale.moreBitsWhenHigher ? knob - scale.min : scale.max - knob;
  const known = new Map<number, number>();
  for (const [knob, rate] of earlier?.rates ?? []) {
    if (Number.isInteger(knob) && knob >= scale.min && knob <= scale.max && rate > 0) {
      known.set(positionOf(knob), rate);
    }
  }
  const scored = (u: number): boolean => earlier?.scored(knobAt(u)) ?? false;
  const rateAt = async (u: number): Promise<number> => {
    let rate = known.get(u);
    if (rate === undefined) {
      rate = await bitsPerPixelAt(knobAt(u));
      known.set(u, rate);
    }
    return rate;
  };

  /** Tries knob values until `pick` accepts one (or the bracket around `target` is one step wide). */
  const search = async (
    target: number,
    pick: (lo: number, hi: number) => number | null,
    fallback: (lo: number, hi: number) => number,
  ): Promise<number> => {
    for (let tries = 0; ; tries++) {
      const { lo, hi } = currentBracket(known, target, n);
      const picked = known.size > 0 ? pick(lo, hi) : null;
      if (picked !== null) return picked;
      if (hi - lo <= 1) return fallback(lo, hi);
      const guess =
        known.size === 0
          ? positionOf(scale.start)
          : nextGuess(known, target, lo, hi, n, scale.stepsPerDoubling, tries);
      await rateAt(guess);
    }
  };

  const chosen = new Set<number>();
  for (const target of usable) {
    const close = (): number | null => closeEnough(known, target, scored);
    chosen.add(await search(target, close, (lo, hi) => nearest(known, target, lo, hi, n)));
  }
  // The extensions only need a rung on the far side, not far beyond it.
  const low = Math.min(...usable) / EXTEND_FACTOR;
  chosen.add(
    await search(
      low,
      (lo) =>
        lo >= 0 && known.get(lo)! >= low / 2 ? preferScored(known, lo, low / 2, low, scored) : null,
      (lo) => Math.max(lo, 0),
    ),
  );
  const high = Math.max(...usable) * EXTEND_FACTOR;
  chosen.add(
    await search(
      high,
      (_lo, hi) =>
        hi <= n && known.get(hi)! <= high * 2
          ? preferScored(known, hi, high, high * 2, scored)
          : null,
      (_lo, hi) => Math.min(hi, n),
    ),
  );

  const positions = fillGaps(
    spaced([...chosen].sort((a, b) => a - b)),
    n,
    (u) => known.has(u) && scored(u),
  );
  return positions.map(knobAt);
}

/** Orders knob values from lowest to highest rate. */
function sortByRate(scale: KnobScale, knobs: number[]): number[] {
  return knobs.sort((a, b) => (scale.moreBitsWhenHigher ? a - b : b - a));
}

/**
 * hi = the lowest known position whose rate exceeds target (n+1 if none);
 * lo = the highest known position below hi whose rate does not (-1 if none).
 */
function currentBracket(
  known: ReadonlyMap<number, number>,
  target: number,
  n: number,
): { lo: number; hi: number } {
  let hi = n + 1;
  for (const [u, rate] of known) if (rate > target && u < hi) hi = u;
  let lo = -1;
  for (const [u, rate] of known) if (rate <= target && u < hi && u > lo) lo = u;
  return { lo, hi };
}

/** The next position to try, strictly inside (lo, hi) and within 0..n. */
function nextGuess(
  known: ReadonlyMap<number, number>,
  target: number,
  lo: number,
  hi: number,
  n: number,
  stepsPerDoubling: number,
  tries: number,
): number {
  const first = Math.max(lo + 1, 0);
  const last = Math.min(hi - 1, n);
  const clamp = (u: number): number => Math.min(last, Math.max(first, Math.round(u)));
  if (lo >= 0 && hi <= n) {
    if (tries >= INTERPOLATION_TRIES) return clamp((lo + hi) / 2);
    const rLo = Math.log2(known.get(lo)!);
    const rHi = Math.log2(known.get(hi)!);
    const t = Math.log2(target);
    return rHi > rLo ? clamp(lo + ((t - rLo) / (rHi - rLo)) * (hi - lo)) : clamp((lo + hi) / 2);
  }
  // Outside what is known: extrapolate from the nearest known point by the slope
  // of the two nearest known points on that side, or the scale's own guess.
  const anchor = lo >= 0 ? lo : hi;
  const slope = knownSlope(known, anchor, lo >= 0 ? -1 : 1) ?? stepsPerDoubling;
  const steps = Math.abs(Math.log2(target / known.get(anchor)!)) * slope;
  const move = Math.max(1, Math.ceil(steps));
  return clamp(lo >= 0 ? anchor + move : anchor - move);
}

/** Knob steps per doubling of rate between `anchor` and its nearest known neighbour in `direction`, if sensible. */
function knownSlope(
  known: ReadonlyMap<number, number>,
  anchor: number,
  direction: -1 | 1,
): number | null {
  let other: number | null = null;
  for (const u of known.keys()) {
    if (
      (u - anchor) * direction > 0 &&
      (other === null || Math.abs(u - anchor) < Math.abs(other - anchor))
    ) {
      other = u;
    }
  }
  if (other === null) return null;
  const doublings = Math.log2(known.get(anchor)! / known.get(other)!);
  const slope = (anchor - other) / doublings;
  return Number.isFinite(slope) && slope > 0 ? slope : null;
}

/**
 * The known position whose rate is nearest `target`, if within
 * TARGET_TOLERANCE_OCTAVES; a scored one within SCORED_TOLERANCE_OCTAVES before
 * any unscored one.
 */
function closeEnough(
  known: ReadonlyMap<number, number>,
  target: number,
  scored: (u: number) => boolean,
): number | null {
  let best: number | null = null;
  let bestScored = false;
  let bestDistance = Infinity;
  for (const [u, rate] of known) {
    const distance = Math.abs(Math.log2(rate / target));
    const isScored = scored(u);
    if (distance > (isScored ? SCORED_TOLERANCE_OCTAVES : TARGET_TOLERANCE_OCTAVES)) continue;
    const better =
      best === null ||
      (isScored && !bestScored) ||
      (isScored === bestScored && distance <= bestDistance); // ties: the later one, as before
    if (better) {
      best = u;
      bestScored = isScored;
      bestDistance = distance;
    }
  }
  return best;
}

/** `found`, or a scored known position whose rate is also within [from, to] (the one nearest `found`). */
function preferScored(
  known: ReadonlyMap<number, number>,
  found: number,
  from: number,
  to: number,
  scored: (u: number) => boolean,
): number {
  if (scored(found)) return found;
  let best = found;
  for (const [u, rate] of known) {
    if (rate < from || rate > to || !scored(u)) continue;
    if (best === found || Math.abs(u - found) < Math.abs(best - found)) best = u;
  }
  return best;
}

/** The end of the bracket (lo, hi) whose rate is nearer `target` in log terms, within 0..n. */
function nearest(
  known: ReadonlyMap<number, number>,
  target: number,
  lo: number,
  hi: number,
  n: number,
): number {
  if (lo < 0) return 0;
  if (hi > n) return n;
  const below = Math.log2(target / known.get(lo)!);
  const above = Math.log2(known.get(hi)! / target);
  return below <= above ? lo : hi;
}

/** Drops positions closer than MIN_SPACING to the previous kept one, keeping both extremes. */
function spaced(sorted: number[]): number[] {
  const kept: number[] = [];
  for (const u of sorted) {
    if (kept.length === 0 || u - kept[kept.length - 1]! >= MIN_SPACING) kept.push(u);
  }
  const last = sorted[sorted.length - 1];
  if (last !== undefined && kept[kept.length - 1] !== last) {
    if (kept.length > 1) kept.pop();
    kept.push(last);
  }
  return kept;
}

/**
 * Adds a rung inside the widest gap until there are MIN_RUNGS positions (or no
 * room is left): the midpoint, or the `reusable` position nearest it that keeps
 * MIN_SPACING from both ends.
 */
function fillGaps(sorted: number[], n: number, reusable: (u: number) => boolean): number[] {
  const positions = [...sorted];
  if (positions.length < 2) {
    // Every target clamped to one end: widen towards the other end.
    for (const end of [0, n]) if (!positions.includes(end)) positions.push(end);
    positions.sort((a, b) => a - b);
  }
  while (positions.length < MIN_RUNGS) {
    let widest = 0;
    for (let i = 1; i < positions.length; i++) {
      if (positions[i]! - positions[i - 1]! > positions[widest + 1]! - positions[widest]!) {
        widest = i - 1;
      }
    }
    const a = positions[widest]!;
    const b = positions[widest + 1]!;
    if (b - a < 2) break;
    const middle = Math.round((a + b) / 2);
    let fill = middle;
    for (let u = a + MIN_SPACING; u <= b - MIN_SPACING; u++) {
      if (reusable(u) && (!reusable(fill) || Math.abs(u - middle) < Math.abs(fill - middle))) {
        fill = u;
      }
    }
    positions.splice(widest + 1, 0, fill);
  }
  return positions;
}
