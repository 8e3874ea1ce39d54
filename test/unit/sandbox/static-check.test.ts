import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkCodec, decodePayloads, encodeFrames } from "../../../src/sandbox/run-codec.js";
import { configFor, gradientFrames } from "./frames.js";

const here = dirname(fileURLToPath(import.meta.url));
const codec = (name: string): string => join(here, "codecs", "static", name);

type StaticFixture =
  | "refused_numpy_from_import"
  | "refused_alias_chain"
  | "refused_getattr_value"
  | "refused_relative_import"
  | "refused_thread_count"
  | "wrong_signature";

const REFUSALS: { file: StaticFixture; category: string; line: number | null; message: RegExp }[] =
  [
    { file: "refused_numpy_from_import", category: "forbidden", line: 2, message: /numpy\.load/ },
    { file: "refused_alias_chain", category: "forbidden", line: 6, message: /numpy\.lib\.format/ },
    { file: "refused_getattr_value", category: "forbidden", line: 8, message: /getattr/ },
    {
      file: "refused_relative_import",
      category: "forbidden",
      line: 2,
      message: /relative imports/,
    },
    {
      file: "refused_thread_count",
      category: "forbidden",
      line: 7,
      message: /set_num_threads \(changes the thread count/,
    },
    {
      file: "wrong_signature",
      category: "missing-function",
      line: 6,
      message: /decompress_video_frame must take/,
    },
  ];

describe("static check", () => {
  it("accepts ordinary codec code", async () => {
    expect(await checkCodec(codec("allowed_patterns.py"))).toBeNull();
  });

  it("runs that ordinary code under every run-time guard", async () => {
    const frames = gradientFrames(2);
    const encoded = await encodeFrames(codec("allowed_patterns.py"), frames, configFor(frames));
    if (!encoded.ok) throw new Error(JSON.stringify(encoded.failure));
    const decoded = await decodePayloads(
      codec("allowed_patterns.py"),
      encoded.payloads,
      configFor(frames),
    );
    if (!decoded.ok) throw new Error(JSON.stringify(decoded.failure));
    expect(decoded.frames).toHaveLength(2);
  });

  it.each(REFUSALS)(
    "refuses $file ($category, line $line)",
    async ({ file, category, line, message }) => {
      const failure = await checkCodec(codec(`${file}.py`));
      expect(failure).toMatchObject({ category, line, stage: "validate" });
      expect(failure?.message).toMatch(message);
    },
  );

  it("honours a configured allowed-import list", async () => {
    const failure = await checkCodec(codec("allowed_patterns.py"), {
      allowedImports: ["numpy", "math"],
    });
    expect(failure).toMatchObject({ category: "forbidden", line: 3 });
    expect(failure?.message).toMatch(/forbidden import: functools \(allowed: math, numpy\)/);
  });
});
