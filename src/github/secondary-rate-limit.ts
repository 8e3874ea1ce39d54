/**
 * An Octokit plugin that waits out GitHub's secondary rate limits (403 or
 * 429 saying "secondary rate limit", DESIGN.md "GitHub facts") and retries.
 * Probot's own throttle options only log them, which would fail the job and
 * re-ask the proposer. The wait is `retry-after` when GitHub sends it, else one
 * minute doubling per try, as GitHub's docs advise; after `MAX_TRIES` the error
 * goes up to the job queue.
 */
import type { Octokit } from "@octokit/core";

export const MAX_TRIES = 4;
const LONGEST_WAIT_MS = 15 * 60_000;

/** True for an Octokit error that is a secondary rate limit. */
export function isSecondaryRateLimit(error: unknown): boolean {
  const e = error as { status?: number; message?: string } | null;
  return Boolean(
    e && (e.status === 403 || e.status === 429) && /secondary rate limit/i.test(e.message ?? ""),
  );
}

/** Milliseconds to wait before try number `attempt` (1-based) after this error. */
export function secondaryWaitMs(error: unknown, attempt: number): number {
  const header = (error as { response?: { headers?: Record<string, string | undefined> } }).response
    ?.headers?.["retry-after"];
  const seconds = Number(header);
  const wait =
    header !== undefined && Number.isFinite(seconds) ? seconds * 1000 : 60_000 * 2 ** (attempt - 1);
  return Math.min(LONGEST_WAIT_MS, wait);
}

/** The plugin: `ProbotOctokit.plugin(retrySecondaryRateLimit)`. */
export function retrySecondaryRateLimit(octokit: Octokit): void {
  octokit.hook.wrap("request", async (request, options) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await request(options);
      } catch (error) {
        if (!isSecondaryRateLimit(error) || attempt >= MAX_TRIES) throw error;
        const wait = secondaryWaitMs(error, attempt);
        octokit.log.warn(
          `secondary rate limit on ${options.method} ${options.url}; retrying in ${Math.round(wait / 1000)} s (try ${attempt + 1} of ${MAX_TRIES})`,
        );
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  });
}
