import type { Frame } from "../contract/frame.js";
import type { Failure } from "../contract/failure.js";
import type { CodecConfig } from "./codec-config.js";
import { CodecSide, type CodecMode } from "./codec-side.js";
import type { SandboxOptions } from "./sandbox-options.js";

/** Per call: the codec's wall-clock seconds and its process's CPU seconds (see harness.py). */
interface CallTimes {
  codecSeconds: number;
  callSeconds?: number[];
  callCpuSeconds?: number[];
}
export type EncodeOutcome =
  ({ ok: true; payloads: Buffer[] } & CallTimes) | { ok: false; failure: Failure };
export type DecodeOutcome =
  ({ ok: true; frames: Frame[] } & CallTimes) | { ok: false; failure: Failure };

interface SideResult {
  outputs: Buffer[];
  seconds: number[];
  cpuSeconds: number[];
}

/** Static check only (syntax, forbidden import/name/attribute/call, missing-function); null when the codec may run. */
export async function checkCodec(
  codecPath: string,
  opts: SandboxOptions = {},
): Promise<Failure | null> {
  const config: CodecConfig = { quality: 50, width: 1, height: 1, fps: 1 };
  const result = await runSide("check", codecPath, [], config, opts);
  return "failure" in result ? result.failure : null;
}

/** Encode frames in one fresh sandboxed process; payloads[i] is frame i's bytes. */
export async function encodeFrames(
  codecPath: string,
  frames: readonly Frame[],
  config: CodecConfig,
  opts: SandboxOptions = {},
): Promise<EncodeOutcome> {
  for (const [index, frame] of frames.entries()) {
    if (
      frame.width !== config.width ||
      frame.height !== config.height ||
      frame.data.length !== frame.width * frame.height * 3
    ) {
      throw new Error(
        `frame ${index} is ${frame.width}x${frame.height} (${frame.data.length} bytes) but config says ${config.width}x${config.height}`,
      );
    }
  }
  const result = await runSide(
    "encode",
    codecPath,
    frames.map((f) => f.data),
    config,
    opts,
  );
  if ("failure" in result) return { ok: false, failure: result.failure };
  return {
    ok: true,
    payloads: result.outputs,
    codecSeconds: sum(result.seconds),
    callSeconds: result.seconds,
    callCpuSeconds: result.cpuSeconds,
  };
}

/** Decode payloads in another fresh sandboxed process that sees nothing but bytes, index and config. */
export async function decodePayloads(
  codecPath: string,
  payloads: readonly Buffer[],
  config: CodecConfig,
  opts: SandboxOptions = {},
): Promise<DecodeOutcome> {
  const result = await runSide("decode", codecPath, payloads, config, opts);
  if ("failure" in result) return { ok: false, failure: result.failure };
  const frames = result.outputs.map((data) => ({
    width: config.width,
    height: config.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.length),
  }));
  return {
    ok: true,
    frames,
    codecSeconds: sum(result.seconds),
    callSeconds: result.seconds,
    callCpuSeconds: result.cpuSeconds,
  };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function runSide(
  mode: CodecMode,
  codecPath: string,
  inputs: readonly Uint8Array[],
  config: CodecConfig,
  opts: SandboxOptions,
): Promise<SideResult | { failure: Failure }> {
  const opened = await CodecSide.open(mode, codecPath, config, opts);
  if (!opened.ok) return { failure: opened.failure };
  const side = opened.side;
  try {
    const outputs: Buffer[] = [];
    const seconds: number[] = [];
    const cpuSeconds: number[] = [];
    for (const [index, data] of inputs.entries()) {
      const output = await side.process(index, data);
      if (!output.ok) return { failure: output.failure };
      outputs.push(output.data);
      seconds.push(output.seconds);
      cpuSeconds.push(output.cpuSeconds);
    }
    if (mode !== "check") {
      const failure = await side.finish();
      if (failure) return { failure };
    }
    return { outputs, seconds, cpuSeconds };
  } finally {
    side.dispose();
  }
}
