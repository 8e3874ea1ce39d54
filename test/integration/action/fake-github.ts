/**
 * A local HTTP server on 127.0.0.1 that answers the REST calls the Action
 * makes the way GitHub does: JSON bodies, Link-header pagination, 403
 * "Resource not accessible by integration", a secondary rate limit with
 * retry-after, and the artifact routes (listing, 302 to a signed zip URL) of
 * the shared ArtifactStore, plus the results service @actions/artifact
 * uploads through (ArtifactUploads). It records every request so tests can check what
 * the Action sent.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { ArtifactUploads } from "../../fixtures/github-server/artifact-uploads.js";
import { CacheService } from "../../fixtures/github-server/cache-service.js";
import { ArtifactStore, type ArtifactAnswer } from "../../fixtures/github-server/artifacts.js";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}

export interface FakePull {
  number: number;
  headSha: string;
  baseSha: string;
  headRef: string;
  headOwner: string;
  headRepo: string;
  author: { login: string; type: "Bot" | "User" };
  body: string;
  files: string[];
  /** Default "self-improved-framework". */
  baseRef?: string;
  /** Default "open". */
  state?: "open" | "closed";
}

export interface FakeGitHubState {
  owner: string;
  repo: string;
  pulls: FakePull[];
  comments: { id: number; issue: number; body: string; user: string }[];
  checkRuns: { id: number; head_sha: string; name: string; body: Record<string, unknown> }[];
  /** Answer the next N check-run writes with a secondary rate limit (retry-after: 1). */
  rateLimitCheckWrites: number;
  /** Answer every check-run write with 403 "Resource not accessible by integration". */
  denyChecks: boolean;
}

export class FakeGitHub {
  readonly requests: RecordedRequest[] = [];
  /** Workflow-run artifacts served to @actions/artifact (listing, 302, signed zip). */
  readonly artifacts = new ArtifactStore();
  /** The results service and blob URLs @actions/artifact uploads through (into `artifacts`). */
  /** Signs the jobs' runtime tokens, which the artifact and cache services both accept. */
  private readonly runtimeSecret = randomBytes(16);
  readonly uploads = new ArtifactUploads(this.artifacts, this.runtimeSecret);
  /** The Actions cache service (v2) and its blob URLs, as @actions/cache uses them. */
  readonly caches = new CacheService(this.runtimeSecret);

  /** One ACTIONS_RUNTIME_TOKEN for a job of run `runId` on `ref`: artifacts and caches. */
  runtimeToken(runId: number, ref: string, alsoReads: readonly string[] = []): string {
    return this.caches.runtimeToken(ref, alsoReads, { scp: this.uploads.scopeClaim(runId) });
  }
  state: FakeGitHubState;
  private server: Server | null = null;
  private nextId = 1000;
  url = "";

  constructor(state: Partial<FakeGitHubState> = {}) {
    this.state = {
      owner: "octo",
      repo: "codecs",
      pulls: [],
      comments: [],
      checkRuns: [],
      rateLimitCheckWrites: 0,
      denyChecks: false,
      ...state,
    };
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Requests whose method and path match. */
  find(method: string, pathPattern: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method && pathPattern.test(r.path));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const text = raw.toString("utf8");
    const url = new URL(req.url ?? "/", this.url);
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      /* keep text */
    }
    const method = req.method ?? "GET";
    this.requests.push({ method, path: url.pathname, query: url.searchParams, body });
    const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(data === undefined ? "" : JSON.stringify(data));
    };
    try {
      // Uploads carry binary blocks: they get the raw bytes, not the text.
      const upload =
        this.uploads.handle(method, url, req.headers, raw, this.url) ??
        this.caches.handle(method, url, req.headers, raw, this.url);
      if (upload) return this.answer(upload, res);
      this.route(method, url, body as Record<string, unknown>, send, res);
    } catch (error) {
      send(500, { message: String(error) });
    }
  }

  private answer(answer: ArtifactAnswer, res: ServerResponse): void {
    res.writeHead(answer.status, {
      ...(answer.raw ? {} : { "content-type": "application/json; charset=utf-8" }),
      ...answer.headers,
    });
    res.end(answer.raw ?? (answer.body === undefined ? "" : JSON.stringify(answer.body)));
  }

  /** One page of `items` with GitHub's Link header. */
  private page<T>(
    url: URL,
    items: T[],
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
    wrap?: (items: T[]) => unknown,
  ) {
    const perPage = Number(url.searchParams.get("per_page") ?? 30);
    const page = Number(url.searchParams.get("page") ?? 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const headers: Record<string, string> = {};
    if (page < last) {
      const next = new URL(url);
      next.searchParams.set("page", String(page + 1));
      const lastUrl = new URL(url);
      lastUrl.searchParams.set("page", String(last));
      headers.link = `<${next.href}>; rel="next", <${lastUrl.href}>; rel="last"`;
    }
    send(200, wrap ? wrap(slice) : slice, headers);
  }

  private pullJson(pr: FakePull) {
    const { owner, repo } = this.state;
    return {
      number: pr.number,
      state: pr.state ?? "open",
      body: pr.body,
      user: { login: pr.author.login, type: pr.author.type },
      head: {
        sha: pr.headSha,
        ref: pr.headRef,
        label: `${pr.headOwner}:${pr.headRef}`,
        repo: { full_name: `${pr.headOwner}/${pr.headRepo}` },
      },
      base: {
        sha: pr.baseSha,
        ref: pr.baseRef ?? "self-improved-framework",
        repo: { full_name: `${owner}/${repo}` },
      },
    };
  }

  private route(
    method: string,
    url: URL,
    body: Record<string, unknown>,
    send: (s: number, d: unknown, h?: Record<string, string>) => void,
    res: ServerResponse,
  ): void {
    const { owner, repo } = this.state;
    const base = `/repos/${owner}/${repo}`;
    const path = url.pathname;
    let m: RegExpExecArray | null;
    if (method === "GET" && (m = new RegExp(`^${base}/pulls/(\\d+)$`).exec(path))) {
      const pr = this.state.pulls.find((p) => p.number === Number(m![1]));
      return pr ? send(200, this.pullJson(pr)) : send(404, { message: "Not Found" });
    }
    if (method === "GET" && (m = new RegExp(`^${base}/pulls/(\\d+)/files$`).exec(path))) {
      const pr = this.state.pulls.find((p) => p.number === Number(m![1]));
      if (!pr) return send(404, { message: "Not Found" });
      const files = pr.files.map((filename) => ({ filename, status: "modified" }));
      return this.page(url, files, send);
    }
    if (method === "GET" && path === `${base}/pulls`) {
      const head = url.searchParams.get("head");
      const pulls = this.state.pulls.filter((p) => !head || `${p.headOwner}:${p.headRef}` === head);
      return this.page(
        url,
        pulls.map((p) => this.pullJson(p)),
        send,
      );
    }
    if (method === "GET" && (m = new RegExp(`^${base}/commits/([0-9a-f]{40})/pulls$`).exec(path))) {
      const pulls = this.state.pulls.filter((p) => p.headSha === m![1] && p.headOwner === owner);
      return this.page(
        url,
        pulls.map((p) => this.pullJson(p)),
        send,
      );
    }
    if (
      method === "GET" &&
      (m = new RegExp(`^${base}/commits/([0-9a-f]{40})/check-runs$`).exec(path))
    ) {
      const name = url.searchParams.get("check_name");
      const runs = this.state.checkRuns
        .filter((r) => r.head_sha === m![1] && (!name || r.name === name))
        .map((r) => ({ id: r.id, head_sha: r.head_sha, name: r.name }));
      return this.page(url, runs, send, (items) => ({
        total_count: runs.length,
        check_runs: items,
      }));
    }
    if (
      (method === "POST" && path === `${base}/check-runs`) ||
      (method === "PATCH" && new RegExp(`^${base}/check-runs/\\d+$`).test(path))
    ) {
      if (this.state.denyChecks) {
        return send(403, {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest/checks/runs#create-a-check-run",
        });
      }
      if (this.state.rateLimitCheckWrites > 0) {
        this.state.rateLimitCheckWrites--;
        return send(
          403,
          {
            message:
              "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
            documentation_url:
              "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
          },
          { "retry-after": "1" },
        );
      }
      if (method === "POST") {
        const run = {
          id: this.nextId++,
          head_sha: String(body.head_sha),
          name: String(body.name),
          body,
        };
        this.state.checkRuns.push(run);
        return send(201, { id: run.id, head_sha: run.head_sha, name: run.name });
      }
      const id = Number(path.split("/").pop());
      const run = this.state.checkRuns.find((r) => r.id === id);
      if (!run) return send(404, { message: "Not Found" });
      run.body = body;
      return send(200, { id: run.id, head_sha: run.head_sha, name: run.name });
    }
    if (method === "GET" && (m = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(path))) {
      const list = this.state.comments
        .filter((c) => c.issue === Number(m![1]))
        .map((c) => ({ id: c.id, body: c.body, user: { login: c.user } }));
      return this.page(url, list, send);
    }
    if (method === "POST" && (m = new RegExp(`^${base}/issues/(\\d+)/comments$`).exec(path))) {
      const comment = {
        id: this.nextId++,
        issue: Number(m[1]),
        body: String(body.body),
        user: "github-actions[bot]",
      };
      this.state.comments.push(comment);
      return send(201, { id: comment.id, body: comment.body });
    }
    if (method === "PATCH" && (m = new RegExp(`^${base}/issues/comments/(\\d+)$`).exec(path))) {
      const comment = this.state.comments.find((c) => c.id === Number(m![1]));
      if (!comment) return send(404, { message: "Not Found" });
      comment.body = String(body.body);
      return send(200, { id: comment.id, body: comment.body });
    }
    const artifact =
      (path.startsWith(`${base}/`)
        ? this.artifacts.api(method, path.slice(base.length), url.searchParams, {
            repoApi: `${this.url}${base}`,
            blobOrigin: this.url,
          })
        : null) ?? this.artifacts.blob(method, path, url.searchParams);
    if (artifact) return this.answer(artifact, res);
    send(404, { message: `Not Found: ${method} ${path}` });
  }
}
