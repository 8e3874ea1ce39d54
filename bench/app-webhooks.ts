/**
 * App bench (`npm run bench`, not a test), against the local GitHub server and
 * the OpenAI-compatible stub, on real HTTP:
 *  1. trigger → opened PR: a signed `/evolve` delivery until the PR exists, with
 *     Octokit's throttling (as on github.com) and without it (the App's own time);
 *  2. webhook acknowledgement latency, p50/p95, of 200 signed deliveries sent
 *     in one burst (each durable in the job journal before the 2xx), next to
 *     the same burst to a bare server (the machine's floor). Goal: p95 < 100 ms.
 *     The App runs as users run it, `codec-evolve app` in its own process, and
 *     the bare server in its own process too: the sender (GitHub's side) does
 *     not share an event loop with the receiver, as on github.com.
 */
import { rm } from "node:fs/promises";
import { Agent, request } from "node:http";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { startAppInProcess } from "../test/fixtures/github-server/app-in-process.js";
import { startAppProcess } from "../test/fixtures/github-server/app-process.js";
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
const app = await startAppProcess({
  APP_ID: String(repo.server.options.app.id),
  PRIVATE_KEY: repo.privateKey,
  WEBHOOK_SECRET: repo.server.options.app.webhookSecret,
  GHE_HOST: repo.server.host,
  GHE_PROTOCOL: "http",
  CODEC_EVOLVE_STATE_DIR: join(repo.root, "state"),
  ...env,
});
// The machine's floor, side by side: the same burst to a server (its own process) that reads the body and answers 200.
const floor = spawn(
  process.execPath,
  [
    "-e",
    `require("node:http").createServer((q, s) => { q.resume(); q.on("end", () => { s.writeHead(200); s.end(); }); })
       .listen(0, "127.0.0.1", function () { console.log(this.address().port); });`,
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const [floorPort] = (await once(floor.stdout!, "data")) as [Buffer];
const floorUrl = `http://127.0.0.1:${floorPort.toString().trim()}/api/github/webhooks`;
const appUrl = `${app.url}/api/github/webhooks`;
// GitHub's side: one sender with a socket per in-flight delivery, kept alive between bursts.
const sender = new Agent({ keepAlive: true, maxSockets: BURST });

/**
 * One burst of BURST signed check_run deliveries to `url`; latencies sorted, and the non-2xx count.
 * Bodies are serialised and signed before the clock starts, and sent with node:http over kept-alive
 * connections (opened by the warm-up burst), so the figure is the receiver's time, not the sender's.
 */
async function burst(url: string, firstId: number): Promise<{ ms: number[]; failed: number }> {
  const deliveries = Array.from({ length: BURST }, (_, i) =>
    repo.server.signedDelivery("check_run", {
      action: "completed",
      check_run: {
        id: firstId + i,
        name: "codec-evolve / evaluation",
        head_sha: "0".repeat(40),
        status: "completed",
        conclusion: "neutral",
        app: { id: 15368, slug: "github-actions" },
        pull_requests: [],
      },
      sender: { login: "github-actions[bot]", type: "Bot" },
    }),
  );
  const results = await Promise.all(
    deliveries.map(
      ({ body, headers }) =>
        new Promise<{ ms: number; status: number }>((done, fail) => {
          const started = performance.now();
          const req = request(url, { method: "POST", headers, agent: sender }, (res) => {
            res.resume();
            res.on("end", () =>
              done({ ms: performance.now() - started, status: res.statusCode ?? 0 }),
            );
          });
          req.on("error", fail);
          req.end(body);
        }),
    ),
  );
  return {
    ms: results.map((r) => r.ms).sort((a, b) => a - b),
    failed: results.filter((r) => r.status >= 300).length,
  };
}

// Warm-up of the sender, both servers and the JIT, then the measured bursts back to back.
await burst(appUrl, 700000);
await burst(floorUrl, 600000);
const { ms, failed } = await burst(appUrl, 900000);
const floorMs = (await burst(floorUrl, 800000)).ms;
floor.kill();
sender.destroy();

console.log(
  "App webhooks (local GitHub server, stub LLM; trigger -> PR with the App in this process, ack latency with the App as `codec-evolve app` in its own process; absolute times depend on the machine's load)",
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
await app.stop();
await repo.server.close().catch(() => {});
await stub.close();
await rm(repo.root, { recursive: true, force: true });
process.exit(0);
