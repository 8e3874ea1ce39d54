/**
 * The adoption rule (issue 4 item 6): a candidate replaces the current best
 * when it is valid, above the quality floor, not too slow, and either needs
 * clearly fewer bits for the same quality (BD-rate, PSNR-RGB) or compresses
 * clearly more at no lower quality on every rung. The reason names the numbers
 * that decided it, so a reader can check it against the tables.
 */
import type { AdoptionConfig } from "../config/schema.js";
import type { ClipResult, EvaluationResult, Rung, Verdict } from "./results.js";
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

  const speed = speedCheck(candidate, parent, rule.maxEncodeSlowdown);
  if (!speed.ok) return { adopt: false, reason: `rejected: ${speed.text}` };

  const bits = bitSavingCheck(candidate, rule.minBitSavingPercent);
  const ratio = ratioGainCheck(candidate, parent, rule.minRatioGainPercent);
  if (bits.ok) return { adopt: true, reason: `adopted: ${bits.text}; ${speed.text}` };
  if (ratio.ok) return { adopt: true, reason: `adopted: ${ratio.text}; ${speed.text}` };
  return { adopt: false, reason: `rejected: ${bits.text}; ${ratio.text}; ${speed.text}` };
}

interface Check {
  ok: boolean;
  text: string;
}

/** Mean BD-rate vs parent over every shown clip (and held-out clips), which must all be defined. */
function bitSavingCheck(candidate: EvaluationResult, minSavingPercent: number): Check {
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
      return { ok: false, text: `BD-rate vs parent not computable on the held-out clips` };
    }
    // Weighted by clip count: the held-out clips count as much as the shown ones each.
    decisive =
      (shownMean * values.length + heldValue * heldOut.clips) / (values.length + heldOut.clips);
    heldText = `, held-out ${pct(heldValue)} over ${heldOut.clips} clip(s), all clips ${pct(decisive)}`;
  }
  const ok = decisive <= threshold;
  return {
    ok,
    text:
      `BD-rate vs parent ${pct(shownMean)} (PSNR-RGB, mean of ${values.length} clip(s)${heldText}) ` +
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
      `compression ratio ${minGain.toFixed(2)}x the parent's at worst over ${compared} rung(s) ` +
      `(needed ${needed.toFixed(2)}x), quality at worst ${signed(worstPsnrDelta)} dB PSNR-RGB (needed ≥ 0)${heldText}`,
  };
}

/** Mean encode fps over the shown rungs against the parent's, within the allowed slowdown. */
function speedCheck(
  candidate: EvaluationResult,
  parent: EvaluationResult,
  slowdown: number,
): Check {
  const candidateFps = meanEncodeFps(candidate.clips);
  const parentFps = meanEncodeFps(parent.clips);
  if (!Number.isFinite(parentFps) || parentFps <= 0) {
    return { ok: true, text: `encode ${fps(candidateFps)} fps (parent speed unknown)` };
  }
  const floor = parentFps / slowdown;
  const ok = candidateFps >= floor;
  return {
    ok,
    text:
      `encode ${fps(candidateFps)} fps vs parent ${fps(parentFps)} fps ` +
      `(${ok ? "within" : "below"} the limit of ${fps(floor)} fps = parent ÷ ${slowdown})`,
  };
}

function meanEncodeFps(clips: readonly ClipResult[]): number {
  const rungs: Rung[] = clips.flatMap((clip) => clip.rungs);
  return rungs.length ? mean(rungs.map((rung) => rung.encodeFps)) : NaN;
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function fps(value: number): string {
  return Number.isFinite(value) ? value.toFixed(1) : "n/a";
}
