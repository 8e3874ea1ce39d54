/**
 * One loop per ledger: a lock file holding the owner's pid and host. A lock
 * left by a process that no longer exists on this host (kill -9, power loss)
 * is taken over; a live one is an error that names its owner.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";
import { isProcessAlive } from "./process-alive.js";

/** How long a live holder on this host is watched before refusing: a loop killed just now may still be exiting. */
const HOLDER_GRACE_MS = 2000;
const POLL_MS = 100;

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

export class LedgerLockedError extends Error {}

/** Take the lock at `path`; returns the function that releases it. */
export async function acquireLedgerLock(path: string, now: Date): Promise<() => Promise<void>> {
  const owner: LockOwner = { pid: process.pid, host: hostname(), startedAt: now.toISOString() };
  const text = JSON.stringify(owner);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(path, "wx");
      await handle.write(text);
      await handle.sync();
      await handle.close();
      return async () => {
        const current = await readFile(path, "utf8").catch(() => null);
        if (current === text) await unlink(path).catch(() => {});
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const holder = await readOwner(path);
    if (holder && holder.host === owner.host && !(await staysAlive(holder.pid))) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (!holder) {
      // Empty or half-written lock: its writer is between open and write, or died there.
      await new Promise((resolve) => setTimeout(resolve, 200));
      if ((await readOwner(path)) === null) await unlink(path).catch(() => {});
      continue;
    }
    throw new LedgerLockedError(
      `another codec-evolve loop (pid ${holder.pid} on ${holder.host}, started ${holder.startedAt}) holds ${path}; ` +
        `wait for it or stop it. If that process is gone, delete the file.`,
    );
  }
  throw new LedgerLockedError(`could not take the lock ${path}; another loop keeps taking it`);
}

async function readOwner(path: string): Promise<LockOwner | null> {
  try {
    const parsed = JSON.parse(await readFile(path, "utf8")) as LockOwner;
    return typeof parsed.pid === "number" ? parsed : null;
  } catch {
    return null;
  }
}

/** Whether `pid` is still alive after up to HOLDER_GRACE_MS of watching; false as soon as it is gone or a zombie. */
async function staysAlive(pid: number): Promise<boolean> {
  if (pid === process.pid) return true;
  const deadline = Date.now() + HOLDER_GRACE_MS;
  while (isProcessAlive(pid)) {
    if (Date.now() >= deadline) return true;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  return false;
}
