/**
 * The process groups this process started (every child runs detached, as the
 * leader of its own group, so Ctrl-C reaches only the CLI). Tracking them lets
 * a timeout kill a child with all its descendants, and lets a second Ctrl-C
 * kill every group before exiting, so no ffmpeg, git or codec is left behind.
 */
import type { ChildProcess } from "node:child_process";

const live = new Set<number>();

/** Kill the process group led by `pid`; a group that is already gone is not an error. */
export function killGroup(pid: number, signal: NodeJS.Signals = "SIGKILL"): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // ESRCH: the group has no process left.
  }
}

/** Remember a detached child's group until the child exits. */
export function trackGroup(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  live.add(pid);
  child.once("exit", () => live.delete(pid));
}

/** Kill every tracked group (on a second Ctrl-C, before exiting); returns how many there were. */
export function killAllGroups(signal: NodeJS.Signals = "SIGKILL"): number {
  const count = live.size;
  for (const pid of live) killGroup(pid, signal);
  live.clear();
  return count;
}
