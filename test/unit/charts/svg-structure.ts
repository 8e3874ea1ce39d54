/** Reads an ECharts SSR SVG back into its structure: series, points, legend and axis labels. */

/** Points drawn per series index (ECharts tags each symbol with ecmeta_series_index). */
export function pointsPerSeries(svg: string): Map<number, number> {
  const counts = new Map<number, number>();
  for (const match of svg.matchAll(
    /<path [^>]*ecmeta_series_index="(\d+)"[^>]*ecmeta_ssr_type="chart"/g,
  )) {
    const index = Number(match[1]);
    counts.set(index, (counts.get(index) ?? 0) + 1);
  }
  return counts;
}

/** Every <text> of the SVG, in document order. */
export function texts(svg: string): string[] {
  return [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
}

/** Numeric axis labels of an axis, by their text-anchor ("end": a left y axis, "middle": an x axis). */
export function numericLabels(svg: string, anchor: "end" | "middle" | "start"): number[] {
  const re = new RegExp(`<text[^>]*text-anchor="${anchor}"[^>]*>(-?[0-9.]+)</text>`, "g");
  return [...svg.matchAll(re)].map((m) => Number(m[1]));
}
