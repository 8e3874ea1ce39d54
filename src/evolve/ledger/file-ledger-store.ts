/**
 * The CLI's LedgerStore: `.codec-evolve/ledger.jsonl` (append-only lines),
 * `pending.json` (the one attempt in flight) and `results/<id>.json`. A write
 * compares the revision (ledger size and pending content) under the
 * caller's lock (ledger-lock.ts), which keeps every other writer out; records
 * are appended before the pending attempt is removed, so a crash between the
 * two leaves a pending attempt whose record exists, which the steps recognise.
 */
import { createHash } from "node:crypto";
import { readFile, rm, stat } from "node:fs/promises";
import type { StatePaths } from "../state-paths.js";
import {
  appendLedgerRecord,
  LedgerError,
  readJsonFile,
  readLedger,
  readPendingFile,
  writeJsonAtomic,
} from "./ledger-file.js";
import type { LedgerChange, LedgerState, LedgerStore, StoredResult } from "./ledger-store.js";
import type { PendingAttempt } from "./pending-attempt.js";

/** A LedgerStore over the state folder `paths` (see state-paths.ts). */
export function fileLedgerStore(paths: StatePaths): LedgerStore {
  const read = async (): Promise<LedgerState> => {
    const { records, tornTail } = await readLedger(paths.ledger);
    if (tornTail !== null)
      throw new LedgerError(
        `${paths.ledger}: the last line is torn (a crash mid-write); run codec-evolve evolve to move it aside`,
      );
    const pending = await readPendingFile(paths.pending);
    return { records, pending: pending ? [pending] : [], revision: await revision() };
  };

  const revision = async (): Promise<string> => {
    const size = await stat(paths.ledger).then(
      (s) => s.size,
      () => 0,
    );
    const pending = await readFile(paths.pending).catch(() => Buffer.alloc(0));
    return `${size}:${createHash("sha256").update(pending).digest("hex").slice(0, 16)}`;
  };

  return {
    location: paths.ledger,
    read,

    async write(expected: string, change: LedgerChange) {
      const current = await read();
      if (current.revision !== expected) return { ok: false, state: current };
      for (const record of change.append ?? []) await appendLedgerRecord(paths.ledger, record);
      const removed = new Set(change.removePending ?? []);
      let pending: PendingAttempt[] = current.pending.filter((p) => !removed.has(p.id));
      for (const put of change.putPending ?? []) {
        pending = [...pending.filter((p) => p.id !== put.id), put];
      }
      if (pending.length > 1) {
        throw new LedgerError(
          `${paths.pending} holds one attempt in flight, and ${pending.map((p) => p.id).join(" and ")} were asked for; one loop runs at a time`,
        );
      }
      const changedPending =
        (change.putPending?.length ?? 0) > 0 || current.pending.some((p) => removed.has(p.id));
      if (changedPending) {
        if (pending[0]) await writeJsonAtomic(paths.pending, pending[0]);
        else await rm(paths.pending, { force: true });
      }
      return { ok: true, state: await read() };
    },

    async readResult(id: string) {
      const stored = await readJsonFile<StoredResult>(paths.result(id));
      return stored && typeof stored.key === "string" && stored.result ? stored : null;
    },

    async writeResult(id: string, stored: StoredResult) {
      await writeJsonAtomic(paths.result(id), stored);
    },
  };
}
