/**
 * Whether a process id names a running process on this host. A zombie (exited,
 * not yet reaped by its parent: state Z in /proc/PID/stat) counts as dead,
 * although `process.kill(pid, 0)` still succeeds for it.
 */
import { readFileSync } from "node:fs";

/** True when `pid` exists and is not a zombie (or a dead task, state X). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user; fall through to its state.
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  const state = processState(pid);
  return state !== "Z" && state !== "X" && state !== "x";
}

/** The one-letter state of /proc/PID/stat, or null where /proc cannot tell (not Linux, gone meanwhile). */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) S ...": comm may hold spaces and parentheses, so read after the last ")".
    const match = /\)\s+(\S)/.exec(stat.slice(stat.lastIndexOf(")")));
    return match?.[1] ?? null;
  } catch {
    return null;
  }
}
