import { constants } from "node:os";
import { FAILURE_CATEGORIES, type Failure, type FailureCategory } from "../contract/failure.js";
import type { HarnessEvent } from "./harness-process.js";
import type { SandboxLimits } from "./sandbox-options.js";

export interface FailureContext {
  stage: "validate" | "encode" | "decode";
  frameIndex: number | undefined;
  limits: Required<SandboxLimits>;
  /** What the host was waiting for when the event came. */
  waited: "load" | "frame" | "end";
  /** Seconds the host waited; less than the per-step limit when the run's limit was the nearer one. */
  budgetSeconds: number;
  /** Bounded codec stdout/stderr. */
  log: string;
  /** bubblewrap reports a signal death of its child as exit code 128 + signal. */
  bubblewrap: boolean;
}

const TRACEBACK_CHARS = 2000;
const CATEGORY_SET = new Set<string>(FAILURE_CATEGORIES);

/** Turn how a harness run ended into a categorised Failure with the codec's line where known. */
export function failureFromEvent(event: HarnessEvent, ctx: FailureContext): Failure {
  const base = (
    category: FailureCategory,
    message: string,
    line: number | null = null,
  ): Failure => {
    const failure: Failure = { category, message, line, stage: ctx.stage };
    if (ctx.frameIndex !== undefined) failure.frameIndex = ctx.frameIndex;
    if (ctx.log) failure.log = ctx.log;
    return failure;
  };
  const side = ctx.stage === "decode" ? "decompress_video_frame" : "compress_video_frame";
  switch (event.type) {
    case "message":
      if (event.message.kind === "X") return fromHarnessReport(event.message.body, base);
      return base(
        "sandbox-violation",
        `protocol violation: unexpected message ${event.message.kind}`,
      );
    case "violation":
      return base("sandbox-violation", event.reason);
    case "timeout": {
      const runBound =
        ctx.budgetSeconds <
        (ctx.waited === "load" ? ctx.limits.loadSeconds : ctx.limits.frameSeconds) - 1e-3;
      const runNote = runBound
        ? ` (the ${ctx.stage} run's limit of ${ctx.limits.runSeconds} s was reached)`
        : "";
      const waited = `${round(ctx.budgetSeconds)} s${runNote}`;
      if (ctx.waited === "load")
        return base("timeout", `starting Python and loading the codec took longer than ${waited}`);
      if (ctx.waited === "frame")
        return base("timeout", `${side} took longer than ${waited} on frame ${ctx.frameIndex}`);
      return base(
        "timeout",
        `the ${ctx.stage} process did not finish within ${waited} after the last frame`,
      );
    }
    case "exit":
      return fromExit(event, ctx, base);
  }
}

function fromHarnessReport(
  body: Buffer,
  base: (c: FailureCategory, m: string, l?: number | null) => Failure,
): Failure {
  let report: {
    category?: unknown;
    message?: unknown;
    line?: unknown;
    traceback?: unknown;
    frameIndex?: unknown;
  };
  try {
    report = JSON.parse(body.toString("utf8")) as typeof report;
  } catch {
    return base("sandbox-violation", "protocol violation: unreadable failure report");
  }
  const category =
    typeof report.category === "string" && CATEGORY_SET.has(report.category)
      ? (report.category as FailureCategory)
      : "runtime";
  const line = typeof report.line === "number" ? report.line : null;
  const failure = base(category, String(report.message ?? "unknown failure").slice(0, 2000), line);
  if (typeof report.traceback === "string")
    failure.traceback = report.traceback.slice(-TRACEBACK_CHARS);
  if (typeof report.frameIndex === "number") failure.frameIndex = report.frameIndex;
  return failure;
}

function signalName(
  event: Extract<HarnessEvent, { type: "exit" }>,
  bubblewrap: boolean,
): string | null {
  if (event.signal) return event.signal;
  if (bubblewrap && event.code !== null && event.code > 128 && event.code < 128 + 65) {
    const number = event.code - 128;
    const entry = Object.entries(constants.signals).find(([, value]) => value === number);
    return entry ? entry[0] : `signal ${number}`;
  }
  return null;
}

function fromExit(
  event: Extract<HarnessEvent, { type: "exit" }>,
  ctx: FailureContext,
  base: (c: FailureCategory, m: string, l?: number | null) => Failure,
): Failure {
  if (event.spawnError) throw new Error(`could not start the codec sandbox: ${event.spawnError}`);
  const signal = signalName(event, ctx.bubblewrap);
  const tail = ctx.log.slice(-TRACEBACK_CHARS);
  const withTail = (failure: Failure): Failure =>
    tail ? { ...failure, traceback: tail } : failure;
  if (signal === "SIGXCPU")
    return withTail(
      base(
        "timeout",
        `the ${ctx.stage} process used more than its CPU limit of ${ctx.limits.cpuSeconds} s`,
      ),
    );
  if (signal === "SIGKILL") {
    return withTail(
      base(
        "memory",
        "the process was killed by SIGKILL: most likely the kernel's out-of-memory killer (else the CPU hard limit, or the codec killed itself)",
      ),
    );
  }
  if (signal === "SIGXFSZ")
    return withTail(
      base(
        "sandbox-violation",
        `the process wrote a file larger than ${ctx.limits.fileBytes} bytes`,
      ),
    );
  if (signal)
    return withTail(
      base("runtime", `the ${ctx.stage} process crashed with ${signal} (native code?)`),
    );
  if (/\bMemoryError\b/.test(tail))
    return withTail(
      base(
        "memory",
        `the ${ctx.stage} process ran out of memory (limit ${ctx.limits.memoryBytes} bytes)`,
      ),
    );
  if (event.code === 0)
    return withTail(
      base("runtime", `the ${ctx.stage} process ended without answering (did the codec end it?)`),
    );
  return withTail(
    base("runtime", `the ${ctx.stage} process exited with code ${event.code} without a report`),
  );
}

function round(seconds: number): number {
  return Math.round(seconds * 100) / 100;
}
