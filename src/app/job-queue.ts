/**
 * The App's work queue: one serial lane per repository, persisted in an
 * append-only journal in a local state directory. A webhook is acknowledged
 * once its job is durable, and nothing more: the delivery id is checked
 * against the ids already accepted (in memory, rebuilt from the journal at
 * start), the job is appended, and concurrent deliveries share one write and
 * one fdatasync (group commit), so a burst costs a few disk flushes instead of
 * one per delivery. A restart replays the journal and runs what was not
 * finished; a redelivery (same X-GitHub-Delivery) is answered "duplicate".
 *
 * Why a local journal and not the data branch: a delivery must be durable
 * before the 2xx (GitHub does not redeliver on its own), and a commit on
 * GitHub per delivery costs hundreds of milliseconds and counts against the
 * content-creation rate limit. What must hold across replicas (schedule slots,
 * ledger records, candidate ids) is guarded on GitHub itself instead: leases
 * and compare-and-swap on the data branch, atomic ref creation, and pending
 * attempts that make every job idempotent.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { Journal } from "./journal.js";
import { storedJobSchema, type Job, type StoredJob } from "./jobs/job.js";

export interface QueueLog {
  info(message: string): void;
  error(message: string): void;
}

export type JobRunner = (job: StoredJob) => Promise<void>;

export interface JobQueueOptions {
  dir: string;
  run: JobRunner;
  log: QueueLog;
  /** Tries per job before it is moved to failed/ (transient GitHub or LLM errors are retried). */
  maxAttempts?: number;
  /** Pause before a retry, growing with the attempt number. */
  retryDelayMs?: number;
  /** Delivery ids older than this are forgotten at start. */
  markerDays?: number;
}

/** Accepted: queued now; duplicate: this delivery id was accepted before. */
export type AcceptOutcome = "queued" | "duplicate";

/** One journal line. */
const entrySchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("accept"), job: storedJobSchema }),
  z.object({ op: z.literal("attempt"), seq: z.number().int(), attempts: z.number().int() }),
  z.object({ op: z.literal("done"), seq: z.number().int() }),
  z.object({ op: z.literal("failed"), seq: z.number().int() }),
  /** A finished delivery still remembered (written by compaction), so its redelivery is refused. */
  z.object({ op: z.literal("seen"), delivery: z.string(), at: z.number() }),
]);
type Entry = z.infer<typeof entrySchema>;

const line = (entry: Entry) => `${JSON.stringify(entry)}\n`;

export class JobQueue {
  private readonly lanes = new Map<string, Promise<void>>();
  private seq = 0;
  /** Every delivery id accepted (and not yet forgotten), with when it was received (ms). */
  private readonly deliveries = new Map<string, number>();
  private readonly journalPath: string;
  private readonly failedDir: string;
  private journal: Journal | null = null;

  constructor(private readonly options: JobQueueOptions) {
    this.journalPath = join(options.dir, "journal.jsonl");
    this.failedDir = join(options.dir, "failed");
  }

  /** Replay the journal, compact it, and run the jobs a previous process left. */
  async start(): Promise<number> {
    await mkdir(this.failedDir, { recursive: true });
    const cutoff = Date.now() - (this.options.markerDays ?? 30) * 86_400_000;
    const left = new Map<number, StoredJob>();
    const failed: StoredJob[] = [];
    for (const entry of await this.replay()) {
      switch (entry.op) {
        case "accept":
          left.set(entry.job.seq, entry.job);
          this.deliveries.set(entry.job.delivery, Date.parse(entry.job.receivedAt));
          break;
        case "attempt": {
          const job = left.get(entry.seq);
          if (job) job.attempts = entry.attempts;
          break;
        }
        case "done":
          left.delete(entry.seq);
          break;
        case "failed": {
          const job = left.get(entry.seq);
          if (job) failed.push(job);
          left.delete(entry.seq);
          break;
        }
        case "seen":
          this.deliveries.set(entry.delivery, entry.at);
          break;
      }
    }
    for (const job of await this.legacyJobs()) {
      left.set(job.seq, job);
      this.deliveries.set(job.delivery, Date.parse(job.receivedAt));
    }
    for (const job of failed)
      await writeFile(join(this.failedDir, `${job.seq}.json`), JSON.stringify(job));
    for (const [delivery, at] of this.deliveries)
      if (at < cutoff && ![...left.values()].some((j) => j.delivery === delivery))
        this.deliveries.delete(delivery);
    const jobs = [...left.values()].sort((a, b) => a.seq - b.seq);
    await this.compact(jobs);
    this.journal = await Journal.open(this.journalPath);
    await rm(join(this.options.dir, "jobs"), { recursive: true, force: true });
    await rm(join(this.options.dir, "deliveries"), { recursive: true, force: true });
    this.seq = Math.max(Date.now() * 1000, ...jobs.map((j) => j.seq + 1));
    for (const job of jobs) this.schedule(job);
    if (jobs.length)
      this.options.log.info(`resuming ${jobs.length} job(s) left by the previous process`);
    return jobs.length;
  }

  /** Persist a job for a delivery and queue it on its repository's lane; resolves once it is on disk. */
  async accept(
    delivery: string,
    installationId: number,
    repo: { owner: string; repo: string },
    job: Job,
  ): Promise<AcceptOutcome> {
    if (!this.journal) throw new Error("the job queue is not started");
    // Claimed before the write, so a redelivery racing the first one is refused too.
    if (this.deliveries.has(delivery)) return "duplicate";
    const now = new Date();
    this.deliveries.set(delivery, now.getTime());
    const stored: StoredJob = {
      seq: this.seq++,
      delivery,
      installationId,
      owner: repo.owner,
      repo: repo.repo,
      receivedAt: now.toISOString(),
      attempts: 0,
      job,
    };
    try {
      await this.journal.append(line({ op: "accept", job: stored }));
    } catch (error) {
      // Not durable: answer an error, so the delivery can be redelivered, and do not run it.
      this.deliveries.delete(delivery);
      throw error;
    }
    this.schedule(stored);
    return "queued";
  }

  /** Close the journal once the pending appends are on disk (graceful stop); accept() refuses after it. */
  async close(): Promise<void> {
    const journal = this.journal;
    this.journal = null;
    await journal?.close();
  }

  /** Resolves when every lane is empty (tests, bench, graceful stop). */
  async idle(): Promise<void> {
    while (this.lanes.size > 0) await Promise.all([...this.lanes.values()]);
  }

  private schedule(job: StoredJob): void {
    const key = `${job.owner}/${job.repo}`.toLowerCase();
    const previous = this.lanes.get(key) ?? Promise.resolve();
    const next = previous.then(() => this.runWithRetries(job));
    this.lanes.set(key, next);
    void next.then(() => {
      if (this.lanes.get(key) === next) this.lanes.delete(key);
    });
  }

  private async runWithRetries(job: StoredJob): Promise<void> {
    const max = this.options.maxAttempts ?? 3;
    for (;;) {
      try {
        await this.options.run(job);
        // A lost "done" line only means the (idempotent) job runs again after a crash.
        await this.record({ op: "done", seq: job.seq });
        return;
      } catch (error) {
        job.attempts += 1;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.options.log.error(
          `${job.owner}/${job.repo} ${job.job.kind} (${job.delivery}) failed, try ${job.attempts} of ${max}: ${message}`,
        );
        if (job.attempts >= max) {
          await writeFile(join(this.failedDir, `${job.seq}.json`), JSON.stringify(job)).catch(
            () => {},
          );
          await this.record({ op: "failed", seq: job.seq });
          return;
        }
        await this.record({ op: "attempt", seq: job.seq, attempts: job.attempts });
        await new Promise((resolve) =>
          setTimeout(resolve, (this.options.retryDelayMs ?? 5000) * job.attempts),
        );
      }
    }
  }

  private async record(entry: Entry): Promise<void> {
    await this.journal?.append(line(entry)).catch((error: unknown) => {
      this.options.log.error(`job journal ${this.journalPath}: ${String(error)}`);
    });
  }

  /** The journal's entries; a torn last line (a crash mid-append) is dropped, any other bad line named. */
  private async replay(): Promise<Entry[]> {
    let text: string;
    try {
      text = await readFile(this.journalPath, "utf8");
    } catch {
      return [];
    }
    const lines = text.split("\n");
    const entries: Entry[] = [];
    for (const [index, raw] of lines.entries()) {
      if (raw.trim() === "") continue;
      let parsed: ReturnType<typeof entrySchema.safeParse>;
      try {
        parsed = entrySchema.safeParse(JSON.parse(raw));
      } catch {
        parsed = entrySchema.safeParse(undefined);
      }
      if (parsed.success) entries.push(parsed.data);
      else if (index < lines.length - 1)
        this.options.log.error(
          `${this.journalPath} line ${index + 1} is not a queue entry; skipped (the job it held, if any, is lost: redeliver it from the App's settings)`,
        );
    }
    return entries;
  }

  /** Rewrite the journal with only what is still needed: unfinished jobs and remembered deliveries. */
  private async compact(jobs: readonly StoredJob[]): Promise<void> {
    const active = new Set(jobs.map((j) => j.delivery));
    const text = [
      ...[...this.deliveries]
        .filter(([delivery]) => !active.has(delivery))
        .map(([delivery, at]) => line({ op: "seen", delivery, at })),
      ...jobs.map((job) => line({ op: "accept", job })),
    ].join("");
    const temp = `${this.journalPath}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.journalPath);
  }

  /** Jobs and delivery markers of the earlier one-file-per-job layout (jobs/, deliveries/). */
  private async legacyJobs(): Promise<StoredJob[]> {
    const jobs: StoredJob[] = [];
    const jobsDir = join(this.options.dir, "jobs");
    for (const file of await readdir(jobsDir).catch(() => [] as string[])) {
      if (!file.endsWith(".json")) continue;
      const parsed = storedJobSchema.safeParse(
        JSON.parse(await readFile(join(jobsDir, file), "utf8").catch(() => "null")),
      );
      if (parsed.success) jobs.push(parsed.data);
    }
    const markers = join(this.options.dir, "deliveries");
    for (const name of await readdir(markers).catch(() => [] as string[])) {
      const info = await stat(join(markers, name)).catch(() => null);
      if (info) this.deliveries.set(decodeURIComponent(name), info.mtimeMs);
    }
    return jobs;
  }
}
