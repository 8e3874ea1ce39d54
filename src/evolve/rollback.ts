/**
 * `rollback vK`: version K's code becomes the next version (history is never
 * rewritten). Same crash safety as an adoption: the version commit is
 * idempotent per candidate id, and the ledger record is written last.
 */
import { copyFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { appendLedgerRecord, readLedger, repairTornTail } from "./ledger/ledger-file.js";
import { acquireLedgerLock } from "./ledger/ledger-lock.js";
import { LEDGER_SCHEMA, type LedgerRecord } from "./ledger/ledger-record.js";
import { versionCommitMessage } from "./ledger/version-commit-message.js";
import { currentBest } from "./population/population.js";
import { ensureStateDir, statePaths } from "./state-paths.js";
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
    const { records } = await readLedger(paths.ledger);
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
    await input.store.prepare();
    const max = records.reduce((m, r) => Math.max(m, Number(/^c(\d+)$/.exec(r.id)?.[1] ?? 0)), 0);
    const id = `c${String(max + 1).padStart(4, "0")}`;
    const newVersion = best.version! + 1;
    const now = input.clock();
    const record: LedgerRecord = {
      schema: LEDGER_SCHEMA,
      id,
      parentId: target.id,
      comparedToVersion: best.version,
      version: newVersion,
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
      commit: target.versionCommit ?? target.commit,
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
    const message = versionCommitMessage(
      record,
      newVersion,
      best,
      now,
      `Rollback: restores v${input.version} (${target.id}).`,
    );
    const adopted = await input.store.adopt({
      version: newVersion,
      candidateId: id,
      sourceCommit: record.commit!,
      message,
    });
    if (!adopted.ok) throw new RollbackError(`the versions branch moved to ${adopted.tip}`);
    record.versionCommit = adopted.commit;
    if (existsSync(paths.result(target.id)))
      await copyFile(paths.result(target.id), paths.result(id));
    await appendLedgerRecord(paths.ledger, record);
    return record;
  } finally {
    await release();
  }
}
