import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The starter codec run through its public contract by a tiny Python driver:
// encode in one process, decode in another (nothing but the bytes crosses).
const here = dirname(fileURLToPath(import.meta.url));
const PYTHON = "/usr/bin/python3";
const DRIVER = join(here, "codec-driver.py");
const CODEC = join(here, "../../../codec/evolved_codec.py");

interface EncodeReport {
  bytes: number;
  frameBytes: number[];
}

interface DecodeReport {
  shapes: number[][];
  dtypes: string[];
  sha256: string;
  psnrRgb: number;
  framePsnr: number[];
}

/** Runs the driver once and parses its JSON line; a non-zero exit fails with the Python error. */
function runDriver(
  mode: "encode" | "decode",
  bits: string,
  args: number[],
  tunables: "default" | "min" | "max" = "default",
): unknown {
  const run = spawnSync(PYTHON, [DRIVER, mode, CODEC, bits, ...args.map(String), tunables], {
    encoding: "utf8",
    env: { ...process.env, OPENBLAS_NUM_THREADS: "1" },
  });
  if (run.status !== 0) {
    throw new Error(`codec driver ${mode} failed (${run.status}): ${run.stderr}`);
  }
  return JSON.parse(run.stdout.trim().split("\n").pop() ?? "");
}

describe("codec/evolved_codec.py (starter codec)", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "codec-test-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const width = 96;
  const height = 80;
  const frames = 8;
  const ladder = [20, 50, 80];
  const results = new Map<number, { enc: EncodeReport; dec: DecodeReport }>();

  beforeAll(() => {
    for (const quality of ladder) {
      const bits = join(dir, `q${quality}.bits`);
      const enc = runDriver("encode", bits, [width, height, frames, quality]) as EncodeReport;
      const dec = runDriver("decode", bits, [width, height, frames, quality]) as DecodeReport;
      results.set(quality, { enc, dec });
    }
  });

  it("decodes every frame to exactly (H, W, 3) uint8 in a separate process", () => {
    for (const quality of ladder) {
      const { dec } = results.get(quality)!;
      expect(dec.shapes).toEqual(Array.from({ length: frames }, () => [height, width, 3]));
      expect(dec.dtypes).toEqual(["uint8"]);
    }
  });

  it("is deterministic: a second decoder process gives identical frames", () => {
    const bits = join(dir, "q50.bits");
    const again = runDriver("decode", bits, [width, height, frames, 50]) as DecodeReport;
    expect(again.sha256).toBe(results.get(50)!.dec.sha256);
  });

  it("spends more bits and gets higher PSNR as quality rises", () => {
    const bytes = ladder.map((q) => results.get(q)!.enc.bytes);
    const psnr = ladder.map((q) => results.get(q)!.dec.psnrRgb);
    expect(bytes[0]!).toBeLessThan(bytes[1]!);
    expect(bytes[1]!).toBeLessThan(bytes[2]!);
    expect(psnr[0]!).toBeLessThan(psnr[1]!);
    expect(psnr[1]!).toBeLessThan(psnr[2]!);
  });

  it("reaches a sane PSNR at quality 80 on every frame (no encoder/decoder drift)", () => {
    const { dec } = results.get(80)!;
    expect(dec.psnrRgb).toBeGreaterThan(36);
    for (const p of dec.framePsnr) expect(p).toBeGreaterThan(35);
    // inter frames must be much cheaper than sending every frame as a key frame
    const { enc } = results.get(50)!;
    const inter = enc.frameBytes.slice(1);
    expect(Math.max(...inter)).toBeLessThan(enc.frameBytes[0]!);
  });

  it.each([
    [53, 37],
    [17, 9],
    [1, 1],
  ])("handles an odd frame size %ix%i", (w, h) => {
    const bits = join(dir, `odd-${w}x${h}.bits`);
    runDriver("encode", bits, [w, h, 4, 50]);
    const dec = runDriver("decode", bits, [w, h, 4, 50]) as DecodeReport;
    expect(dec.shapes).toEqual(Array.from({ length: 4 }, () => [h, w, 3]));
    expect(dec.dtypes).toEqual(["uint8"]);
    expect(dec.psnrRgb).toBeGreaterThan(25);
  });

  it.each(["min", "max"] as const)(
    "still works with every tunable at the %s end of its declared range",
    (end) => {
      const bits = join(dir, `tunables-${end}.bits`);
      const enc = runDriver("encode", bits, [width, height, 6, 50], end) as EncodeReport;
      const dec = runDriver("decode", bits, [width, height, 6, 50], end) as DecodeReport;
      expect(dec.shapes).toEqual(Array.from({ length: 6 }, () => [height, width, 3]));
      expect(dec.dtypes).toEqual(["uint8"]);
      expect(enc.bytes).toBeGreaterThan(0);
      expect(dec.psnrRgb).toBeGreaterThan(25);
    },
  );
});
