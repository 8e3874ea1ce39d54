/**
 * The adoption rule (issue 4 item 6): a candidate replaces the current best
 * when it is valid, above the quality floor, not too slow, and either needs
 * clearly fewer bits for the same quality (BD-rate, PSNR-RGB), compresses
 * clearly more at no lower quality on every rung, or encodes clearly faster
 * with no more bits (Pareto: better on speed, no worse on rate-distortion;
 * judged per CPU second only, see speedupCheck).
 * The reason names the numbers that decided it, so a reader can check it
 * against the tables.
 */
import type { AdoptionConfig } from "../config/schema.js";
import { tooFewRungsNote } from "./rd/compare-curves.js";
import type { ClipResult, EvaluationResult, PairedTiming, Rung, Verdict } from "./results.js";
import { signedNumber as signed, signedPercent as pct } from "../format/signed-percent.js";

/** Adopt or not, and why, by the configured rule (issue 4 item 6). */
export function decideVerdict(
  candidate: EvaluationResult,
  parent: EvaluationResult,
  rule: AdoptionConfig,
): Verdict {
  if (candidate.status !== "ok" || candidate.failure) {
    const failure = candidate.failure;
    const what = failure ? `${failure.category}: ${failure.message}` : "status is not ok";
    return { adopt: false, reason: `rejected: the candidate failed evaluation (${what})` };
  }
  if (candidate.clips.length === 0) {
    return { adopt: false, reason: "rejected: no clip was scored" };
  }
  // Adoption rests on BD-rate; a ladder too short for it cannot adopt, by either rule.
  const shortest = Math.min(...candidate.clips.map((clip) => clip.rungs.length));
  const tooFew = tooFewRungsNote(shortest);
  if (tooFew) {
    return { adopt: false, reason: `rejected: cannot adopt without BD-rate: ${tooFew}` };
  }

  const speeds = encodeSpeeds(candidate.clips, parent.clips, candidate.pairedTiming);
  const speed = speedCheck(speeds, rule.maxEncodeSlowdown, rule.minEncodeSpeedup);
  if (!speed.ok) return { adopt: false, reason: `rejected: ${speed.text}` };

  const bits = bitSavingCheck(candidate, rule.minBitSavingPercent);
  const ratio = ratioGainCheck(candidate, parent, rule.minRatioGainPercent);
  if (bits.ok) return { adopt: true, reason: `adopted: ${bits.text}; ${speed.text}` };
  if (ratio.ok) return { adopt: true, reason: `adopted: ${ratio.text}; ${speed.text}` };
  const faster = speedupCheck(speeds, parent, bits.decisive, rule.minEncodeSpeedup);
  if (faster.ok) return { adopt: true, reason: `adopted: ${faster.text}; ${bits.text}` };
  const fasterText = faster.text ? `; ${faster.brief ?? faster.text}` : "";
  return {
    adopt: false,
    reason: `rejected: ${bits.text}; ${ratio.text}; ${speed.text}${fasterText}`,
  };
}

interface Check {
  ok: boolean;
  text: string;
  /** A shorter text for a rejection that already names the same figures (reasons are bounded). */
  brief?: string;
}

/**
 * Mean encode fps over the shown rungs of the candidate and of the parent (NaN: none),
 * per CPU second when both sides carry CPU times on every rung, else wall clock.
 * `paired`: the two codecs timed side by side; when present the rules judge its ratio,
 * not the ratio of the means. `unpairedWhy`: why there is none, when the evaluator said.
 */
interface EncodeSpeeds {
  candidate: number;
  parent: number;
  clock: "CPU" | "wall";
  paired: Extract<PairedTiming, { status: "ok" }> | null;
  unpairedWhy: string | null;
}

/** The bit-saving check, with the decisive BD-rate (all clips) when it could be computed. */
interface BitsCheck extends Check {
  decisive: number | null;
}

/** Mean BD-rate vs parent over every shown clip (and held-out clips), which must all be defined. */
function bitSavingCheck(candidate: EvaluationResult, minSavingPercent: number): BitsCheck {
  const threshold = -minSavingPercent;
  const values: number[] = [];
  const undefinedOn: string[] = [];
  for (const clip of candidate.clips) {
    const value = clip.bdRate.parent;
    if (typeof value === "number" && Number.isFinite(value)) values.push(value);
    else undefinedOn.push(clip.name);
  }
  // A clip whose BD-rate cannot be computed is not skipped: a codec could otherwise
  // win by making its curve incomparable on the clips where it loses.
  if (undefinedOn.length > 0) {
    const note = candidate.clips.find((c) => c.name === undefinedOn[0])?.bdRateNotes?.parent;
    return {
      ok: false,
      decisive: null,
      text:
        `BD-rate vs parent not computable on ${undefinedOn.join(", ")}` +
        (note ? ` (${note})` : ""),
    };
  }
  const shownMean = mean(values);
  const heldOut = candidate.heldOut;
  let decisive = shownMean;
  let heldText = "";
  if (heldOut && heldOut.clips > 0) {
    const heldValue = heldOut.bdRate.parent;
    if (typeof heldValue !== "number" || !Number.isFinite(heldValue)) {
      return {
        ok: false,
        decisive: null,
        text: `BD-rate vs parent not computable on the held-out clips`,
      };
    }
    // Weighted by clip count: the held-out clips count as much as the shown ones each.
    decisive =
      (shownMean * values.length + heldValue * heldOut.clips) / (values.length + heldOut.clips);
    heldText = `, held-out ${pct(heldValue)} over ${heldOut.clips} clip(s), all clips ${pct(decisive, digitsBeside(decisive, threshold))}`;
  }
  const ok = decisive <= threshold;
  const shownDigits = heldText ? 2 : digitsBeside(shownMean, threshold);
  return {
    ok,
    decisive,
    text:
      `BD-rate vs parent ${pct(shownMean, shownDigits)} (PSNR-RGB, mean of ${values.length} clip(s)${heldText}) ` +
      `${ok ? "≤" : ">"} ${pct(threshold)}`,
  };
}

/** Compression ratio at least (1 + gain) times the parent's at no lower PSNR-RGB, on every common rung. */
function ratioGainCheck(
  candidate: EvaluationResult,
  parent: EvaluationResult,
  minGainPercent: number,
): Check {
  const needed = 1 + minGainPercent / 100;
  let minGain = Infinity;
  let worstPsnrDelta = Infinity;
  let compared = 0;
  const missing: string[] = [];
  for (const clip of candidate.clips) {
    const parentClip = parent.clips.find((c) => c.name === clip.name);
    for (const rung of clip.rungs) {
      const parentRung = parentClip?.rungs.find((r) => r.quality === rung.quality);
      if (!parentRung) {
        missing.push(`${clip.name} q${rung.quality}`);
        continue;
      }
      compared++;
      minGain = Math.min(minGain, rung.compressionRatio / parentRung.compressionRatio);
      worstPsnrDelta = Math.min(worstPsnrDelta, rung.psnrRgb - parentRung.psnrRgb);
    }
  }
  if (compared === 0 || missing.length > 0) {
    return {
      ok: false,
      text: `compression ratio not comparable with the parent (no parent rung for ${missing.slice(0, 3).join(", ") || "any rung"})`,
    };
  }
  let heldOk = true;
  let heldText = "";
  const candHeld = candidate.heldOut;
  const parentHeld = parent.heldOut;
  if (candHeld && candHeld.clips > 0) {
    if (!parentHeld || parentHeld.clips !== candHeld.clips) {
      heldOk = false;
      heldText = "; held-out clips have no parent figures";
    } else {
      const heldGain = parentHeld.meanBitsPerPixel / candHeld.meanBitsPerPixel;
      const heldPsnr = candHeld.meanPsnrRgb - parentHeld.meanPsnrRgb;
      heldOk = heldGain >= needed && heldPsnr >= 0;
      heldText = `; held-out ${heldGain.toFixed(2)}x at ${signed(heldPsnr)} dB`;
    }
  }
  const ok = minGain >= needed && worstPsnrDelta >= 0 && heldOk;
  return {
    ok,
    text:
      `compression ratio ${minGain.toFixed(digitsBeside(minGain, needed))}x the parent's at worst over ${compared} rung(s) ` +
      `(needed ${needed.toFixed(2)}x), quality at worst ${signed(worstPsnrDelta)} dB PSNR-RGB (needed ≥ 0)${heldText}`,
  };
}

/**
 * Encode speed against the parent's, within the allowed slowdown: the paired ratio when
 * there is one, else the mean fps over the shown rungs. The ratio is printed with the
 * decimals that tell it from the speed path's threshold too, as the speed path prints it.
 */
function speedCheck(speeds: EncodeSpeeds, slowdown: number, minSpeedup: number | null): Check {
  const { candidate: candidateFps, parent: parentFps, paired } = speeds;
  if (paired) {
    const floor = 1 / slowdown;
    const ok = paired.speedup >= floor;
    const digits = Math.max(
      digitsBeside(paired.speedup, floor),
      minSpeedup === null ? 0 : digitsBeside(paired.speedup, minSpeedup),
    );
    return {
      ok,
      text:
        `encode ${paired.speedup.toFixed(digits)}x the parent's speed ${pairedText(paired)} ` +
        `(${ok ? "within" : "below"} the limit of ${times(floor)} = 1 ÷ ${slowdown})`,
    };
  }
  if (!Number.isFinite(parentFps) || parentFps <= 0) {
    return {
      ok: true,
      text: `encode ${fps(candidateFps)} ${speedUnit(speeds)} (parent speed unknown)`,
    };
  }
  const floor = parentFps / slowdown;
  const ok = candidateFps >= floor;
  const unit = speedUnit(speeds);
  return {
    ok,
    text:
      `encode ${fps(candidateFps)} ${unit} vs parent ${fps(parentFps)} ${unit}${unpairedText(speeds)} ` +
      `(${ok ? "within" : "below"} the limit of ${fps(floor)} ${unit} = parent ÷ ${slowdown})`,
  };
}

/**
 * Below this much timed encoding (the parent's, over the shown rungs) a speed
 * ratio is mostly scheduler noise: tiny test clips encode in milliseconds.
 */
const MIN_TIMED_SECONDS = 2;

/** Seconds spent in the encoder over every rung of `clips` on the given clock, from frames and fps. */
function encodeSeconds(clips: readonly ClipResult[], clock: EncodeSpeeds["clock"]): number {
  const rate = (rung: Rung) => (clock === "CPU" ? (cpuFps(rung) ?? NaN) : rung.encodeFps);
  return clips.reduce(
    (sum, clip) =>
      sum + clip.rungs.reduce((s, rung) => s + clip.frames / Math.max(rate(rung), 1e-9), 0),
    0,
  );
}

/** How the paired ratio was measured, for a reader checking the verdict. */
function pairedText(paired: Extract<PairedTiming, { status: "ok" }>): string {
  const { min, max } = paired.chunkSpeedups;
  return `per CPU second, side by side (${paired.frames} frames, chunks ${times(min)}–${times(max)})`;
}

/** A speed ratio with two decimals, or two significant digits below 0.1 (1 ÷ 1000 is not 0.00x). */
function times(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}x`;
}

/** Says that the speeds are means of separate runs, and why there is no paired ratio when known. */
function unpairedText(speeds: EncodeSpeeds): string {
  return `, means of separate runs${speeds.unpairedWhy ? ` (not paired: ${speeds.unpairedWhy})` : ""}`;
}

/** "fps" on the wall clock, "fps (CPU)" per CPU second. */
function speedUnit(speeds: EncodeSpeeds): string {
  return speeds.clock === "CPU" ? "fps (CPU)" : "fps";
}

/**
 * Decimals to print `value` with beside the `threshold` it is judged against: `digits`, or more
 * (up to 6) where that rounding would read as the threshold itself, so that a measured 1.4987x
 * is not shown as "1.50x" next to "needed 1.50x ✗".
 */
function digitsBeside(value: number, threshold: number, digits = 2): number {
  let shown = digits;
  while (shown < 6 && value !== threshold && value.toFixed(shown) === threshold.toFixed(shown))
    shown++;
  return shown;
}

/**
 * The speed path: encode fps at least `minSpeedup` times the parent's and no more
 * bits (the decisive BD-rate, held-out clips included, at most 0), so a faster
 * codec cannot trade bits for speed. Judged only per CPU second: wall-clock fps
 * follow the run's own load, and swung 2.26x between two codecs of the same speed
 * on a shared box, while CPU time is the single-threaded encoder's own work.
 */
function speedupCheck(
  speeds: EncodeSpeeds,
  parent: EvaluationResult,
  decisiveBdRate: number | null,
  minSpeedup: number | null,
): Check {
  if (minSpeedup === null) return { ok: false, text: "" };
  const noMoreBits = decisiveBdRate !== null && decisiveBdRate <= 0;
  const bdText =
    decisiveBdRate === null ? "n/a" : pct(decisiveBdRate, digitsBeside(decisiveBdRate, 0));
  const bitsText = `at BD-rate vs parent ${bdText} (needed ≤ 0 ${noMoreBits ? "✓" : "✗"})`;
  const { candidate: candidateFps, parent: parentFps, paired } = speeds;
  if (paired) {
    if (paired.parentCpuSeconds < MIN_TIMED_SECONDS) {
      return {
        ok: false,
        text:
          `speed-up not judged: the parent's paired timing is ${paired.parentCpuSeconds.toFixed(2)} CPU s, ` +
          `under ${MIN_TIMED_SECONDS} s (too short to time reliably)`,
      };
    }
    const fastEnough = paired.speedup >= minSpeedup;
    const needed = `needed ${minSpeedup.toFixed(2)}x ${fastEnough ? "✓" : "✗"}, ${bitsText}`;
    const shown = paired.speedup.toFixed(digitsBeside(paired.speedup, minSpeedup));
    return {
      ok: fastEnough && noMoreBits,
      text: `encode ${shown}x the parent's speed ${pairedText(paired)}; ${needed}`,
      brief: `speed-up ${shown}x side by side: ${needed}`,
    };
  }
  if (!Number.isFinite(parentFps) || parentFps <= 0 || !Number.isFinite(candidateFps)) {
    return { ok: false, text: "speed-up vs parent unknown (no parent speed)" };
  }
  if (speeds.clock !== "CPU") {
    return {
      ok: false,
      text: "speed-up not judged: no CPU times on every rung of both codecs (wall clock follows the machine's load)",
    };
  }
  const parentSeconds = encodeSeconds(parent.clips, speeds.clock);
  if (parentSeconds < MIN_TIMED_SECONDS) {
    return {
      ok: false,
      text:
        `speed-up not judged: the parent's timed encoding is ${parentSeconds.toFixed(2)} CPU s, ` +
        `under ${MIN_TIMED_SECONDS} s (too short to time reliably)`,
    };
  }
  const speedup = candidateFps / parentFps;
  const fastEnough = speedup >= minSpeedup;
  return {
    ok: fastEnough && noMoreBits,
    text:
      `encode ${speedup.toFixed(digitsBeside(speedup, minSpeedup))}x the parent's speed (${fps(candidateFps)} ${speedUnit(speeds)} vs ${fps(parentFps)} ${speedUnit(speeds)}${unpairedText(speeds)}; ` +
      `needed ${minSpeedup.toFixed(2)}x ${fastEnough ? "✓" : "✗"}) ${bitsText}`,
  };
}

/**
 * Both codecs' mean encode fps on one clock: CPU time where every rung of both has it
 * (the encoder runs one thread, so CPU time is its work, whatever else the machine runs).
 */
function encodeSpeeds(
  candidate: readonly ClipResult[],
  parent: readonly ClipResult[],
  pairedTiming: PairedTiming | undefined,
): EncodeSpeeds {
  const rungs = [...candidate, ...parent].flatMap((clip) => clip.rungs);
  const cpu = rungs.every((rung) => cpuFps(rung) !== null);
  const pick = cpu ? (rung: Rung) => cpuFps(rung)! : (rung: Rung) => rung.encodeFps;
  // A ratio no finite positive number is no measurement: fall back, and say so.
  const paired =
    pairedTiming?.status === "ok" &&
    Number.isFinite(pairedTiming.speedup) &&
    pairedTiming.speedup > 0
      ? pairedTiming
      : null;
  const unpairedWhy = paired
    ? null
    : pairedTiming?.status === "unavailable"
      ? pairedTiming.reason
      : pairedTiming
        ? "the paired ratio is not a positive number"
        : null;
  return {
    candidate: meanOver(candidate, pick),
    parent: meanOver(parent, pick),
    clock: cpu ? "CPU" : "wall",
    paired,
    unpairedWhy,
  };
}

function cpuFps(rung: Rung): number | null {
  const value = rung.encodeCpuFps;
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : null;
}

function meanOver(clips: readonly ClipResult[], pick: (rung: Rung) => number): number {
  const rungs: Rung[] = clips.flatMap((clip) => clip.rungs);
  return rungs.length ? mean(rungs.map(pick)) : NaN;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function fps(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : "n/a";
}
