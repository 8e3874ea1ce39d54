/**
 * The webhook endpoint: it answers once a delivery's job is durable, and does
 * nothing else first. Signature verified (HMAC-SHA256 of the raw body with the
 * webhook secret), the delivery routed to a job (delivery-job.ts), the job
 * appended to the journal (job-queue.ts: the X-GitHub-Delivery id is refused
 * when already accepted). Probot's own webhook pipeline is not used for this:
 * it builds an authenticated Octokit and a logger for every delivery before
 * any handler runs, work the acknowledgement does not need (the worker makes
 * its own clients when it runs the job).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { deliveryJob } from "./delivery-job.js";
import type { JobQueue } from "./job-queue.js";

/** GitHub caps webhook payloads at 25 MB. */
const MAX_BODY_BYTES = 25 * 1024 * 1024;

export interface WebhookAckOptions {
  /** The URL path GitHub posts to (Probot's default: /api/github/webhooks). */
  path: string;
  /** True when `signature` (X-Hub-Signature-256) signs `body` with the webhook secret. */
  verify: (body: string, signature: string) => Promise<boolean>;
  queue: Pick<JobQueue, "accept">;
  log: { error(message: string): void };
}

function answer(res: ServerResponse, status: number, text: string): true {
  res.writeHead(status, { "content-type": "text/plain" });
  res.end(`${text}\n`);
  return true;
}

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** A node request handler (Probot's addHandler): true when it answered the request. */
export function webhookAckHandler(
  options: WebhookAckOptions,
): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  return async (req, res) => {
    if (req.method !== "POST" || (req.url ?? "").split("?")[0] !== options.path) return false;
    const event = req.headers["x-github-event"];
    const delivery = req.headers["x-github-delivery"];
    const signature = req.headers["x-hub-signature-256"];
    if (typeof event !== "string" || typeof delivery !== "string" || typeof signature !== "string")
      return answer(res, 400, "missing X-GitHub-Event, X-GitHub-Delivery or X-Hub-Signature-256");
    const body = await readBody(req);
    if (body === null) return answer(res, 413, "payload over 25 MB");
    if (!(await options.verify(body, signature).catch(() => false)))
      return answer(res, 400, "signature does not match the webhook secret");
    let payload: unknown;
    try {
      payload = JSON.parse(body);
    } catch {
      return answer(res, 400, "the payload is not JSON");
    }
    const wanted = deliveryJob(event, payload);
    if (!wanted) return answer(res, 200, "nothing to do");
    try {
      const outcome = await options.queue.accept(
        delivery,
        wanted.installationId,
        wanted.repo,
        wanted.job,
      );
      return answer(res, 200, outcome === "duplicate" ? "duplicate delivery" : "queued");
    } catch (error) {
      // Not durable: an error answer, so the delivery shows as failed and can be redelivered.
      options.log.error(`webhook ${delivery} (${event}) could not be queued: ${String(error)}`);
      return answer(res, 500, "could not queue the delivery");
    }
  };
}
