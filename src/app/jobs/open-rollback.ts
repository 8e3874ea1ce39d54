/**
 * `/rollback vK`: a candidate PR that puts vK's codec back on top of the
 * current best, adopted later with `/adopt` through the same judge and adopt
 * steps as any candidate. Its id is allocated in the ledger as a pending
 * attempt (proposer "rollback"), so it can never take the id of a proposal in
 * flight, and the attempt is saved at its candidate stage once the PR exists.
 */
import type { Config } from "../../config/schema.js";
import { codeHash } from "../../evolve/code-hash.js";
import { nextCandidateId } from "../../evolve/ledger/allocation.js";
import { updateLedger } from "../../evolve/ledger/ledger-store.js";
import type { PendingAttempt } from "../../evolve/ledger/pending-attempt.js";
import { currentBest } from "../../evolve/population/population.js";
import { baseRecord } from "../../evolve/steps/propose.js";
import { GitHubCandidateStore } from "../../github/candidate-store.js";
import type { GitHubClient, RepoRef } from "../../github/client.js";
import { GitHubLedgerStore } from "../../github/ledger-store.js";
import { runIdOf } from "./propose-candidate.js";

/** Open (or find again, for the same trigger) the PR restoring `version`; the reply says what happened. */
export async function openRollback(
  // What it needs of the command's dependencies; spelled out so jobs never import commands.
  deps: { gh: GitHubClient; repo: RepoRef; config: Config; clock: () => Date },
  input: { version: number; trigger: string },
): Promise<{ ok: boolean; text: string }> {
  const { gh, repo, config } = deps;
  const { version } = input;
  const candidates = new GitHubCandidateStore(gh, repo, { codecPath: config.codec });
  const ledger = new GitHubLedgerStore(gh, repo);
  const at = await candidates.versionCommit(version);
  if (!at) return { ok: false, text: `there is no tag codec-evolve/v${version}.` };
  const { tip } = await candidates.prepare();
  const before = await candidates.readFile(tip, config.codec);
  const after = await candidates.readFile(at, config.codec);
  if (after === null) return { ok: false, text: `v${version} has no ${config.codec}.` };
  if (before === after)
    return { ok: false, text: `the current best already has v${version}'s ${config.codec}.` };
  const state = await ledger.read();
  const best = currentBest(state.records);
  const target = state.records.find((r) => r.version === version);
  if (!best || !target)
    return { ok: false, text: `the ledger on codec-evolve-data has no record of v${version}.` };

  const runId = runIdOf(input.trigger);
  const reserved = await updateLedger(ledger, (now) => {
    if (now.pending.some((p) => p.runId === runId) || now.records.some((r) => r.runId === runId))
      return null;
    const pending: PendingAttempt = {
      id: nextCandidateId(now),
      runId,
      generation: 1,
      attempt: now.records.length + 1,
      parentId: target.id,
      comparedToVersion: best.version!,
      startedAt: deps.clock().toISOString(),
      proposerKind: "rollback",
      proposal: {
        answerText: "",
        usage: { promptTokens: 0, completionTokens: 0, costUsd: 0 },
        model: null,
        label: `rollback to v${version}`,
      },
    };
    return { change: { putPending: [pending] }, value: pending };
  });
  const pending = reserved.value ?? reserved.state.pending.find((p) => p.runId === runId) ?? null;
  if (!pending) return { ok: false, text: `this /rollback was already handled.` };

  const record = baseRecord(pending, deps.clock());
  record.hypothesis = `Restore v${version}`;
  record.rationale = `Requested with /rollback v${version}.`;
  record.edits = [
    {
      path: config.codec,
      blocks: 1,
      linesAdded: after.split("\n").length,
      linesRemoved: (before ?? "").split("\n").length,
      created: before === null,
    },
  ];
  record.codeHash = codeHash(after);
  const candidate = await candidates.createCandidate({
    id: pending.id,
    parentCommit: tip,
    files: [{ path: config.codec, before, after }],
    message: `codec-evolve candidate ${pending.id}: restore v${version}\n\nRollback: restores v${version} (${target.id}).\n`,
    description: {
      hypothesis: record.hypothesis,
      rationale: record.rationale,
      parentId: target.id,
      comparedToVersion: best.version!,
      proposerLabel: pending.proposal.label,
      model: null,
      edits: record.edits,
      rollbackOf: version,
    },
    attempt: record,
  });
  record.commit = candidate.commit;
  record.branch = candidate.branch;
  await updateLedger(ledger, (now) =>
    now.records.some((r) => r.id === pending.id)
      ? null
      : { change: { putPending: [{ ...pending, candidate: { record } }] }, value: true },
  );
  const pull = await candidates.pullOf(candidate.branch);
  return {
    ok: true,
    text: `opened #${pull?.number ?? "?"} restoring v${version}; once evaluated, \`/adopt\` there makes it the next version.`,
  };
}
