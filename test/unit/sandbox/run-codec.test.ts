import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCodec, decodePayloads, encodeFrames } from "../../../src/sandbox/run-codec.js";
import type { SandboxOptions } from "../../../src/sandbox/sandbox-options.js";
import { configFor, gradientFrames } from "./frames.js";

const here = dirname(fileURLToPath(import.meta.url));
const codec = (name: string): string => join(here, "codecs", name);
const limits = { frameSeconds: 10, runSeconds: 30, loadSeconds: 20 };

describe.each(["auto", "none"] as const)("sandboxed runner (isolation %s)", (isolation) => {
  const opts: SandboxOptions = { limits, isolation };
  const frames = gradientFrames(4);
  const config = configFor(frames);

  it("round-trips a lossless codec through separate encoder and decoder processes", async () => {
    const encoded = await encodeFrames(codec("lossless_zlib.py"), frames, config, opts);
    if (!encoded.ok) throw new Error(JSON.stringify(encoded.failure));
    expect(encoded.payloads).toHaveLength(4);
    expect(encoded.codecSeconds).toBeGreaterThan(0);
    const decoded = await decodePayloads(codec("lossless_zlib.py"), encoded.payloads, config, opts);
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.failure));
    decoded.frames.forEach((frame, i) =>
      expect(Buffer.from(frame.data).equals(Buffer.from(frames[i]!.data))).toBe(true),
    );
  });

  it("runs a codec that uses cv2 from memory", async () => {
    const encoded = await encodeFrames(codec("uses_cv2.py"), frames, config, opts);
    if (!encoded.ok) throw new Error(JSON.stringify(encoded.failure));
    const decoded = await decodePayloads(codec("uses_cv2.py"), encoded.payloads, config, opts);
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.failure));
    expect(decoded.frames).toHaveLength(4);
  });

  it("reports an exception with the codec's own line, the frame and a bounded traceback", async () => {
    const encoded = await encodeFrames(codec("raises_on_frame_2.py"), frames, config, opts);
    expect(encoded.ok).toBe(false);
    if (encoded.ok) return;
    expect(encoded.failure).toMatchObject({
      category: "runtime",
      line: 7,
      frameIndex: 2,
      stage: "encode",
    });
    expect(encoded.failure.message).toContain("frame two is cursed");
    expect(encoded.failure.traceback).toContain("raises_on_frame_2.py");
    expect(encoded.failure.traceback!.length).toBeLessThanOrEqual(2003);
  });

  it("passes the static check for a well-behaved codec", async () => {
    expect(await checkCodec(codec("lossless_zlib.py"), opts)).toBeNull();
  });
});
