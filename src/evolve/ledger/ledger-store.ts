/**
 * Where the ledger lives. The CLI keeps it in `.codec-evolve/` (file-ledger-store.ts,
 * serialised by the pid lock); the App keeps it on the `codec-evolve-data`
 * branch, where a non-force ref update is the compare-and-swap. Every write
 * names the revision it was computed from and fails, without writing, when
 * the ledger moved meanwhile: the caller re-reads and decides again
 * (`updateLedger` does that loop).
 *
 * Id and version allocation are pure functions of a `LedgerState`
 * (allocation.ts), so a write that allocated from a stale state is refused by
 * the same compare-and-swap that protects the records.
 */
import type { EvaluationResult } from "../../evaluate/results.js";
import type { LedgerRecord } from "./ledger-record.js";
import type { PendingAttempt } from "./pending-attempt.js";

/** The ledger at one revision: every record, every attempt in flight. */
export interface LedgerState {
  records: readonly LedgerRecord[];
  pending: readonly PendingAttempt[];
  /** Opaque token of this state (file size and pending id locally, a commit sha on GitHub). */
  revision: string;
}

/** One atomic change: records appended, pending attempts saved (replacing the same id) or removed. */
export interface LedgerChange {
  append?: readonly LedgerRecord[];
  putPending?: readonly PendingAttempt[];
  removePending?: readonly string[];
}

export type LedgerWriteOutcome =
  | { ok: true; state: LedgerState }
  /** The ledger is no longer at `expected`; nothing was written. `state` is the current one. */
  | { ok: false; state: LedgerState };

/** A stored evaluation result, valid only under the same evaluation key (clips, settings). */
export interface StoredResult {
  key: string;
  result: EvaluationResult;
}

export interface LedgerStore {
  /** Where the ledger is, for messages ("/repo/.codec-evolve/ledger.jsonl", "owner/repo@codec-evolve-data"). */
  readonly location: string;
  /** Records and pending attempts, validated (a bad line is an error naming its file and line). */
  read(): Promise<LedgerState>;
  /** Apply `change` if the ledger is still at revision `expected` (compare-and-swap). */
  write(expected: string, change: LedgerChange): Promise<LedgerWriteOutcome>;
  /** The stored evaluation result of candidate `id`, or null. */
  readResult(id: string): Promise<StoredResult | null>;
  /** Store the evaluation result of candidate `id` (overwrites; not part of the ledger's CAS). */
  writeResult(id: string, stored: StoredResult): Promise<void>;
}

/** The CAS loop gave up: the ledger kept moving under us. */
export class LedgerConflictError extends Error {}

/**
 * Read, decide, write, and on a conflict decide again on the new state.
 * `decide` returns the change to make and a value to hand back, or null when
 * nothing needs writing. Returns the value and the state after the write.
 */
export async function updateLedger<T>(
  store: LedgerStore,
  decide: (state: LedgerState) => { change: LedgerChange; value: T } | null,
  maxAttempts = 8,
): Promise<{ value: T | null; state: LedgerState }> {
  let state = await store.read();
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const decision = decide(state);
    if (decision === null) return { value: null, state };
    const outcome = await store.write(state.revision, decision.change);
    if (outcome.ok) return { value: decision.value, state: outcome.state };
    state = outcome.state;
  }
  throw new LedgerConflictError(
    `${store.location} changed ${maxAttempts} times while this update was being made; try again`,
  );
}
