/** One colour per codec across every chart, so "x265" is the same line in each picture. */
const COLOURS: Record<string, string> = {
  candidate: "#d62728",
  parent: "#1f77b4",
  x265: "#2ca02c",
  "x265-ld": "#17becf",
  x264: "#9467bd",
  av1: "#8c564b",
  jpeg: "#ff7f0e",
};
const FALLBACK = ["#e377c2", "#7f7f7f", "#bcbd22", "#393b79"];

/** The colour of a codec's series; unknown names get a stable fallback from their spelling. */
export function codecColour(name: string): string {
  const known = COLOURS[name];
  if (known) return known;
  let hash = 0;
  for (const char of name) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return FALLBACK[hash % FALLBACK.length]!;
}

/** Colours of attempt outcomes in the timeline and failure charts. */
export const STATUS_COLOURS = {
  version: "#2ca02c",
  rejected: "#7f7f7f",
  failed: "#d62728",
  invalid: "#ff7f0e",
  duplicate: "#bcbd22",
} as const;
