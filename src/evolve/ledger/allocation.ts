/**
 * The one home of candidate ids and version numbers. Both are allocated from
 * the ledger and the attempts in flight together: an id or a version held by
 * a pending attempt is taken, even though no record carries it yet.
 */
import type { LedgerState } from "./ledger-store.js";

const CANDIDATE_ID = /^c(\d+)$/;

/** The next free candidate id, `c0001`, `c0002`, …, above every record and pending attempt. */
export function nextCandidateId(state: Pick<LedgerState, "records" | "pending">): string {
  const ids = [...state.records.map((r) => r.id), ...state.pending.map((p) => p.id)];
  const max = ids.reduce((m, id) => Math.max(m, Number(CANDIDATE_ID.exec(id)?.[1] ?? 0)), 0);
  return `c${String(max + 1).padStart(4, "0")}`;
}

/**
 * The next free version number: above every recorded version, every version
 * reserved by a pending adoption, and every version already on the versions
 * branch (`existing`, e.g. from CandidateStore.listVersions()).
 */
export function nextVersion(
  state: Pick<LedgerState, "records" | "pending">,
  existing: readonly number[] = [],
): number {
  const versions = [
    ...state.records.map((r) => r.version ?? 0),
    ...state.pending.map((p) => p.adoption?.record.version ?? 0),
    ...existing,
  ];
  return versions.reduce((m, v) => Math.max(m, v), 0) + 1;
}
