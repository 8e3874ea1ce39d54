/**
 * `rollback vK`: version K's code becomes the next version (history is never
 * rewritten), through the same adopt step as any adoption: the same version
 * allocation, the same idempotent version commit, the ledger record last.
 */
import { nextCandidateId } from "./ledger/allocation.js";
import { fileLedgerStore } from "./ledger/file-ledger-store.js";
import { repairTornTail } from "./ledger/ledger-file.js";
import { acquireLedgerLock } from "./ledger/ledger-lock.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "./ledger/ledger-record.js";
import type { LedgerStore } from "./ledger/ledger-store.js";
import { currentBest } from "./population/population.js";
import { ensureStateDir, statePaths } from "./state-paths.js";
import { adopt } from "./steps/adopt.js";
import type { CandidateStore } from "./store/candidate-store.js";

export class RollbackError extends Error {}

/** Restore version `version` as a new version; returns the new ledger record. */
export async function rollbackToVersion(input: {
  repoDir: string;
  version: number;
  store: CandidateStore;
  clock: () => Date;
}): Promise<LedgerRecord> {
  const paths = statePaths(input.repoDir);
  await ensureStateDir(paths);
  const release = await acquireLedgerLock(paths.lock, input.clock());
  try {
    await repairTornTail(paths.ledger, input.clock());
    return await rollback(fileLedgerStore(paths), input);
  } finally {
    await release();
  }
}

/** Rollback over any LedgerStore and CandidateStore (the App's `/rollback vK` uses the same). */
export async function rollback(
  ledger: LedgerStore,
  input: { version: number; store: CandidateStore; clock: () => Date },
): Promise<LedgerRecord> {
  const state = await ledger.read();
  const { records } = state;
  const target = records.find((r) => r.version === input.version);
  const best = currentBest(records);
  if (!target || !best) {
    const known = records.filter((r) => r.version !== null).map((r) => `v${r.version}`);
    throw new RollbackError(
      `v${input.version} is not in the ledger (versions: ${known.join(", ") || "none yet"})`,
    );
  }
  if (target.id === best.id)
    throw new RollbackError(`v${input.version} is already the current version`);
  const adopting = state.pending.find((p) => p.adoption);
  if (adopting) {
    // Its version number is reserved and its commit may already exist: a rollback now would put
    // the two versions on the branch out of order.
    throw new RollbackError(
      `${adopting.id} is being adopted as v${adopting.adoption!.record.version}; run codec-evolve evolve to finish that first, then roll back`,
    );
  }
  await input.store.prepare();
  const now = input.clock();
  // Allocated over pending attempts too: an attempt in flight keeps its id (and its cost).
  const id = nextCandidateId(state);
  const commit = target.versionCommit ?? target.commit;
  const record: LedgerRecord = {
    schema: LEDGER_SCHEMA,
    id,
    parentId: target.id,
    comparedToVersion: best.version,
    version: null,
    status: "adopted",
    runId: "rollback",
    generation: 0,
    proposer: {
      kind: "rollback",
      label: `rollback to v${input.version} (requested by the user)`,
      model: null,
    },
    hypothesis: `restore v${input.version}`,
    rationale: "",
    edits: [],
    codeHash: target.codeHash,
    commit,
    branch: null,
    versionCommit: null,
    failure: null,
    verdict: {
      adopt: true,
      reason: `rollback to v${input.version} requested by the user; figures are v${input.version}'s`,
    },
    metrics: target.metrics ? { ...target.metrics, bdRateParent: null } : null,
    usage: null,
    startedAt: now.toISOString(),
    finishedAt: now.toISOString(),
  };
  const stored = await ledger.readResult(target.id);
  if (stored) await ledger.writeResult(id, stored);
  const outcome = await adopt(
    {
      record,
      previousBest: best,
      pending: null,
      note: `Rollback: restores v${input.version} (${target.id}).`,
    },
    { ledger, candidates: input.store, clock: () => now },
  );
  if (!outcome.ok)
    throw new RollbackError(`the versions branch moved to ${outcome.tip}; try again`);
  return outcome.record;
}
