/**
 * The evolution timeline: every attempt in ledger order, BD-rate against x265
 * for versions and rejected candidates (right axis: the same figure as bits
 * spent at equal quality, x265 = 100%), and a lower band for the attempts
 * that produced no figures (failed, invalid, duplicate).
 */
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import { STATUS_COLOURS } from "./codec-colours.js";
import { niceRange } from "./nice-range.js";
import type { ChartOption } from "./render-chart.js";

/** Statuses drawn in the lower band, with no figures. */
export const NO_FIGURE_STATUSES = ["failed", "invalid", "duplicate"] as const;

/** One drawn point: the attempt's position in the ledger, its y value and its id (to open its detail). */
export interface TimelinePoint {
  name: string;
  value: [number, number | string];
}

/** The points of the timeline, by series name. */
export function timelinePoints(records: readonly LedgerRecord[]): Record<string, TimelinePoint[]> {
  const points: Record<string, TimelinePoint[]> = {
    versions: [],
    rejected: [],
    ...Object.fromEntries(NO_FIGURE_STATUSES.map((s) => [s, []])),
  };
  records.forEach((record, index) => {
    const x = index + 1;
    const bd = record.metrics?.bdRateX265 ?? null;
    if (record.version !== null) {
      if (bd !== null) points.versions!.push({ name: record.id, value: [x, round2(bd)] });
    } else if (record.status === "rejected") {
      if (bd !== null) points.rejected!.push({ name: record.id, value: [x, round2(bd)] });
    } else if ((NO_FIGURE_STATUSES as readonly string[]).includes(record.status)) {
      points[record.status]!.push({ name: record.id, value: [x, record.status] });
    }
  });
  return points;
}

/** The ECharts option of the timeline. */
export function timelineChartOption(records: readonly LedgerRecord[]): ChartOption {
  const points = timelinePoints(records);
  const range = niceRange(
    [...points.versions!, ...points.rejected!].map((p) => p.value[1] as number),
  );
  const xMax = Math.max(records.length, 1);
  const grid = { left: 60, right: 70 };
  return {
    backgroundColor: "#ffffff",
    title: {
      text: "Evolution: BD-rate vs x265 per attempt",
      left: "center",
      textStyle: { fontSize: 15 },
    },
    legend: { bottom: 0 },
    tooltip: { trigger: "item" },
    grid: [
      { ...grid, top: 45, bottom: 150 },
      { ...grid, height: 60, bottom: 55 },
    ],
    xAxis: [
      { type: "value", gridIndex: 0, min: 0, max: xMax, axisLabel: { show: false } },
      {
        type: "value",
        gridIndex: 1,
        min: 0,
        max: xMax,
        name: "attempt",
        nameLocation: "middle",
        nameGap: 25,
      },
    ],
    yAxis: [
      { type: "value", gridIndex: 0, name: "BD-rate vs x265 (%)", ...range },
      {
        type: "value",
        gridIndex: 0,
        position: "right",
        name: "bits vs x265 (%)",
        min: 100 + range.min,
        max: 100 + range.max,
        interval: range.interval,
        splitLine: { show: false },
      },
      { type: "category", gridIndex: 1, data: [...NO_FIGURE_STATUSES], inverse: true },
    ],
    series: [
      {
        name: "versions",
        type: "line",
        step: "end",
        xAxisIndex: 0,
        yAxisIndex: 0,
        symbol: "diamond",
        symbolSize: 10,
        color: STATUS_COLOURS.version,
        data: points.versions,
      },
      {
        name: "rejected",
        type: "scatter",
        xAxisIndex: 0,
        yAxisIndex: 0,
        symbolSize: 6,
        color: STATUS_COLOURS.rejected,
        data: points.rejected,
      },
      ...NO_FIGURE_STATUSES.map((status) => ({
        name: status,
        type: "scatter",
        xAxisIndex: 1,
        yAxisIndex: 2,
        symbol: "triangle",
        symbolSize: 7,
        color: STATUS_COLOURS[status],
        data: points[status],
      })),
    ],
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
