/** The job pool's bounds: cores, memory, the environment override, and never more jobs than its size. */
import {
  JobPool,
  jobMemoryBytes,
  jobsFromEnvironment,
  poolSize,
  PROCESS_BASE_BYTES,
} from "../../../src/evaluate/job-pool.js";

describe("poolSize", () => {
  const gib = 1024 ** 3;
  it("is bounded by cores when memory is plentiful", () => {
    expect(poolSize(jobMemoryBytes(1920, 1080), { cores: 16, memoryBudget: 64 * gib })).toBe(16);
  });
  it("is bounded by memory when that is scarcer, and never below one", () => {
    const job = jobMemoryBytes(1920, 1080);
    expect(job).toBeGreaterThan(3 * PROCESS_BASE_BYTES);
    expect(poolSize(job, { cores: 16, memoryBudget: 3 * job + 1 })).toBe(3);
    expect(poolSize(job, { cores: 16, memoryBudget: job - 1 })).toBe(1);
    expect(poolSize(job, { cores: 1, memoryBudget: 64 * gib })).toBe(1);
  });
  it("estimates more memory for bigger frames", () => {
    expect(jobMemoryBytes(1920, 1080)).toBeGreaterThan(jobMemoryBytes(448, 320));
  });
});

describe("jobsFromEnvironment", () => {
  it("reads CODEC_EVOLVE_JOBS and refuses anything but a positive integer", () => {
    expect(jobsFromEnvironment({})).toBeNull();
    expect(jobsFromEnvironment({ CODEC_EVOLVE_JOBS: "3" })).toBe(3);
    expect(() => jobsFromEnvironment({ CODEC_EVOLVE_JOBS: "0" })).toThrow(
      /positive integer, got "0"/,
    );
    expect(() => jobsFromEnvironment({ CODEC_EVOLVE_JOBS: "two" })).toThrow(/CODEC_EVOLVE_JOBS/);
  });
});

describe("JobPool", () => {
  it("never runs more than its size at once, runs all jobs, and keeps each job's result", async () => {
    const pool = new JobPool(3);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        pool.run(async () => {
          started.push(i);
          running++;
          most = Math.max(most, running);
          // Uneven durations, so slots free up in a different order than they were taken.
          await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
          running--;
          return i * i;
        }),
      ),
    );
    expect(results).toEqual(Array.from({ length: 20 }, (_, i) => i * i));
    expect(most).toBe(3);
    expect(pool.peakRunning).toBe(3);
    // Waiting jobs start in the order they were submitted.
    expect(started).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it("frees the slot of a job that throws", async () => {
    const pool = new JobPool(1);
    await expect(pool.run(async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    await expect(pool.run(async () => 7)).resolves.toBe(7);
  });

  it("refuses a size that is not a positive integer", () => {
    expect(() => new JobPool(0)).toThrow(/positive integer/);
  });
});
