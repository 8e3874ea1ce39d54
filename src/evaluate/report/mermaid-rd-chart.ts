/**
 * An RD chart as a Mermaid `xychart-beta` block (renders in PR comments and job
 * summaries). xychart-beta draws lines over a categorical x axis and has no
 * legend, so every curve is sampled with the project's PCHIP on one shared
 * grid of rates (log-spaced over the range all drawn curves cover, the range
 * BD-rate integrates over) and the caption names the lines in order. The exact
 * points are in the table next to it.
 */
import { Pchip } from "../rd/pchip.js";
import type { Rung } from "../results.js";
import { fixed } from "./rd-table.js";
import { mermaidLabel } from "./markdown-escape.js";

/** Bits per pixel → Mbps at 1080p30 (DESIGN.md "Metrics"). */
const MBPS_1080P30_PER_BPP = (1920 * 1080 * 30) / 1e6;
const GRID_POINTS = 8;
/** A curve joins the chart only while the shared range still spans this rate factor. */
const MIN_RANGE_FACTOR = 1.25;

export interface ChartCurve {
  name: string;
  rungs: readonly Rung[];
}

interface Fitted {
  name: string;
  lo: number;
  hi: number;
  curve: Pchip;
}

/** Fit PSNR-RGB over log bpp; null when the rungs cannot make a curve (too few, repeated, not finite). */
function fit(curve: ChartCurve): Fitted | null {
  const points = curve.rungs
    .filter(
      (r) => Number.isFinite(r.bitsPerPixel) && r.bitsPerPixel > 0 && Number.isFinite(r.psnrRgb),
    )
    .map((r) => ({ x: Math.log(r.bitsPerPixel), y: r.psnrRgb }))
    .sort((a, b) => a.x - b.x);
  const xs: number[] = [];
  const ys: number[] = [];
  for (const point of points) {
    if (xs.length > 0 && !(point.x > xs[xs.length - 1]!)) return null;
    xs.push(point.x);
    ys.push(point.y);
  }
  if (xs.length < 2) return null;
  return { name: curve.name, lo: xs[0]!, hi: xs[xs.length - 1]!, curve: new Pchip(xs, ys) };
}

/**
 * The chart of one clip, or null with the reason when fewer than two curves
 * share a rate range. `curves[0]` is the candidate; the others join in order
 * while the shared range stays wide enough.
 */
export function mermaidRdChart(
  title: string,
  curves: readonly ChartCurve[],
): { markdown: string; drawn: string[]; skipped: string[] } | { markdown: null; reason: string } {
  const fitted = curves.map(fit);
  const first = fitted[0];
  if (!first) return { markdown: null, reason: "the candidate's rungs do not form a curve" };
  const drawn: Fitted[] = [first];
  const skipped: string[] = [];
  let lo = first.lo;
  let hi = first.hi;
  for (const [i, other] of fitted.slice(1).entries()) {
    const nextLo = other ? Math.max(lo, other.lo) : Infinity;
    const nextHi = other ? Math.min(hi, other.hi) : -Infinity;
    if (other && nextHi - nextLo >= Math.log(MIN_RANGE_FACTOR)) {
      drawn.push(other);
      lo = nextLo;
      hi = nextHi;
    } else {
      skipped.push(curves[i + 1]!.name);
    }
  }
  if (drawn.length < 2) {
    return { markdown: null, reason: "no reference curve shares a rate range with the candidate" };
  }
  const grid = Array.from(
    { length: GRID_POINTS },
    (_, k) => lo + ((hi - lo) * k) / (GRID_POINTS - 1),
  );
  const lines = drawn.map((d) => grid.map((x) => d.curve.at(x)));
  const all = lines.flat();
  const yMin = Math.floor(Math.min(...all));
  const yMax = Math.ceil(Math.max(...all));
  const xLabels = grid.map((x) => `"${fixed(Math.exp(x) * MBPS_1080P30_PER_BPP, 2)}"`);
  const markdown = [
    "```mermaid",
    "xychart-beta",
    `  title "${mermaidLabel(title)}"`,
    `  x-axis "Mbps at 1080p30 (log-spaced)" [${xLabels.join(", ")}]`,
    `  y-axis "PSNR-RGB (dB)" ${yMin} --> ${yMax === yMin ? yMax + 1 : yMax}`,
    ...lines.map((values) => `  line [${values.map((v) => fixed(v, 2)).join(", ")}]`),
    "```",
  ].join("\n");
  return { markdown, drawn: drawn.map((d) => d.name), skipped };
}
