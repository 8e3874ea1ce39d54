import { buildWorkerScript, QualityPool } from "../../../src/evaluate/metrics/quality-pool.js";

const task = {
  source: new Uint8Array(8 * 8 * 3),
  decoded: new Uint8Array(8 * 8 * 3).fill(3),
  width: 8,
  height: 8,
};

describe("QualityPool", () => {
  it("scores a frame pair on a worker", async () => {
    const pool = new QualityPool(1);
    try {
      // 192 samples each off by 3; luma of (3,3,3) is 3; SSIM of a flat 0 vs flat 3 plane.
      const [sseRgb, , , , sseY] = await pool.run(task);
      expect(sseRgb).toBe(192 * 9);
      expect(sseY).toBe(64 * 9);
    } finally {
      await pool.close();
    }
  });

  it("fails waiting tasks with the worker's error instead of respawning a broken worker forever", async () => {
    const pool = new QualityPool(2, 'throw new Error("kernel source is broken")');
    try {
      const results = await Promise.allSettled([pool.run(task), pool.run(task), pool.run(task)]);
      for (const result of results) {
        expect(result.status).toBe("rejected");
        expect(String((result as PromiseRejectedResult).reason)).toMatch(
          /quality worker (crashed: kernel source is broken|exited)/,
        );
      }
      expect(pool.liveWorkers).toBe(0);
    } finally {
      await pool.close();
    }
  });

  it("reports an error thrown by the kernel for one task and keeps serving", async () => {
    const pool = new QualityPool(1);
    try {
      await expect(pool.run({ ...task, width: -8 })).rejects.toThrow(
        /quality worker failed: RangeError/,
      );
      await expect(pool.run(task)).resolves.toHaveLength(6);
    } finally {
      await pool.close();
    }
  });

  it("refuses work after close and bad sizes", async () => {
    const pool = new QualityPool(1);
    await pool.close();
    await expect(pool.run(task)).rejects.toThrow(/closed/);
    expect(() => new QualityPool(0)).toThrow(/positive integer/);
  });
});

describe("buildWorkerScript", () => {
  it("runs kernels instrumented by a coverage tool (cov_<hash>() counters) in the worker", async () => {
    // What istanbul makes of a kernel: counter bumps through a module-level function.
    const instrumented = `function fakeSums(source, decoded, width, height, scratch) {
  cov_2x9q7().f[0]++;
  cov_2x9q7().s[3]++;
  if (width > 0) { cov_2x9q7().b[1][0]++; } else { cov_2x9q7().b[1][1]++; }
  return [source.length, decoded[0], width, height, scratch.length, 0.5];
}`;
    const pool = new QualityPool(1, buildWorkerScript([instrumented], "fakeSums"));
    try {
      await expect(pool.run(task)).resolves.toEqual([192, 3, 8, 8, 128, 0.5]);
    } finally {
      await pool.close();
    }
  });

  it("adds no stand-ins to uninstrumented kernels", () => {
    expect(buildWorkerScript(["function f() { return 1; }"], "f")).not.toMatch(/Proxy/);
  });
});
