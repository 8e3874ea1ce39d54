/**
 * The REST client the Action uses: `@octokit/rest` against `GITHUB_API_URL`,
 * with GitHub's secondary rate limit answered by waiting (its `retry-after`,
 * or a backoff when it sends none, as GitHub documents it sometimes does) and
 * "Resource not accessible by integration" turned into a message that names
 * the permission the workflow must grant.
 */
import { Octokit } from "@octokit/rest";

export type GitHubClient = Octokit;

export interface ClientOptions {
  token: string;
  /** REST API root; default GITHUB_API_URL, then https://api.github.com. */
  baseUrl?: string;
  /** Retries of a rate-limited request before giving up. */
  maxRetries?: number;
  /** Longest wait for one retry, seconds (a longer retry-after fails the request instead). */
  maxWaitSeconds?: number;
  /** How to wait; tests may shorten it. */
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/** A GitHub refusal explained for the person who owns the workflow. */
export class GitHubPermissionError extends Error {
  override name = "GitHubPermissionError";
}

/** Which `permissions:` entry each kind of request needs. */
function permissionFor(method: string, url: string): string {
  if (url.includes("/check-runs")) return "checks: write";
  if (url.includes("/comments")) return "pull-requests: write";
  if (url.includes("/actions/")) return "actions: read";
  if (url.includes("/pulls"))
    return method === "GET" ? "pull-requests: read" : "pull-requests: write";
  return "contents: read";
}

interface HttpError {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | undefined>; data?: unknown };
}

function isSecondaryRateLimit(error: HttpError): boolean {
  if (error.status !== 403 && error.status !== 429) return false;
  const headers = error.response?.headers ?? {};
  return (
    headers["retry-after"] !== undefined ||
    headers["x-ratelimit-remaining"] === "0" ||
    /rate limit/i.test(error.message ?? "")
  );
}

/** Build the client. */
export function createGitHubClient(options: ClientOptions): GitHubClient {
  const maxRetries = options.maxRetries ?? 3;
  const maxWait = options.maxWaitSeconds ?? 120;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const log = options.log ?? (() => {});
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: (options.baseUrl ?? process.env.GITHUB_API_URL ?? "https://api.github.com").replace(
      /\/$/,
      "",
    ),
    userAgent: "codec-evolve-action",
    log: { debug: () => {}, info: () => {}, warn: log, error: log },
  });
  octokit.hook.wrap("request", async (request, requestOptions) => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (caught) {
        const error = caught as HttpError;
        const where = `${requestOptions.method} ${requestOptions.url}`;
        if (isSecondaryRateLimit(error) && attempt < maxRetries) {
          const header = Number(error.response?.headers?.["retry-after"]);
          // No retry-after: GitHub asks for at least a minute; back off 60 s, 120 s, ...
          const seconds = Number.isFinite(header) && header >= 0 ? header : 60 * (attempt + 1);
          if (seconds > maxWait) throw caught;
          log(
            `GitHub rate limit on ${where}: retrying in ${seconds} s (${attempt + 1}/${maxRetries})`,
          );
          await sleep(seconds * 1000);
          continue;
        }
        if (error.status === 403 && /not accessible by integration/i.test(error.message ?? "")) {
          const permission = permissionFor(
            String(requestOptions.method),
            String(requestOptions.url),
          );
          throw new GitHubPermissionError(
            `GitHub refused ${where}: "Resource not accessible by integration". The workflow's token ` +
              `lacks a permission: add \`permissions: { ${permission} }\` to the report job ` +
              `(it needs checks: write, pull-requests: write and actions: read). A pull_request job from ` +
              `a fork never gets write permissions: post from the workflow_run job instead.`,
            { cause: caught },
          );
        }
        throw caught;
      }
    }
  });
  return octokit;
}
