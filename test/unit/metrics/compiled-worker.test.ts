/**
 * The worker pool must also work from tsc's output (what `dist/` ships), not
 * only under ts-jest: compile the metrics modules with tsc into a temporary
 * folder and run measureQuality on worker threads in a plain node process.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { measureQuality } from "../../../src/evaluate/metrics/quality.js";
import { compileSrc } from "../../fixtures/processes/compile-src.js";
import { noise } from "./noise.js";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "metrics-compiled-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("runs measureQuality on worker threads from compiled JavaScript, with the same figures, and lets the process exit", async () => {
  expect(compileSrc(["src/evaluate/metrics/quality.ts"], join(dir, "out"))).toBe("");
  const driver = join(dir, "out/driver.js");
  writeFileSync(
    driver,
    `import { measureQuality } from "./evaluate/metrics/quality.js";
import { sharedQualityPool } from "./evaluate/metrics/quality-pool.js";
const [w, h, ...frames] = JSON.parse(process.argv[2]);
const asFrames = (list) => list.map((data) => ({ width: w, height: h, data: Uint8Array.from(data) }));
const result = await measureQuality(asFrames(frames.slice(0, 3)), asFrames(frames.slice(3)), { threads: "workers" });
console.log(JSON.stringify({ result, workers: sharedQualityPool().liveWorkers }));
// No closeSharedQualityPool(): idle workers are unref'd, so the process must exit by itself.
`,
  );
  const width = 40;
  const height = 24;
  const data = [0, 1, 2, 3, 4, 5].map((seed) => [...noise(width * height * 3, seed + 1)]);
  const run = spawnSync(process.execPath, [driver, JSON.stringify([width, height, ...data])], {
    encoding: "utf8",
    timeout: 30_000,
  });
  expect(run.signal).toBeNull();
  expect(run.stderr).toBe("");
  const { result, workers } = JSON.parse(run.stdout) as { result: unknown; workers: number };
  expect(workers).toBeGreaterThan(0);
  const frames = data.map((d) => ({ width, height, data: Uint8Array.from(d) }));
  expect(result).toEqual(
    await measureQuality(frames.slice(0, 3), frames.slice(3), { threads: "main" }),
  );
});
