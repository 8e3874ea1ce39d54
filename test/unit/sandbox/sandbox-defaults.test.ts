/**
 * One source for the sandbox limits: the config's defaults are the sandbox's
 * own, and sandbox.cpuSeconds reaches RLIMIT_CPU of the real codec process.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sandboxOptions } from "../../../src/cli/sandbox-options.js";
import { parseConfig } from "../../../src/config/load-config.js";
import { configSchema } from "../../../src/config/schema.js";
import { encodeFrames } from "../../../src/sandbox/run-codec.js";
import { DEFAULT_LIMITS, resolveLimits } from "../../../src/sandbox/sandbox-options.js";
import { configFor, gradientFrames } from "./frames.js";

describe("sandbox defaults", () => {
  it("a config without a sandbox section gives exactly the sandbox's default limits", () => {
    const { sandbox } = configSchema.parse({});
    const limits = resolveLimits(sandboxOptions(sandbox, {}).limits);
    expect(limits).toEqual(resolveLimits(undefined));
    expect(limits.frameSeconds).toBe(DEFAULT_LIMITS.frameSeconds);
    expect(limits.runSeconds).toBe(DEFAULT_LIMITS.runSeconds);
    expect(limits.cpuSeconds).toBe(DEFAULT_LIMITS.cpuSeconds);
    expect(limits.memoryBytes).toBe(DEFAULT_LIMITS.memoryBytes);
  });

  it("refuses a CPU limit that is not a positive whole number of seconds", () => {
    expect(() => parseConfig("sandbox:\n  cpuSeconds: 0\n")).toThrow(/sandbox\.cpuSeconds/);
    expect(() => parseConfig("sandbox:\n  cpuSeconds: 1.5\n")).toThrow(/sandbox\.cpuSeconds/);
  });

  it("sandbox.cpuSeconds from the config stops a codec that burns CPU", async () => {
    const dir = await mkdtemp(join(tmpdir(), "ce-cpu-"));
    const codec = join(dir, "burns_cpu.py");
    await writeFile(
      codec,
      [
        "def compress_video_frame(frame, frame_index, config):",
        "    total = 0",
        "    while True:",
        "        total += 1",
        "",
        "def decompress_video_frame(compressed_data, frame_index, config):",
        "    raise NotImplementedError",
        "",
      ].join("\n"),
    );
    const config = parseConfig("sandbox:\n  cpuSeconds: 1\n  frameSeconds: 60\n");
    const options = sandboxOptions(config.sandbox, { isolation: "none" });
    const frames = gradientFrames(1);
    const started = Date.now();
    const encoded = await encodeFrames(codec, frames, configFor(frames), options);
    expect(encoded.ok).toBe(false);
    if (encoded.ok) return;
    expect(encoded.failure.category).toBe("timeout");
    expect(encoded.failure.message).toMatch(/CPU limit of 1 s/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);
});
