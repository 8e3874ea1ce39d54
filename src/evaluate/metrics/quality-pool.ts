/**
 * A small pool of worker threads that score frame pairs with the kernels of
 * `frame-kernels.ts`.
 *
 * The worker's code is the kernels' own source text (evaluated with
 * `eval: true`), not a separate worker file: a file would exist only in the
 * compiled `dist/` (tsc does not emit next to the `.ts` sources ts-jest runs,
 * and a bundler would have to know about it), while source text travels with
 * whatever build of this module is running.
 *
 * Workers are created lazily, shared across calls, and kept unref'd while idle
 * so an idle pool never holds the process open; a worker is ref'd while it has
 * a task, because a pending promise alone does not keep Node alive.
 */
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { FRAME_KERNELS, frameQualitySums } from "./frame-kernels.js";

/** One frame pair to score; the arrays are packed RGB24 of width·height pixels. */
export interface FramePairTask {
  readonly source: Uint8Array;
  readonly decoded: Uint8Array;
  readonly width: number;
  readonly height: number;
}

interface QueuedTask extends FramePairTask {
  readonly resolve: (sums: number[]) => void;
  readonly reject: (error: Error) => void;
}

interface PoolWorker {
  readonly worker: Worker;
  task: QueuedTask | null;
  /** Shared staging copies of the last frames posted to this worker. */
  source: Uint8Array | null;
  decoded: Uint8Array | null;
}

interface WorkerReply {
  sums?: number[];
  error?: string;
}

/**
 * The worker's script: the kernels' source texts and a message loop calling
 * `entry` (a function named in those texts) as `frameQualitySums` is called.
 *
 * Coverage tools (istanbul, used by `jest --coverage`) rewrite function bodies
 * to bump counters through module-level `cov_<hash>()` functions that do not
 * travel with the text; the script defines inert stand-ins for any it finds so
 * instrumented kernels still run in the worker.
 */
export function buildWorkerScript(kernelTexts: readonly string[], entry: string): string {
  const kernels = kernelTexts.join("\n\n");
  const coverageNames = [...new Set(kernels.match(/\bcov_[0-9A-Za-z_$]+(?=\(\))/g) ?? [])];
  const coverageStubs = coverageNames.length
    ? `const counters = () => new Proxy({}, { get: (t, k) => (k in t ? t[k] : (t[k] = 0)) });
const coverage = { s: counters(), f: counters(), b: new Proxy({}, { get: (t, k) => (t[k] ??= counters()) }) };
${coverageNames.map((name) => `function ${name}() { return coverage; }`).join("\n")}
`
    : "";
  return `"use strict";
const { parentPort } = require("node:worker_threads");
${coverageStubs}${kernels}
let scratch = new Uint8Array(0);
parentPort.on("message", (task) => {
  try {
    const needed = 2 * task.width * task.height;
    if (scratch.length < needed) scratch = new Uint8Array(needed);
    const sums = ${entry}(task.source, task.decoded, task.width, task.height, scratch);
    parentPort.postMessage({ sums });
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.stack) || error) });
  }
});
`;
}

function workerSource(): string {
  return buildWorkerScript(
    FRAME_KERNELS.map((kernel) => kernel.toString()),
    frameQualitySums.name,
  );
}

/**
 * A view of `data` that can be posted to a worker without copying its whole
 * backing buffer: shared memory is passed as is; anything else is copied into
 * `staging` (a SharedArrayBuffer owned by that worker, reused from task to task
 * because a worker holds one task at a time) or into a new one of the right
 * size. Posting a plain view would clone its entire backing ArrayBuffer, which
 * may be a whole clip.
 */
function shareable(data: Uint8Array, staging: Uint8Array | null): Uint8Array {
  if (data.buffer instanceof SharedArrayBuffer) return data;
  const target =
    staging && staging.length === data.length
      ? staging
      : new Uint8Array(new SharedArrayBuffer(data.length));
  target.set(data);
  return target;
}

/** Worker-thread pool computing `frameQualitySums` for frame pairs. */
export class QualityPool {
  private readonly workers: PoolWorker[] = [];
  private readonly queue: QueuedTask[] = [];
  private closed = false;

  /** `workerCode` replaces the worker's script (tests of the failure paths). */
  constructor(
    readonly size: number,
    private workerCode: string | null = null,
  ) {
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`QualityPool size must be a positive integer, got ${size}`);
    }
  }

  /** Scores one frame pair on a worker; resolves to `frameQualitySums`' result. */
  run(task: FramePairTask): Promise<number[]> {
    if (this.closed) return Promise.reject(new Error("QualityPool is closed"));
    return new Promise<number[]>((resolve, reject) => {
      this.queue.push({ ...task, resolve, reject });
      this.dispatch();
    });
  }

  /** Number of worker threads currently alive (for tests and diagnostics). */
  get liveWorkers(): number {
    return this.workers.length;
  }

  /** Terminates every worker and fails queued tasks. */
  async close(): Promise<void> {
    this.closed = true;
    const failure = new Error("QualityPool closed before the task ran");
    for (const task of this.queue.splice(0)) task.reject(failure);
    const workers = this.workers.splice(0);
    for (const entry of workers) entry.task?.reject(failure);
    await Promise.all(workers.map((entry) => entry.worker.terminate()));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let idle = this.workers.find((entry) => entry.task === null);
      if (!idle && this.workers.length < this.size) idle = this.spawn();
      if (!idle) return;
      const task = this.queue.shift()!;
      idle.task = task;
      idle.worker.ref();
      try {
        const source = shareable(task.source, idle.source);
        const decoded = shareable(task.decoded, idle.decoded);
        if (source !== task.source) idle.source = source;
        if (decoded !== task.decoded) idle.decoded = decoded;
        idle.worker.postMessage({
          source,
          decoded,
          width: task.width,
          height: task.height,
        });
      } catch (error) {
        idle.task = null;
        idle.worker.unref();
        task.reject(error instanceof Error ? error : new Error(String(error)));
      }
    }
  }

  private spawn(): PoolWorker {
    this.workerCode ??= workerSource();
    const worker = new Worker(this.workerCode, { eval: true, name: "codec-evolve quality" });
    worker.unref();
    const entry: PoolWorker = { worker, task: null, source: null, decoded: null };
    worker.on("message", (reply: WorkerReply) => {
      const task = entry.task;
      entry.task = null;
      worker.unref();
      if (task) {
        if (reply.sums) task.resolve(reply.sums);
        else task.reject(new Error(`quality worker failed: ${reply.error ?? "no result"}`));
      }
      this.dispatch();
    });
    const retire = (error: Error): void => {
      const index = this.workers.indexOf(entry);
      if (index < 0) return;
      this.workers.splice(index, 1);
      const task = entry.task;
      entry.task = null;
      task?.reject(error);
      // A worker that dies on start-up would die again: fail what waits rather than respawn forever.
      if (this.workers.length === 0) {
        for (const queued of this.queue.splice(0)) queued.reject(error);
      } else {
        this.dispatch();
      }
    };
    worker.on("error", (error) => retire(new Error(`quality worker crashed: ${error.message}`)));
    worker.on("exit", (code) => retire(new Error(`quality worker exited with code ${code}`)));
    this.workers.push(entry);
    return entry;
  }
}

let sharedPool: QualityPool | null = null;

/** The process-wide pool, created on first use with one worker per available CPU. */
export function sharedQualityPool(): QualityPool {
  sharedPool ??= new QualityPool(Math.max(1, availableParallelism()));
  return sharedPool;
}

/** Terminates the process-wide pool (the next use creates a fresh one). */
export async function closeSharedQualityPool(): Promise<void> {
  const pool = sharedPool;
  sharedPool = null;
  await pool?.close();
}
