/**
 * One side of a codec (its encoder or its decoder) running in one fresh
 * sandboxed process, fed one frame at a time. The evaluator streams a clip
 * through an encoder side and two decoder sides so that no stage ever holds
 * a whole clip; `run-codec.ts` drives the same class over a list.
 *
 * The run limit (`runSeconds`) counts only the time spent waiting for the
 * codec (start-up, frames, shutdown), not the time the host spends between
 * frames (reading the clip, the other sides, the metrics): a codec must not
 * time out because the host was busy.
 */
import { existsSync } from "node:fs";
import { basename } from "node:path";
import type { Failure } from "../contract/failure.js";
import type { CodecConfig } from "./codec-config.js";
import { failureFromEvent } from "./failure-from-event.js";
import { findPython } from "./find-python.js";
import { HarnessProcess, type HarnessEvent } from "./harness-process.js";
import { resolveIsolation, sandboxUser } from "./isolation.js";
import { indexedBody, parseOutput } from "./protocol.js";
import { probePython } from "./python-info.js";
import {
  DEFAULT_ALLOWED_IMPORTS,
  resolveLimits,
  type SandboxLimits,
  type SandboxOptions,
} from "./sandbox-options.js";

export type CodecMode = "check" | "encode" | "decode";
type Stage = "validate" | "encode" | "decode";

const STAGE: Record<CodecMode, Stage> = { check: "validate", encode: "encode", decode: "decode" };

/**
 * One frame's answer: the payload (encode) or RGB24 samples (decode), the codec's own
 * wall-clock seconds and its process's CPU seconds for the frame.
 */
export type SideOutput =
  { ok: true; data: Buffer; seconds: number; cpuSeconds: number } | { ok: false; failure: Failure };

/** A started codec side; `open` resolves to one after the codec loaded, or to the failure. */
export class CodecSide {
  private frameIndex: number | undefined;
  private waitedSeconds = 0;
  private closed = false;

  private constructor(
    private readonly mode: CodecMode,
    private readonly harness: HarnessProcess,
    private readonly limits: Required<SandboxLimits>,
    private readonly bubblewrap: boolean,
    private readonly frameBytes: number,
    private readonly payloadLimit: number,
  ) {}

  /** Start the sandboxed process and wait until the codec is loaded (or failed to load). */
  static async open(
    mode: CodecMode,
    codecPath: string,
    config: CodecConfig,
    opts: SandboxOptions = {},
  ): Promise<{ ok: true; side: CodecSide } | { ok: false; failure: Failure }> {
    if (!existsSync(codecPath)) throw new Error(`codec file not found: ${codecPath}`);
    const limits = resolveLimits(opts.limits);
    const python = await probePython(await findPython(opts.python));
    const isolation = await resolveIsolation(opts);
    const frameBytes = config.width * config.height * 3;
    // The host may keep payloads (--recon): no frame may cost more than twice its raw size
    // (plus slack for headers), whatever payloadBytesPerFrame says.
    const payloadLimit = Math.min(limits.payloadBytesPerFrame, 2 * frameBytes + 65536);
    const harness = new HarnessProcess({
      codecPath,
      python,
      isolation,
      logBytes: limits.logBytes,
      maxMessageBytes: Math.max(1024 * 1024, 12 + (mode === "decode" ? frameBytes : payloadLimit)),
    });
    const side = new CodecSide(
      mode,
      harness,
      limits,
      isolation.mode === "bubblewrap",
      frameBytes,
      payloadLimit,
    );
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
        gpu: opts.gpu ?? false,
      };
      harness.send("S", Buffer.from(JSON.stringify(setup)));
      const loadBudget = Math.min(limits.loadSeconds, side.runLeft());
      const ready = await side.wait(loadBudget);
      if (ready.type !== "message" || ready.message.kind !== "R") {
        const failure = side.failure(ready, "load", loadBudget);
        side.dispose();
        return { ok: false, failure };
      }
      return { ok: true, side };
    } catch (error) {
      side.dispose();
      throw error;
    }
  }

  /** Send frame `index` (RGB24 for encode, a payload for decode) and wait for the codec's answer. */
  async process(index: number, data: Uint8Array): Promise<SideOutput> {
    this.frameIndex = index;
    this.harness.send(this.mode === "encode" ? "F" : "P", indexedBody(index, data));
    const budget = Math.min(this.limits.frameSeconds, this.runLeft());
    const event = await this.wait(budget);
    if (event.type !== "message" || event.message.kind !== "O") {
      return { ok: false, failure: this.failure(event, "frame", budget) };
    }
    let output: ReturnType<typeof parseOutput>;
    try {
      output = parseOutput(event.message.body);
    } catch (error) {
      // Only a forged message can be malformed: the harness always writes the full header.
      const reason = `protocol violation: ${(error as Error).message}`;
      return { ok: false, failure: this.failure({ type: "violation", reason }, "frame", budget) };
    }
    // The harness validates too; checking again here means a forged answer cannot skip the rules.
    if (
      this.mode === "encode" &&
      (output.data.length === 0 || output.data.length > this.payloadLimit)
    ) {
      const reason = `protocol violation: a payload of ${output.data.length} bytes for frame ${index}`;
      return { ok: false, failure: this.failure({ type: "violation", reason }, "frame", budget) };
    }
    if (
      output.index !== index ||
      (this.mode === "decode" && output.data.length !== this.frameBytes)
    ) {
      const reason = `protocol violation: answer for frame ${output.index} (${output.data.length} bytes)`;
      return { ok: false, failure: this.failure({ type: "violation", reason }, "frame", budget) };
    }
    // A forged or broken clock (NaN, negative seconds) must not become a speed.
    if (!(output.seconds >= 0) || !(output.cpuSeconds >= 0)) {
      const reason = `protocol violation: frame ${index} timed at ${output.seconds} s wall, ${output.cpuSeconds} s CPU`;
      return { ok: false, failure: this.failure({ type: "violation", reason }, "frame", budget) };
    }
    return {
      ok: true,
      data: output.data,
      seconds: output.seconds,
      cpuSeconds: output.cpuSeconds,
    };
  }

  /** Tell the codec the clip ended and wait for it to say goodbye; null when it did. */
  async finish(): Promise<Failure | null> {
    this.frameIndex = undefined;
    this.harness.send("E", Buffer.alloc(0));
    const endBudget = Math.min(10, Math.max(1, this.runLeft()));
    const bye = await this.wait(endBudget);
    if (bye.type !== "message" || bye.message.kind !== "B") {
      return this.failure(bye, "end", endBudget);
    }
    return null;
  }

  /** Kill the process group and remove its work directory; safe to call twice. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.harness.dispose();
  }

  private runLeft(): number {
    return this.limits.runSeconds - this.waitedSeconds;
  }

  private async wait(budget: number): Promise<HarnessEvent> {
    const started = performance.now();
    try {
      return await this.harness.next(budget);
    } finally {
      this.waitedSeconds += (performance.now() - started) / 1000;
    }
  }

  private failure(
    event: HarnessEvent,
    waited: "load" | "frame" | "end",
    budgetSeconds: number,
  ): Failure {
    return failureFromEvent(event, {
      stage: STAGE[this.mode],
      frameIndex: this.frameIndex,
      limits: this.limits,
      waited,
      budgetSeconds,
      log: this.harness.logText(),
      bubblewrap: this.bubblewrap,
    });
  }
}

/** The file name the codec is compiled under: its base name, never one that starts like "<frozen ...>". */
function codecDisplayName(codecPath: string): string {
  const name = basename(codecPath);
  return name.startsWith("<") || name.startsWith("/") ? `codec-${name}` : name;
}
