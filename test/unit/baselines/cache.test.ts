import { createHash } from "node:crypto";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cacheKey,
  readCache,
  writeCache,
  type CacheKeyMaterial,
  type CachedKnob,
} from "../../../src/evaluate/baselines/cache.js";
import {
  clipSamplesHash,
  scoringCodeFingerprint,
} from "../../../src/evaluate/baselines/fingerprint.js";
import { syntheticClip } from "../../../src/evaluate/clips/synthetic.js";
import { nativeYuvClip } from "./helpers.js";

const material: CacheKeyMaterial = {
  baseline: "x265",
  version: "ffmpeg 5.1.9 / libx265 3.5",
  settings: "preset medium",
  samplesHash: "a".repeat(64),
  scoringHash: "b".repeat(64),
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "baseline-cache-unit-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("baseline cache", () => {
  test("every part of the key material changes the key", () => {
    const key = cacheKey(material);
    for (const field of Object.keys(material) as (keyof CacheKeyMaterial)[]) {
      expect(cacheKey({ ...material, [field]: `${material[field]}x` })).not.toBe(key);
    }
  });

  test("round-trips entries, an infinite PSNR included, and leaves no temporary file", async () => {
    const knobs = new Map<number, CachedKnob>([
      [
        0,
        {
          bytes: 9000,
          encodeSeconds: 0.2,
          quality: { psnrRgb: Infinity, ssimRgb: 1, psnrY: Infinity, ssimY: 1 },
          decodeSeconds: 0.1,
        },
      ],
      [28, { bytes: 700, encodeSeconds: 0.1 }],
    ]);
    const key = cacheKey(material);
    await writeCache(join(dir, "nested"), key, material, knobs);
    expect(await readdir(join(dir, "nested"))).toEqual([`${key}.json`]);
    expect(await readCache(join(dir, "nested"), key)).toEqual(knobs);
  });

  test("missing, malformed or foreign files read as empty", async () => {
    expect((await readCache(dir, "nope")).size).toBe(0);
    await writeFile(join(dir, "bad.json"), "{not json");
    expect((await readCache(dir, "bad")).size).toBe(0);
    await writeFile(
      join(dir, "old.json"),
      JSON.stringify({ format: 0, knobs: { 1: { bytes: 5, encodeSeconds: 1 } } }),
    );
    expect((await readCache(dir, "old")).size).toBe(0);
    await writeFile(
      join(dir, "junk.json"),
      JSON.stringify({ format: 1, knobs: { 1: { bytes: -5, encodeSeconds: 1 } } }),
    );
    expect((await readCache(dir, "junk")).size).toBe(0);
  });

  test("sample hashes see every pixel, and the native planes when they are used", async () => {
    const clip = nativeYuvClip(16, 16, 2);
    const base = await clipSamplesHash(clip, true);
    // The streamed hash is the one of the bytes in memory: same RGB frames, then the planes.
    const expected = createHash("sha256");
    expected.update("16x16@25:2\n");
    for (const frame of clip.frames) expected.update(frame.data);
    expected.update("native yuv420p tv\n");
    for (const planes of clip.native!.frames) expected.update(planes);
    expect(base).toBe(expected.digest("hex"));
    const planes = clip.native!.frames.map((p) => Uint8Array.from(p));
    planes[1]![100] = planes[1]![100]! ^ 1;
    const touchedNative = { ...clip, native: { ...clip.native!, frames: planes } };
    expect(await clipSamplesHash(touchedNative, true)).not.toBe(base);
    expect(await clipSamplesHash(touchedNative, false)).toBe(await clipSamplesHash(clip, false));
    const rgb = syntheticClip("noise", { width: 16, height: 16, frames: 2, seed: 1 });
    const data = Uint8Array.from(rgb.frames[1]!.data);
    data[767] = data[767]! ^ 1;
    const touched = { ...rgb, frames: [rgb.frames[0]!, { ...rgb.frames[1]!, data }] };
    expect(await clipSamplesHash(touched, false)).not.toBe(await clipSamplesHash(rgb, false));
  });

  test("the scoring-code fingerprint is stable within a process", async () => {
    const a = await scoringCodeFingerprint();
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(await scoringCodeFingerprint()).toBe(a);
  });
});
