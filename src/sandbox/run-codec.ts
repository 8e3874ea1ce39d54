import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { Frame } from "../contract/frame.js";
import type { Failure } from "../contract/failure.js";
import type { CodecConfig } from "./codec-config.js";
import { failureFromEvent } from "./failure-from-event.js";
import { findPython } from "./find-python.js";
import { HarnessProcess } from "./harness-process.js";
import { resolveIsolation, sandboxUser } from "./isolation.js";
import { indexedBody, parseOutput } from "./protocol.js";
import { probePython } from "./python-info.js";
import { DEFAULT_ALLOWED_IMPORTS, resolveLimits, type SandboxOptions } from "./sandbox-options.js";

export type EncodeOutcome =
  | { ok: true; payloads: Buffer[]; codecSeconds: number; callSeconds?: number[] }
  | { ok: false; failure: Failure };
export type DecodeOutcome =
  | { ok: true; frames: Frame[]; codecSeconds: number; callSeconds?: number[] }
  | { ok: false; failure: Failure };

type Mode = "check" | "encode" | "decode";
type Stage = "validate" | "encode" | "decode";

interface SideResult {
  outputs: Buffer[];
  seconds: number[];
}

const STAGE: Record<Mode, Stage> = { check: "validate", encode: "encode", decode: "decode" };

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
  return { ok: true, frames, codecSeconds: sum(result.seconds), callSeconds: result.seconds };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

async function runSide(
  mode: Mode,
  codecPath: string,
  inputs: readonly Uint8Array[],
  config: CodecConfig,
  opts: SandboxOptions,
): Promise<SideResult | { failure: Failure }> {
  if (!existsSync(codecPath)) throw new Error(`codec file not found: ${codecPath}`);
  const limits = resolveLimits(opts.limits);
  const python = await probePython(await findPython(opts.python));
  const isolation = await resolveIsolation(opts);
  const frameBytes = config.width * config.height * 3;
  // The host keeps every payload in memory: no frame may cost more than twice its raw size
  // (plus slack for headers), whatever payloadBytesPerFrame says.
  const payloadLimit = Math.min(limits.payloadBytesPerFrame, 2 * frameBytes + 65536);
  const harness = new HarnessProcess({
    codecPath,
    python,
    isolation,
    logBytes: limits.logBytes,
    maxMessageBytes: Math.max(1024 * 1024, 12 + (mode === "decode" ? frameBytes : payloadLimit)),
  });
  const stage = STAGE[mode];
  const started = performance.now();
  const runLeft = (): number => limits.runSeconds - (performance.now() - started) / 1000;
  let frameIndex: number | undefined;
  const fail = (
    event: Parameters<typeof failureFromEvent>[0],
    waited: "load" | "frame" | "end",
    budgetSeconds: number,
  ): { failure: Failure } => ({
    failure: failureFromEvent(event, {
      stage,
      frameIndex,
      limits,
      waited,
      budgetSeconds,
      log: harness.logText(),
      bubblewrap: isolation.mode === "bubblewrap",
    }),
  });
  try {
    // RLIMIT_NPROC counts every process of the uid: only meaningful in a user namespace or for a dedicated uid.
    const processes = isolation.mode === "bubblewrap" || sandboxUser() ? limits.processes : 0;
    const setup = {
      mode,
      codecFile: harness.codecFile,
      // Frames of the codec are recognised by this name: it must never look like a library's.
      codecName: codecDisplayName(codecPath),
      config,
      limits: { ...limits, processes, payloadBytesPerFrame: payloadLimit },
      allowedImports: opts.allowedImports ?? DEFAULT_ALLOWED_IMPORTS,
      staticCheck: opts.layers?.staticCheck ?? true,
      runtimeGuards: opts.layers?.runtimeGuards ?? true,
    };
    harness.send("S", Buffer.from(JSON.stringify(setup)));
    const loadBudget = Math.min(limits.loadSeconds, runLeft());
    const ready = await harness.next(loadBudget);
    if (ready.type !== "message" || ready.message.kind !== "R")
      return fail(ready, "load", loadBudget);

    const outputs: Buffer[] = [];
    const seconds: number[] = [];
    for (const [index, data] of inputs.entries()) {
      frameIndex = index;
      harness.send(mode === "encode" ? "F" : "P", indexedBody(index, data));
      const budget = Math.min(limits.frameSeconds, runLeft());
      const event = await harness.next(budget);
      if (event.type !== "message" || event.message.kind !== "O")
        return fail(event, "frame", budget);
      const output = parseOutput(event.message.body);
      // The harness validates too; checking again here means a forged answer cannot skip the rules.
      if (mode === "encode" && (output.data.length === 0 || output.data.length > payloadLimit)) {
        return fail(
          {
            type: "violation",
            reason: `protocol violation: a payload of ${output.data.length} bytes for frame ${index}`,
          },
          "frame",
          budget,
        );
      }
      if (output.index !== index || (mode === "decode" && output.data.length !== frameBytes)) {
        return fail(
          {
            type: "violation",
            reason: `protocol violation: answer for frame ${output.index} (${output.data.length} bytes)`,
          },
          "frame",
          budget,
        );
      }
      outputs.push(output.data);
      seconds.push(output.seconds);
    }
    frameIndex = undefined;
    if (mode !== "check") {
      harness.send("E", Buffer.alloc(0));
      const endBudget = Math.min(10, Math.max(1, runLeft()));
      const bye = await harness.next(endBudget);
      if (bye.type !== "message" || bye.message.kind !== "B") return fail(bye, "end", endBudget);
    }
    return { outputs, seconds };
  } finally {
    harness.dispose();
  }
}

/** The file name the codec is compiled under: its base name, never one that starts like "<frozen ...>". */
function codecDisplayName(codecPath: string): string {
  const name = basename(codecPath);
  return name.startsWith("<") || name.startsWith("/") ? `codec-${name}` : name;
}
