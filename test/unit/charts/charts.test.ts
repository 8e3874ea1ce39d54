import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sharp from "sharp";
import { failureBuckets } from "../../../src/charts/failure-chart.js";
import { leafCount, lineageTree } from "../../../src/charts/lineage-chart.js";
import { niceRange } from "../../../src/charts/nice-range.js";
import { rdChartOption, rdSeriesOfClip } from "../../../src/charts/rd-chart.js";
import { renderChartSvg } from "../../../src/charts/render-chart.js";
import { timelineChartOption, timelinePoints } from "../../../src/charts/timeline-chart.js";
import { writeCharts } from "../../../src/charts/write-charts.js";
import { syntheticLedger } from "../../../src/bench/synthetic-ledger.js";
import type { ClipResult } from "../../../src/evaluate/results.js";
import { fakeResult, fakeRung } from "../evolve/fake-result.js";
import { numericLabels, pointsPerSeries, texts } from "./svg-structure.js";

function clipWithBaselines(): ClipResult {
  const clip = fakeResult([{ name: "foreman" }]).clips[0]!;
  clip.baselines = {
    jpeg: {
      encoder: "jpeg",
      rungs: [fakeRung(10, 12, 28), fakeRung(50, 6, 34), fakeRung(90, 3, 41)],
    },
    x265: {
      encoder: "x265",
      rungs: [20, 25, 30, 35, 40, 45].map((crf, i) => fakeRung(crf, 400 - i * 60, 29 + i * 3)),
    },
    parent: {
      encoder: "parent",
      rungs: [
        fakeRung(20, 150, 30),
        fakeRung(50, 80, 35),
        fakeRung(80, 25, 42),
        fakeRung(95, 10, 47),
      ],
    },
  };
  return clip;
}

describe("RD chart", () => {
  const clip = clipWithBaselines();
  const series = rdSeriesOfClip(clip);
  const svg = renderChartSvg(rdChartOption("foreman", series), { width: 720, height: 460 });

  test("one series per codec, candidate first, in the legend", () => {
    expect(series.map((s) => s.name)).toEqual(["candidate", "parent", "x265", "jpeg"]);
    const legend = texts(svg);
    for (const name of ["candidate", "parent", "x265", "jpeg"]) expect(legend).toContain(name);
  });

  test("every rung is a drawn point of its series", () => {
    const counts = pointsPerSeries(svg);
    expect([...counts.keys()].sort()).toEqual([0, 1, 2, 3]);
    expect(counts.get(0)).toBe(5); // candidate: 5 rungs
    expect(counts.get(1)).toBe(4); // parent
    expect(counts.get(2)).toBe(6); // x265
    expect(counts.get(3)).toBe(3); // jpeg
  });

  test("the axes cover every point", () => {
    const all = series.flatMap((s) => s.points);
    const y = numericLabels(svg, "end");
    const x = numericLabels(svg, "middle");
    expect(Math.min(...y)).toBeLessThanOrEqual(Math.min(...all.map((p) => p[1])));
    expect(Math.max(...y)).toBeGreaterThanOrEqual(Math.max(...all.map((p) => p[1])));
    expect(Math.min(...x)).toBeLessThanOrEqual(Math.min(...all.map((p) => p[0])));
    expect(Math.max(...x)).toBeGreaterThanOrEqual(Math.max(...all.map((p) => p[0])));
  });

  test("a lossless rung (PSNR ∞) and NaN rates are left off the axes, not drawn at 0", () => {
    const odd = clipWithBaselines();
    odd.rungs.push({ ...fakeRung(100, 2, 50), psnrRgb: Infinity });
    odd.baselines.jpeg!.rungs.push({ ...fakeRung(95, 1, 50), bitsPerPixel: Number.NaN });
    const points = rdSeriesOfClip(odd);
    expect(points[0]!.points).toHaveLength(5);
    expect(points.find((s) => s.name === "jpeg")!.points).toHaveLength(3);
  });
});

describe("timeline chart", () => {
  const { records } = syntheticLedger(60);
  const points = timelinePoints(records);
  const svg = renderChartSvg(timelineChartOption(records), { width: 960, height: 460 });

  test("every attempt is in exactly one series, versions and rejected at their BD-rate", () => {
    const total = Object.values(points).reduce((n, p) => n + p.length, 0);
    expect(total).toBe(records.length);
    expect(points.versions).toHaveLength(records.filter((r) => r.version !== null).length);
    const v = records.find((r) => r.status === "adopted")!;
    const drawn = points.versions!.find((p) => p.name === v.id)!;
    expect(drawn.value[1]).toBeCloseTo(v.metrics!.bdRateX265!, 2);
  });

  test("the SVG draws one symbol per attempt, grouped in five series", () => {
    const counts = pointsPerSeries(svg);
    const order = ["versions", "rejected", "failed", "invalid", "duplicate"];
    for (const [index, name] of order.entries()) {
      expect(counts.get(index) ?? 0).toBe(points[name]!.length);
    }
  });

  test("the BD-rate axis covers every drawn value", () => {
    const values = [...points.versions!, ...points.rejected!].map((p) => p.value[1] as number);
    const labels = numericLabels(svg, "end");
    expect(Math.min(...labels)).toBeLessThanOrEqual(Math.min(...values));
    expect(Math.max(...labels)).toBeGreaterThanOrEqual(Math.max(...values));
  });
});

describe("ledger-wide charts", () => {
  test("failure buckets count every failure once, by category", () => {
    const { records } = syntheticLedger(137);
    const { windows, counts } = failureBuckets(records);
    expect(windows.length).toBeLessThanOrEqual(20);
    const total = Object.values(counts)
      .flat()
      .reduce((a, b) => a + b, 0);
    expect(total).toBe(records.filter((r) => r.failure).length);
  });

  test("lineage: every record is one node; unknown parents hang under the root", () => {
    const { records } = syntheticLedger(40);
    records[5] = { ...records[5]!, parentId: "not-in-ledger" };
    const tree = lineageTree(records);
    const count = (n: { children: unknown[] }): number =>
      1 + (n.children as { children: unknown[] }[]).reduce((s, c) => s + count(c), 0);
    expect(count(tree) - 1).toBe(records.length);
    expect(tree.children.map((c) => c.name)).toEqual(
      expect.arrayContaining(["seed", records[5]!.id]),
    );
    expect(leafCount(tree)).toBeGreaterThan(0);
  });

  test("nice ranges cover their values on round steps", () => {
    const r = niceRange([-47.3, 12.1]);
    expect(r.min).toBeLessThanOrEqual(-47.3);
    expect(r.max).toBeGreaterThanOrEqual(12.1);
    expect(Number.isInteger(r.min / r.interval)).toBe(true);
    expect(niceRange([])).toEqual({ min: -10, max: 10, interval: 5 });
  });
});

describe("writeCharts", () => {
  test("writes an SVG and a PNG per clip and the timeline", async () => {
    const dir = await mkdtemp(join(tmpdir(), "charts-"));
    try {
      const result = fakeResult([{ name: "a/b clip" }, { name: "c" }]);
      result.clips[0]!.baselines = clipWithBaselines().baselines;
      const written = await writeCharts(result, dir, { records: syntheticLedger(10).records });
      expect(written.map((w) => w.title)).toEqual(["RD a/b clip", "RD c", "timeline"]);
      expect(written[0]!.png).toBe(join(dir, "rd-a_b_clip.png"));
      const meta = await sharp(written[0]!.png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(["png", 1440, 920]);
      const svg = await readFile(written[0]!.svg, "utf8");
      expect(pointsPerSeries(svg).size).toBe(4);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
