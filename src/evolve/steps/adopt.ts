/**
 * The adopt step: an adoptable candidate becomes version N. The version
 * number is allocated (ledger/allocation.ts) and reserved in the pending
 * attempt before the version commit, the commit carries the figures
 * (versionCommitMessage), and the ledger record is written last, so a crash
 * anywhere is finished by `finishAdoption` with the same number, never twice.
 */
import type { LedgerRecord } from "../ledger/ledger-record.js";
import { nextVersion } from "../ledger/allocation.js";
import { updateLedger, type LedgerStore } from "../ledger/ledger-store.js";
import type { PendingAttempt } from "../ledger/pending-attempt.js";
import { versionCommitMessage } from "../ledger/version-commit-message.js";
import type { CandidateStore } from "../store/candidate-store.js";

export interface AdoptDeps {
  ledger: LedgerStore;
  candidates: Pick<CandidateStore, "adopt">;
  clock: () => Date;
}

export interface AdoptInput {
  /** The judged record (judge's `record` with adopt true, or a rollback's record); `commit` is the code to adopt. */
  record: LedgerRecord;
  /** The best version before this one, for the "Improvement over vK" line. */
  previousBest: LedgerRecord | null;
  /** The attempt in flight, where the version is reserved; null for a rollback (no proposal). */
  pending: PendingAttempt | null;
  /** The versions branch tip the candidate was evaluated against; adoption refuses when it moved. */
  expectedTip?: string;
  /** An extra paragraph of the commit message (e.g. "Rollback: restores v2 (c0003)."). */
  note?: string;
}

export type AdoptOutcome =
  | { ok: true; record: LedgerRecord }
  /** The versions branch moved since the evaluation: re-evaluate against the new best. Nothing was adopted. */
  | { ok: false; tip: string };

/** Adopt `record` as the next version: reserve the number, commit, record. */
export async function adopt(input: AdoptInput, deps: AdoptDeps): Promise<AdoptOutcome> {
  if (input.pending?.adoption) {
    const finished = await finishAdoption(input.pending, deps, input.expectedTip);
    if (!finished.ok) await release(deps.ledger, input.pending);
    return finished;
  }
  const now = deps.clock();
  const { value: reserved } = await updateLedger(deps.ledger, (state) => {
    const version = nextVersion(state);
    const record: LedgerRecord = { ...input.record, status: "adopted", version };
    const message = versionCommitMessage(record, version, input.previousBest, now, input.note);
    return {
      change: input.pending
        ? { putPending: [{ ...input.pending, adoption: { record, message } }] }
        : {},
      value: { record, message },
    };
  });
  const outcome = await commitAndRecord(
    reserved!.record,
    reserved!.message,
    deps,
    input.expectedTip,
  );
  if (!outcome.ok && input.pending) await release(deps.ledger, input.pending);
  return outcome;
}

/** Release a reserved version number: the attempt goes back to waiting for its evaluation. */
async function release(ledger: LedgerStore, pending: PendingAttempt): Promise<void> {
  const { adoption: _released, ...back } = pending;
  await updateLedger(ledger, (state) =>
    state.records.some((r) => r.id === pending.id)
      ? null
      : { change: { putPending: [back] }, value: true },
  );
}

/** Complete an adoption whose number was reserved before a crash (`pending.adoption` set). */
export async function finishAdoption(
  pending: PendingAttempt,
  deps: AdoptDeps,
  expectedTip?: string,
): Promise<AdoptOutcome> {
  if (!pending.adoption) throw new Error(`pending attempt ${pending.id} has no adoption to finish`);
  return commitAndRecord(pending.adoption.record, pending.adoption.message, deps, expectedTip);
}

async function commitAndRecord(
  record: LedgerRecord,
  message: string,
  deps: AdoptDeps,
  expectedTip: string | undefined,
): Promise<AdoptOutcome> {
  const done = (await deps.ledger.read()).records.find((r) => r.id === record.id);
  if (done) {
    await updateLedger(deps.ledger, (state) =>
      state.pending.some((p) => p.id === record.id)
        ? { change: { removePending: [record.id] }, value: true }
        : null,
    );
    return { ok: true, record: done };
  }
  const committed = await deps.candidates.adopt({
    version: record.version!,
    candidateId: record.id,
    sourceCommit: record.commit!,
    message,
    ...(record.edits.length > 0 ? { paths: record.edits.map((e) => e.path) } : {}),
    ...(expectedTip !== undefined ? { expectedTip } : {}),
  });
  if (!committed.ok) return { ok: false, tip: committed.tip };
  const final: LedgerRecord = {
    ...record,
    versionCommit: committed.commit,
    finishedAt: deps.clock().toISOString(),
  };
  await updateLedger(deps.ledger, (state) =>
    state.records.some((r) => r.id === final.id)
      ? null
      : { change: { append: [final], removePending: [final.id] }, value: true },
  );
  return { ok: true, record: final };
}
