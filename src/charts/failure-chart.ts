/** Failure breakdown over time: attempts in windows of equal size, failures stacked by category. */
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import type { ChartOption } from "./render-chart.js";

/** Windows of attempts and, per category, how many failed that way in each window. */
export interface FailureBuckets {
  windows: string[];
  counts: Record<string, number[]>;
}

/** Split the ledger into at most `maxWindows` windows of equal size and count failures by category. */
export function failureBuckets(records: readonly LedgerRecord[], maxWindows = 20): FailureBuckets {
  const size = Math.max(1, Math.ceil(records.length / maxWindows));
  const windows: string[] = [];
  for (let start = 0; start < records.length; start += size) {
    const end = Math.min(records.length, start + size);
    windows.push(end - start === 1 ? `${start + 1}` : `${start + 1}–${end}`);
  }
  const counts: Record<string, number[]> = {};
  records.forEach((record, index) => {
    const category = record.failure?.category;
    if (!category) return;
    counts[category] ??= windows.map(() => 0);
    counts[category]![Math.floor(index / size)]! += 1;
  });
  return { windows, counts };
}

/** The ECharts option of the failure breakdown: one stacked bar series per category. */
export function failureChartOption(records: readonly LedgerRecord[]): ChartOption {
  const { windows, counts } = failureBuckets(records);
  const categories = Object.keys(counts).sort();
  return {
    backgroundColor: "#ffffff",
    title: { text: "Failures by category over time", left: "center", textStyle: { fontSize: 15 } },
    legend: { bottom: 0, type: "scroll" },
    tooltip: { trigger: "axis" },
    grid: { left: 50, right: 30, top: 45, bottom: 75 },
    xAxis: {
      type: "category",
      data: windows,
      name: "attempts",
      nameLocation: "middle",
      nameGap: 28,
    },
    yAxis: { type: "value", name: "failures", minInterval: 1 },
    series: categories.map((category) => ({
      name: category,
      type: "bar",
      stack: "failures",
      data: counts[category],
    })),
  };
}
