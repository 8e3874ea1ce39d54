/**
 * The GitHub LedgerStore (src/evolve/ledger/ledger-store.ts) on the orphan
 * branch `codec-evolve-data`: `ledger.jsonl` in the CLI's format, the attempts
 * in flight in `pending.jsonl`, stored results under `results/<id>.json`.
 * The revision is the branch's tip commit; a write is one commit on that tip
 * and a non-force ref update, so the compare-and-swap on the ref replaces the
 * CLI's pid lock: whoever moved the tip first wins, the other re-reads.
 */
import {
  describeIssues,
  ledgerRecordSchema,
  pendingAttemptSchema,
} from "../evolve/ledger/ledger-schema.js";
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import {
  updateLedger,
  type LedgerChange,
  type LedgerState,
  type LedgerStore,
  type LedgerWriteOutcome,
  type StoredResult,
} from "../evolve/ledger/ledger-store.js";
import type { PendingAttempt } from "../evolve/ledger/pending-attempt.js";
import type { GitHubClient, RepoRef } from "./client.js";
import { readDataFile, updateDataFile } from "./data-branch.js";
import { createCommit, createRef, moveBranch, readBranch, readFileAt } from "./git-data.js";
import { DATA_BRANCH, LEDGER_PATH } from "./names.js";

/** Attempts in flight on the data branch, one JSON object per line. */
export const PENDING_PATH = "pending.jsonl";

/** Parse JSON lines with a schema; a bad line names the branch, file and line. */
function parseLines<T>(text: string | null, file: string, parse: (value: unknown) => T): T[] {
  if (text === null) return [];
  const out: T[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      out.push(parse(JSON.parse(line)));
    } catch (error) {
      const why = (error as { issues?: unknown }).issues
        ? describeIssues(error as never)
        : (error as Error).message;
      throw new Error(
        `${DATA_BRANCH}:${file} line ${index + 1} is not valid (${why}); fix or remove it with a commit on that branch`,
      );
    }
  }
  return out;
}

/** Ledger text (ledger.jsonl) as records, validated. */
export function parseLedgerText(text: string | null): LedgerRecord[] {
  return parseLines(text, LEDGER_PATH, (v) => ledgerRecordSchema.parse(v) as LedgerRecord);
}

function lines(values: readonly unknown[]): string {
  return values.map((v) => `${JSON.stringify(v)}\n`).join("");
}

/** The ledger of one repository, kept on its data branch. */
export class GitHubLedgerStore implements LedgerStore {
  readonly location: string;

  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
  ) {
    this.location = `${repo.owner}/${repo.repo}@${DATA_BRANCH}:${LEDGER_PATH}`;
  }

  /** Records, attempts in flight, and the tip commit as revision ("" before the branch exists). */
  async read(): Promise<LedgerState> {
    const tip = await readBranch(this.gh, this.repo, DATA_BRANCH);
    return this.stateAt(tip);
  }

  private async stateAt(tip: string | null): Promise<LedgerState> {
    if (tip === null) return { records: [], pending: [], revision: "" };
    const [ledger, pending] = await Promise.all([
      readFileAt(this.gh, this.repo, tip, LEDGER_PATH),
      readFileAt(this.gh, this.repo, tip, PENDING_PATH),
    ]);
    return {
      records: parseLedgerText(ledger),
      pending: parseLines(
        pending,
        PENDING_PATH,
        (v) => pendingAttemptSchema.parse(v) as PendingAttempt,
      ),
      revision: tip,
    };
  }

  /** Apply `change` as one commit on the tip `expected`; refused when the tip moved. */
  async write(expected: string, change: LedgerChange): Promise<LedgerWriteOutcome> {
    const tip = await readBranch(this.gh, this.repo, DATA_BRANCH);
    const current = await this.stateAt(tip);
    if ((tip ?? "") !== expected) return { ok: false, state: current };
    const files = [];
    if (change.append?.length)
      files.push({ path: LEDGER_PATH, content: lines([...current.records, ...change.append]) });
    const removed = new Set(change.removePending ?? []);
    if (change.putPending?.length || current.pending.some((p) => removed.has(p.id))) {
      let pending = current.pending.filter((p) => !removed.has(p.id));
      for (const put of change.putPending ?? [])
        pending = [...pending.filter((p) => p.id !== put.id), put];
      files.push({ path: PENDING_PATH, content: lines(pending) });
    }
    if (files.length === 0) return { ok: true, state: current };
    const summary = [
      ...(change.append ?? []).map(
        (r) => `${r.id} ${r.status}${r.version ? ` v${r.version}` : ""}`,
      ),
      ...(change.putPending ?? []).map((p) => `${p.id} pending`),
    ].join(", ");
    const commit = await createCommit(this.gh, this.repo, {
      parent: tip,
      files,
      message: `ledger: ${summary || "pending attempts"}`,
    });
    const moved =
      tip === null
        ? await createRef(this.gh, this.repo, `heads/${DATA_BRANCH}`, commit)
        : await moveBranch(this.gh, this.repo, DATA_BRANCH, commit, false);
    if (!moved) return { ok: false, state: await this.read() };
    return { ok: true, state: await this.stateAt(commit) };
  }

  async readResult(id: string): Promise<StoredResult | null> {
    const text = await readDataFile(this.gh, this.repo, `results/${id}.json`);
    if (text === null) return null;
    const stored = JSON.parse(text) as StoredResult;
    return typeof stored.key === "string" && stored.result ? stored : null;
  }

  async writeResult(id: string, stored: StoredResult): Promise<void> {
    await updateDataFile(
      this.gh,
      this.repo,
      `results/${id}.json`,
      () => JSON.stringify(stored),
      `results: ${id}`,
    );
  }

  /** Append `record` unless its id is already recorded; true when written now (retries on the new tip). */
  async append(record: LedgerRecord): Promise<boolean> {
    const { value } = await updateLedger(this, (state) =>
      state.records.some((r) => r.id === record.id)
        ? null
        : { change: { append: [record] }, value: true },
    );
    return value === true;
  }

  /** Every record, oldest first. */
  async records(): Promise<LedgerRecord[]> {
    return [...(await this.read()).records];
  }
}
