/**
 * The App's work queue: one serial lane per repository, persisted in a local
 * state directory. A webhook handler only writes the job file (fsync, then
 * rename) and returns, so GitHub gets its answer in milliseconds; a restart
 * finds the files and runs what was not finished; the delivery id marks what
 * was already accepted, so a redelivery is not done twice.
 *
 * Why a local directory and not the data branch: a delivery must be durable
 * before the 2xx (GitHub does not redeliver on its own), and a commit on
 * GitHub per delivery costs hundreds of milliseconds and counts against the
 * content-creation rate limit. What must hold across replicas (schedule slots,
 * ledger records, candidate ids) is guarded on GitHub itself instead: leases
 * and compare-and-swap on the data branch, atomic ref creation, and PR meta
 * blocks that make every job idempotent.
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
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
  /** Delivery markers older than this are pruned at start. */
  markerDays?: number;
}

/** Accepted: queued now; duplicate: this delivery id was accepted before. */
export type AcceptOutcome = "queued" | "duplicate";

export class JobQueue {
  private readonly lanes = new Map<string, Promise<void>>();
  private seq = 0;
  private readonly jobsDir: string;
  private readonly markersDir: string;
  private readonly failedDir: string;
  private readonly accepting = new Set<string>();

  constructor(private readonly options: JobQueueOptions) {
    this.jobsDir = join(options.dir, "jobs");
    this.markersDir = join(options.dir, "deliveries");
    this.failedDir = join(options.dir, "failed");
  }

  /** Create the directories, prune old markers, and run the jobs a previous process left. */
  async start(): Promise<number> {
    await Promise.all([this.jobsDir, this.markersDir, this.failedDir].map((d) => mkdir(d, { recursive: true })));
    const cutoff = Date.now() - (this.options.markerDays ?? 30) * 86_400_000;
    for (const name of await readdir(this.markersDir)) {
      const info = await stat(join(this.markersDir, name)).catch(() => null);
      if (info && info.mtimeMs < cutoff) await rm(join(this.markersDir, name), { force: true });
    }
    const files = (await readdir(this.jobsDir)).filter((f) => f.endsWith(".json")).sort();
    const left: StoredJob[] = [];
    for (const file of files) {
      const text = await readFile(join(this.jobsDir, file), "utf8");
      const parsed = storedJobSchema.safeParse(JSON.parse(text));
      if (!parsed.success) {
        this.options.log.error(`job file ${file} is not a job; moved to failed/`);
        await rename(join(this.jobsDir, file), join(this.failedDir, file));
        continue;
      }
      left.push(parsed.data);
      // A job written just before a crash may have no marker yet: restore it so a redelivery is refused.
      await writeFile(this.markerPath(parsed.data.delivery), "", { flag: "w" });
    }
    this.seq = Math.max(Date.now() * 1000, ...left.map((j) => j.seq + 1));
    for (const job of left) this.schedule(job);
    if (left.length) this.options.log.info(`resuming ${left.length} job(s) left by the previous process`);
    return left.length;
  }

  /** Persist a job for a delivery and queue it on its repository's lane. */
  async accept(
    delivery: string,
    installationId: number,
    repo: { owner: string; repo: string },
    job: Job,
  ): Promise<AcceptOutcome> {
    const marker = this.markerPath(delivery);
    if (this.accepting.has(delivery) || (await exists(marker))) return "duplicate";
    this.accepting.add(delivery);
    try {
      const stored: StoredJob = {
        seq: this.seq++,
        delivery,
        installationId,
        owner: repo.owner,
        repo: repo.repo,
        receivedAt: new Date().toISOString(),
        attempts: 0,
        job,
      };
      await this.write(stored);
      await writeFile(marker, "", { flag: "w" });
      this.schedule(stored);
      return "queued";
    } finally {
      this.accepting.delete(delivery);
    }
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
        await rm(this.jobPath(job), { force: true });
        return;
      } catch (error) {
        job.attempts += 1;
        const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
        this.options.log.error(`${job.owner}/${job.repo} ${job.job.kind} (${job.delivery}) failed, try ${job.attempts} of ${max}: ${message}`);
        if (job.attempts >= max) {
          await rename(this.jobPath(job), join(this.failedDir, `${job.seq}.json`)).catch(() => {});
          return;
        }
        await this.write(job);
        await new Promise((resolve) => setTimeout(resolve, (this.options.retryDelayMs ?? 5000) * job.attempts));
      }
    }
  }

  private async write(job: StoredJob): Promise<void> {
    const path = this.jobPath(job);
    const temp = `${path}.tmp`;
    const handle = await open(temp, "w");
    try {
      await handle.writeFile(JSON.stringify(job));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  }

  private jobPath(job: StoredJob): string {
    return join(this.jobsDir, `${String(job.seq).padStart(20, "0")}.json`);
  }

  private markerPath(delivery: string): string {
    return join(this.markersDir, encodeURIComponent(delivery));
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
