/**
 * Spawn a program as the leader of its own process group, with a deadline:
 * when it runs out (or the caller aborts), the whole group is killed, not
 * just the leader, so a timeout stops the work instead of only the waiting.
 */
import {
  spawn,
  type ChildProcessWithoutNullStreams,
  type SpawnOptionsWithoutStdio,
} from "node:child_process";
import { killGroup, trackGroup } from "./process-groups.js";

/** A child killed for running past its deadline. */
export class ProcessTimeoutError extends Error {
  override name = "ProcessTimeoutError";
  constructor(
    readonly what: string,
    readonly seconds: number,
  ) {
    super(`${what} ran longer than ${seconds} s and was killed (with every process it started)`);
  }
}

export interface GroupSpawnOptions extends Omit<SpawnOptionsWithoutStdio, "detached" | "signal"> {
  /** Kill the group after this many wall-clock seconds; null for no deadline. */
  timeoutSeconds: number | null;
  /** Aborting kills the group. */
  signal?: AbortSignal;
}

export interface GroupChild {
  child: ChildProcessWithoutNullStreams;
  /** Whether the deadline killed it; check when the child closes. */
  timedOut(): boolean;
}

/** Spawn `command` (no shell) in its own process group with a deadline; see GroupSpawnOptions. */
export function spawnInGroup(
  command: string,
  args: readonly string[],
  options: GroupSpawnOptions,
): GroupChild {
  const { timeoutSeconds, signal, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: "pipe" });
  let timedOut = false;
  const kill = () => {
    if (child.pid !== undefined) killGroup(child.pid);
  };
  trackGroup(child);
  const timer =
    timeoutSeconds === null
      ? null
      : setTimeout(() => {
          timedOut = true;
          kill();
        }, timeoutSeconds * 1000);
  timer?.unref();
  const onAbort = () => kill();
  if (signal?.aborted) kill();
  else signal?.addEventListener("abort", onAbort, { once: true });
  const done = () => {
    if (timer) clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  child.once("exit", done);
  child.once("error", done);
  return { child, timedOut: () => timedOut };
}
