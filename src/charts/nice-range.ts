/** Axis bounds on round numbers that cover every value, so two aligned axes can share one grid. */
export interface NiceRange {
  min: number;
  max: number;
  interval: number;
}

/** A range of about `ticks` round intervals covering `values` (finite ones); `fallback` when there are none. */
export function niceRange(
  values: readonly number[],
  fallback: [number, number] = [-10, 10],
  ticks = 5,
): NiceRange {
  const finite = values.filter(Number.isFinite);
  let low = finite.length ? Math.min(...finite) : fallback[0];
  let high = finite.length ? Math.max(...finite) : fallback[1];
  if (high - low < 1e-9) {
    low -= 1;
    high += 1;
  }
  const raw = (high - low) / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const interval = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((step) => step >= raw)!;
  return {
    min: Math.floor(low / interval) * interval,
    max: Math.ceil(high / interval) * interval,
    interval,
  };
}
