/**
 * App bench (`npm run bench`, not a test), against the local GitHub server and
 * the OpenAI-compatible stub, the App in this process behind Probot's
 * middleware on real HTTP:
 *  1. trigger → opened PR: a signed `/evolve` delivery until the PR exists, with
 *     Octokit's throttling (as on github.com) and without it (the App's own time);
 *  2. webhook acknowledgement latency, p50/p95, of 200 signed deliveries sent
 *     in one burst (each durable in the job journal before the 2xx), next to
 *     the same burst to a bare server (the machine's floor). Goal: p95 < 100 ms.
 */
import { rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { startAppInProcess } from "../test/fixtures/github-server/app-in-process.js";
import {
  createTestRepository,
  scaleAnswer,
  waitFor,
} from "../test/fixtures/github-server/test-repository.js";
import { startOpenAiStub } from "../test/fixtures/openai-stub/openai-stub.js";

const BURST = 200;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const stub = await startOpenAiStub();
const env = { OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseUrl };

/** Trigger → opened PR for one /evolve on a fresh repository; also counts the App's write requests. */
async function triggerToPr(throttle: boolean): Promise<{ ms: number; writes: number }> {
  const fresh = await createTestRepository(`proposer:\n  kind: openai\n  maxRetries: 0\n`);
  const running = await startAppInProcess(fresh, {
    stateDir: join(fresh.root, "state"),
    env,
    throttle,
  });
  fresh.server.webhookUrl = `${running.url}/api/github/webhooks`;
  const at = fresh.server.openIssue("bench", "owner");
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.9") });
  const began = performance.now();
  await fresh.server.userComment(at, "owner", "/evolve");
  await waitFor("the PR", () => fresh.server.pulls[0], 180_000);
  const ms = performance.now() - began;
  const writes = fresh.server.requests.filter((r) => r.method !== "GET").length;
  await running.close();
  await fresh.server.close();
  await rm(fresh.root, { recursive: true, force: true });
  return { ms, writes };
}

// A first run warms up module loading and the JIT, so neither measured run pays for it.
await triggerToPr(false);
const unthrottled = await triggerToPr(false);
const throttled = await triggerToPr(true);

const repo = await createTestRepository(`proposer:\n  kind: openai\n  maxRetries: 0\n`);
const app = await startAppInProcess(repo, { stateDir: join(repo.root, "state"), env });
repo.server.webhookUrl = `${app.url}/api/github/webhooks`;

const deliveries = await Promise.all(
  Array.from({ length: BURST }, (_, i) =>
    repo.server.deliver("check_run", {
      action: "completed",
      check_run: {
        id: 900000 + i,
        name: "codec-evolve / evaluation",
        head_sha: "0".repeat(40),
        status: "completed",
        conclusion: "neutral",
        app: { id: 15368, slug: "github-actions" },
        pull_requests: [],
      },
      sender: { login: "github-actions[bot]", type: "Bot" },
    }),
  ),
);
const ms = deliveries.map((d) => d.ms).sort((a, b) => a - b);
const failed = deliveries.filter((d) => d.status >= 300).length;

// The machine's floor, side by side: the same burst to a server that reads the body and answers 200.
const floor = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200);
    res.end();
  });
});
await new Promise<void>((resolve) => floor.listen(0, "127.0.0.1", resolve));
repo.server.webhookUrl = `http://127.0.0.1:${(floor.address() as AddressInfo).port}/`;
const floorMs = (
  await Promise.all(
    Array.from({ length: BURST }, (_, i) =>
      repo.server.deliver("check_run", {
        action: "completed",
        check_run: { id: 800000 + i, name: "x" },
      }),
    ),
  )
)
  .map((d) => d.ms)
  .sort((a, b) => a - b);
floor.close();

console.log(
  "App webhooks (local GitHub server, stub LLM; the App in this process, shared machine: absolute times are inflated by its load)",
);
console.log(
  `  trigger -> opened PR (/evolve, stub answer): ${(throttled.ms / 1000).toFixed(2)} s with Octokit's throttling (writes 1 s apart, comments and PRs 3 s: what an installation on github.com gets); ${(unthrottled.ms / 1000).toFixed(2)} s without it (the App's own time); ${throttled.writes} write requests`,
);
console.log(
  `  ack latency, ${BURST} signed deliveries in one burst: p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${ms.at(-1)!.toFixed(1)} ms, non-2xx ${failed} (goal p95 < 100 ms)`,
);
console.log(
  `  same burst to a bare 200 server (the machine's floor): p50 ${percentile(floorMs, 50).toFixed(1)} ms, p95 ${percentile(floorMs, 95).toFixed(1)} ms; App p95 / floor p95 = ${(percentile(ms, 95) / percentile(floorMs, 95)).toFixed(1)}x`,
);
console.log(
  `  load average while measuring: ${loadavg()
    .map((l) => l.toFixed(1))
    .join(" ")} on ${cpus().length} cores`,
);

// The burst's jobs would each look up a check run that does not exist; the bench ends here.
app.handle.stop();
await repo.server.close().catch(() => {});
await stub.close();
await rm(repo.root, { recursive: true, force: true });
process.exit(0);
