/**
 * A schedule slot is run once per repository: across a restart with the same
 * state (the delivery marker), across a restart with the state lost or on
 * another replica (the lease on the data branch). And a job accepted before
 * a crash is run by the next process.
 */
import { afterAll, beforeAll, expect, test } from "@jest/globals";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobQueue } from "../../../src/app/job-queue.js";
import type { StoredJob } from "../../../src/app/jobs/job.js";
import { startOpenAiStub, type OpenAiStub } from "../../fixtures/openai-stub/openai-stub.js";
import { startAppInProcess } from "../../fixtures/github-server/app-in-process.js";
import {
  createTestRepository,
  scaleAnswer,
  waitFor,
  type TestRepository,
} from "../../fixtures/github-server/test-repository.js";

let repo: TestRepository;
let stub: OpenAiStub;
/** The operator's environment: the key and where it goes (the repository's baseUrl is not trusted). */
const operatorEnv = () => ({ OPENAI_API_KEY: "sk-test", OPENAI_BASE_URL: stub.baseUrl });

beforeAll(async () => {
  stub = await startOpenAiStub();
  repo = await createTestRepository(
    `proposer:\n  kind: openai\n  baseUrl: ${stub.baseUrl}\n  maxRetries: 0\ngithub:\n  schedule: "0 4 * * *"\n  timezone: Europe/Paris\n`,
  );
});

afterAll(async () => {
  await repo?.server.close();
  await stub?.close();
  if (repo) await rm(repo.root, { recursive: true, force: true });
});

// 04:00 in Paris is 03:00 UTC in winter: the slot is due ten minutes later.
const clock = () => new Date("2026-11-30T03:10:00Z");

async function runFor(stateDir: string, ms: number): Promise<void> {
  const app = await startAppInProcess(repo, {
    stateDir,
    scheduleIntervalMs: 1000,
    clock,
    env: operatorEnv(),
  });
  await new Promise((resolve) => setTimeout(resolve, ms));
  await app.close();
}

test("the 04:00 Europe/Paris slot opens one PR, and neither a restart nor a second replica runs it again", async () => {
  const stateA = join(repo.root, "replica-a");
  stub.reply({ kind: "answer", content: scaleAnswer("1.0", "0.9") });
  const app = await startAppInProcess(repo, {
    stateDir: stateA,
    scheduleIntervalMs: 1000,
    clock,
    env: operatorEnv(),
  });
  await waitFor("the scheduled PR", () => repo.server.pulls[0], 180_000);
  await app.close();
  const leaseTip = await repo.server.git.resolve("refs/heads/codec-evolve-data");
  const lease = await repo.server.git.pathBlob(leaseTip!, "schedule.json");
  expect(JSON.parse((await repo.server.git.readBlob(lease!.sha)).toString())).toMatchObject({
    slot: "2026-11-30T03:00:00.000Z",
  });

  await runFor(stateA, 1500); // restart, same state directory
  await runFor(join(repo.root, "replica-b"), 1500); // another replica, or the state lost
  expect(repo.server.pulls).toHaveLength(1);
  expect(stub.requests).toHaveLength(1);
});

test("a job accepted before a crash is run after the restart, once", async () => {
  const dir = await mkdtemp(join(tmpdir(), "queue-"));
  const log = { info: () => {}, error: () => {} };
  const job = {
    kind: "command",
    issue: 1,
    isPull: false,
    commentId: 5,
    user: "owner",
    body: "/status",
  } as const;
  // The first process accepts the job, then dies before running it (its runner never returns).
  const crashed = new JobQueue({ dir, log, run: () => new Promise<void>(() => {}) });
  await crashed.start();
  expect(await crashed.accept("delivery-1", 9, { owner: "o", repo: "r" }, job)).toBe("queued");
  expect(await crashed.accept("delivery-1", 9, { owner: "o", repo: "r" }, job)).toBe("duplicate");

  const ran: StoredJob[] = [];
  const restarted = new JobQueue({ dir, log, run: async (j) => void ran.push(j) });
  expect(await restarted.start()).toBe(1);
  await restarted.idle();
  expect(ran.map((j) => [j.delivery, j.job])).toEqual([["delivery-1", job]]);
  expect(await restarted.accept("delivery-1", 9, { owner: "o", repo: "r" }, job)).toBe("duplicate");
  // Nothing is left in the journal for a third start.
  const third = new JobQueue({ dir, log, run: async () => {} });
  expect(await third.start()).toBe(0);
  // A real crash closes the first process's journal by exiting; here each queue closes its own
  // (a handle left to the garbage collector is a deprecation warning now, an error in later Node).
  await Promise.all([crashed.close(), restarted.close(), third.close()]);
  await rm(dir, { recursive: true, force: true });
});
