/** `--charts DIR`: RD chart per clip and, given the ledger, the evolution timeline, as SVG and PNG. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationResult } from "../evaluate/results.js";
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import { rdChartOption, rdSeriesOfClip } from "./rd-chart.js";
import { renderChartSvg, svgToPng, type ChartOption } from "./render-chart.js";
import { safeFileName } from "./safe-file-name.js";
import { timelineChartOption } from "./timeline-chart.js";

export const RD_CHART_SIZE = { width: 720, height: 460 };
export const TIMELINE_CHART_SIZE = { width: 960, height: 460 };

export interface WrittenChart {
  /** What the chart shows, e.g. "RD foreman" or "timeline". */
  title: string;
  svg: string;
  png: string;
}

/**
 * Write the charts of an evaluation under `dir` (created): `rd-<clip>.svg/.png`
 * per shown clip and, when `records` are given, `timeline.svg/.png`.
 * Returns the files written, for an artifact or a report to list.
 */
export async function writeCharts(
  result: EvaluationResult,
  dir: string,
  options: { records?: readonly LedgerRecord[] } = {},
): Promise<WrittenChart[]> {
  await mkdir(dir, { recursive: true });
  const jobs: { title: string; base: string; option: ChartOption; size: typeof RD_CHART_SIZE }[] =
    [];
  const used = new Set<string>();
  for (const clip of result.clips) {
    const series = rdSeriesOfClip(clip);
    if (series.length === 0) continue;
    let base = `rd-${safeFileName(clip.name)}`;
    for (let n = 2; used.has(base); n++) base = `rd-${safeFileName(clip.name)}-${n}`;
    used.add(base);
    jobs.push({
      title: `RD ${clip.name}`,
      base,
      option: rdChartOption(
        `${clip.name} (${clip.width}x${clip.height}, ${clip.frames} frames)`,
        series,
      ),
      size: RD_CHART_SIZE,
    });
  }
  if (options.records && options.records.length > 0) {
    jobs.push({
      title: "timeline",
      base: "timeline",
      option: timelineChartOption(options.records),
      size: TIMELINE_CHART_SIZE,
    });
  }
  const written: WrittenChart[] = [];
  for (const job of jobs) {
    const svg = renderChartSvg(job.option, job.size);
    const svgPath = join(dir, `${job.base}.svg`);
    const pngPath = join(dir, `${job.base}.png`);
    await writeFile(svgPath, svg);
    await writeFile(pngPath, await svgToPng(svg, 2));
    written.push({ title: job.title, svg: svgPath, png: pngPath });
  }
  return written;
}
