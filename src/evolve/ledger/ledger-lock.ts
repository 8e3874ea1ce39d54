/**
 * One loop per ledger: a lock file holding the owner's pid and host. A lock
 * left by a process that no longer exists on this host (kill -9, power loss)
 * is taken over; a live one is an error that names its owner.
 */
import { open, readFile, unlink } from "node:fs/promises";
import { hostname } from "node:os";

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
    if (holder && holder.host === owner.host && !isAlive(holder.pid)) {
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
