/** Remaining time of a run of similar steps, from the pace of the steps done so far. */

/** An estimator: tell it how far the work is; it answers "ETA 1m05s" (or "" before the first step). */
export function etaEstimator(
  now: () => number = Date.now,
): (done: number, total: number) => string {
  let started: number | null = null;
  return (done, total) => {
    const time = now();
    started ??= time;
    if (done <= 0 || total <= done) return "";
    const remaining = ((time - started) / done) * (total - done);
    return `ETA ${formatDuration(remaining / 1000)}`;
  };
}

/** Seconds as "45s", "3m07s" or "2h05m". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
