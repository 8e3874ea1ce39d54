/**
 * The App's job journal: what is acknowledged is on disk, a redelivery racing
 * the first delivery is refused, a burst survives a restart whole, and a line
 * torn by a crash mid-append is dropped without losing the lines before it.
 */
import { afterEach, beforeEach, expect, test } from "@jest/globals";
import { appendFile, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JobQueue } from "../../../src/app/job-queue.js";
import type { Job, StoredJob } from "../../../src/app/jobs/job.js";

let dir: string;
const errors: string[] = [];
const log = { info: () => {}, error: (m: string) => void errors.push(m) };
const never = () => new Promise<void>(() => {});
const job = (id: number): Job => ({
  kind: "check-run",
  checkRunId: id,
  headSha: "0".repeat(40),
  adoptedBy: null,
});

// Every queue a test opens, closed after it: a crash closes a process's journal by exiting,
// and a handle left to the garbage collector is a deprecation warning now, an error in later Node.
const opened: JobQueue[] = [];
const queue = (run: (job: StoredJob) => Promise<void>): JobQueue => {
  const q = new JobQueue({ dir, log, run });
  opened.push(q);
  return q;
};

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "job-queue-"));
  errors.length = 0;
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((q) => q.close()));
  await rm(dir, { recursive: true, force: true });
});

test("a burst of deliveries is on disk when acknowledged; a racing redelivery is refused", async () => {
  const crashed = queue(never);
  await crashed.start();
  const outcomes = await Promise.all([
    ...Array.from({ length: 200 }, (_, i) =>
      crashed.accept(`d${i}`, 1, { owner: "o", repo: `r${i % 3}` }, job(i)),
    ),
    crashed.accept("d7", 1, { owner: "o", repo: "r1" }, job(7)),
  ]);
  expect(outcomes.filter((o) => o === "queued")).toHaveLength(200);
  expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(1);

  const ran: StoredJob[] = [];
  const restarted = queue(async (j) => void ran.push(j));
  expect(await restarted.start()).toBe(200);
  await restarted.idle();
  expect(new Set(ran.map((j) => j.delivery)).size).toBe(200);
  // Within a repository, in the order they were accepted.
  const r1 = ran.filter((j) => j.repo === "r1").map((j) => j.seq);
  expect(r1).toEqual([...r1].sort((a, b) => a - b));
  expect(await restarted.accept("d150", 1, { owner: "o", repo: "r0" }, job(150))).toBe("duplicate");
  expect(errors).toEqual([]);
});

test("a line torn by a crash mid-append is dropped; the jobs before it still run", async () => {
  const crashed = queue(never);
  await crashed.start();
  await crashed.accept("kept", 1, { owner: "o", repo: "r" }, job(1));
  await appendFile(join(dir, "journal.jsonl"), '{"op":"accept","job":{"seq":');
  const ran: string[] = [];
  const restarted = queue(async (j) => void ran.push(j.delivery));
  expect(await restarted.start()).toBe(1);
  await restarted.idle();
  expect(ran).toEqual(["kept"]);
  expect(errors).toEqual([]);
  // Compacted: the finished delivery is remembered, the torn line is gone.
  const lines = (await readFile(join(dir, "journal.jsonl"), "utf8")).trim().split("\n");
  expect(lines.map((l) => (JSON.parse(l) as { op: string }).op)).toEqual(["accept", "done"]);
});
