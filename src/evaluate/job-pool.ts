/**
 * The one pool every clip × rung job of an evaluation runs in (candidate
 * rungs, parent rungs, baselines), so a machine with more cores than a clip
 * has rungs is used, and a machine with little memory is not overrun.
 *
 * Policy: at most `min(cores, memory budget / per-job estimate)` jobs run at
 * once, never fewer than one.
 * - cores: `os.availableParallelism()`. A job is three single-threaded codec
 *   processes (encoder, two decoders) that mostly wait on each other frame by
 *   frame, plus metrics on a worker thread: about one busy core per job.
 * - memory: half of the memory free when the evaluation starts
 *   (`os.freemem()`, which is MemAvailable on Linux; the cgroup limit when
 *   lower), divided by `jobMemoryBytes` of the largest clip. Half, because
 *   the estimate is coarse and the machine is shared with ffmpeg, the codec's
 *   own arrays and other programs.
 */
import { availableParallelism, freemem } from "node:os";

/** A Python process with numpy loaded, before it touches a frame. */
export const PROCESS_BASE_BYTES = 64 * 1024 * 1024;
/**
 * RGB frames' worth of memory a streaming job holds at its peak: on the host
 * the source frame (and its planes), the payload (up to two frames), two
 * decodes, the previous frame's pair under measurement and worker staging
 * copies; in each of the three codec processes the frame in, the frame out
 * and the codec's working arrays (counted as 4 frames each).
 */
export const FRAMES_PER_JOB = 8 + 3 * 4;

/** Estimated peak bytes of one streaming job on frames of this size. */
export function jobMemoryBytes(width: number, height: number): number {
  return 3 * PROCESS_BASE_BYTES + FRAMES_PER_JOB * width * height * 3;
}

/** What the pool size is computed from; `currentBounds` reads the machine. */
export interface PoolBounds {
  cores: number;
  /** Bytes the evaluation may use for its jobs. */
  memoryBudget: number;
}

/** Cores and half the free memory (or of the cgroup limit, when lower) of this machine now. */
export function currentBounds(): PoolBounds {
  let free = freemem();
  const constrained = (
    process as { constrainedMemory?: () => number | undefined }
  ).constrainedMemory?.();
  // Node reports 0 or a huge number when there is no cgroup limit.
  if (constrained && constrained > 0 && constrained < free) free = constrained;
  return { cores: Math.max(1, availableParallelism()), memoryBudget: Math.floor(free / 2) };
}

/** Jobs to run at once for jobs of `jobBytes` each: min(cores, budget / jobBytes), at least 1. */
export function poolSize(jobBytes: number, bounds: PoolBounds = currentBounds()): number {
  const byMemory = Math.floor(bounds.memoryBudget / Math.max(1, jobBytes));
  return Math.max(1, Math.min(bounds.cores, byMemory));
}

/**
 * The job count set by CODEC_EVOLVE_JOBS (a positive integer), or null: an
 * override of the policy above, for benchmarks and machines whose free
 * memory misleads (e.g. memory reserved for other work).
 */
export function jobsFromEnvironment(env: NodeJS.ProcessEnv = process.env): number | null {
  const text = env.CODEC_EVOLVE_JOBS;
  if (text === undefined || text === "") return null;
  const jobs = Number(text);
  if (!Number.isSafeInteger(jobs) || jobs < 1) {
    throw new Error(`CODEC_EVOLVE_JOBS must be a positive integer, got "${text}"`);
  }
  return jobs;
}

/** Runs async jobs with at most `size` in flight, in the order they were submitted. */
export class JobPool {
  private running = 0;
  private peak = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new Error(`JobPool size must be a positive integer, got ${size}`);
    }
  }

  /** Most jobs that ran at the same time so far (tests, bench). */
  get peakRunning(): number {
    return this.peak;
  }

  /** Run `job` when a slot is free; resolves or rejects with it. */
  async run<T>(job: () => Promise<T>): Promise<T> {
    // A finishing job hands its slot straight to the next waiter, so a new
    // caller can never slip in between and exceed the size.
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    this.peak = Math.max(this.peak, this.running);
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
