/** The rate–distortion chart of one clip: PSNR-RGB over bits per pixel, one line per codec. */
import type { ClipResult, Rung } from "../evaluate/results.js";
import { codecColour } from "./codec-colours.js";
import type { ChartOption } from "./render-chart.js";

/** One codec's curve: its name and [bpp, PSNR-RGB] points sorted by rate. */
export interface RdSeries {
  name: string;
  points: [number, number][];
}

/** The curves of a clip: the candidate first, then the parent and the baselines in result order. */
export function rdSeriesOfClip(clip: ClipResult, candidateName = "candidate"): RdSeries[] {
  const series: RdSeries[] = [{ name: candidateName, points: rdPoints(clip.rungs) }];
  const names = Object.keys(clip.baselines).sort((a, b) => baselineRank(a) - baselineRank(b));
  for (const name of names) series.push({ name, points: rdPoints(clip.baselines[name]!.rungs) });
  return series.filter((s) => s.points.length > 0);
}

/** Rungs as chart points; a rung without a finite rate or quality (lossless: PSNR ∞) has no place on the axes. */
export function rdPoints(rungs: readonly Rung[]): [number, number][] {
  return rungs
    .filter((r) => Number.isFinite(r.bitsPerPixel) && Number.isFinite(r.psnrRgb))
    .map((r): [number, number] => [round(r.bitsPerPixel, 5), round(r.psnrRgb, 3)])
    .sort((a, b) => a[0] - b[0]);
}

/** The ECharts option of an RD chart. */
export function rdChartOption(title: string, series: readonly RdSeries[]): ChartOption {
  return {
    backgroundColor: "#ffffff",
    title: { text: title, left: "center", textStyle: { fontSize: 15 } },
    legend: { bottom: 0, itemGap: 24, data: series.map((s) => s.name) },
    tooltip: { trigger: "item" },
    grid: { left: 60, right: 30, top: 45, bottom: 60 },
    xAxis: {
      type: "value",
      name: "bits per pixel",
      nameLocation: "middle",
      nameGap: 25,
      min: 0,
    },
    yAxis: {
      type: "value",
      name: "PSNR-RGB (dB)",
      scale: true,
    },
    series: series.map((s) => ({
      name: s.name,
      type: "line",
      data: s.points,
      symbol: "circle",
      symbolSize: 6,
      color: codecColour(s.name),
      lineStyle: { width: s.name === series[0]?.name ? 3 : 2 },
    })),
  };
}

function baselineRank(name: string): number {
  const order = ["parent", "x265", "x265-ld", "x264", "av1", "jpeg"];
  const index = order.indexOf(name);
  return index === -1 ? order.length : index;
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
