/**
 * The GitHub LedgerStore: `ledger.jsonl` on the orphan branch
 * `codec-evolve-data`, in the CLI's format (one record per line). An append
 * is one commit and a non-force ref update (data-branch.ts): the
 * compare-and-swap on the ref replaces the CLI's pid lock, and a record whose
 * id is already there is not written twice, so a retried job is harmless.
 */
import type { LedgerRecord } from "../evolve/ledger/ledger-record.js";
import type { GitHubClient, RepoRef } from "./client.js";
import { readDataFile, updateDataFile } from "./data-branch.js";
import { LEDGER_PATH } from "./names.js";

/** Parse ledger text; a line that is not a JSON record names its number and the branch. */
export function parseLedgerText(text: string | null): LedgerRecord[] {
  if (text === null) return [];
  const records: LedgerRecord[] = [];
  for (const [index, line] of text.split("\n").entries()) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new Error(
        `codec-evolve-data:${LEDGER_PATH} line ${index + 1} is not JSON; fix or remove it with a commit on that branch`,
      );
    }
    const record = value as Partial<LedgerRecord> | null;
    if (!record || typeof record.id !== "string" || typeof record.status !== "string") {
      throw new Error(
        `codec-evolve-data:${LEDGER_PATH} line ${index + 1} is not a ledger record (no id or status)`,
      );
    }
    records.push(value as LedgerRecord);
  }
  return records;
}

/** The ledger of one repository, kept on its data branch. */
export class GitHubLedgerStore {
  constructor(
    private readonly gh: GitHubClient,
    private readonly repo: RepoRef,
  ) {}

  /** Every record, oldest first. */
  async read(): Promise<LedgerRecord[]> {
    return parseLedgerText(await readDataFile(this.gh, this.repo, LEDGER_PATH));
  }

  /** Append `record` unless a record with its id is already there; true when written now. */
  async append(record: LedgerRecord): Promise<boolean> {
    const line = `${JSON.stringify(record)}\n`;
    const { committed } = await updateDataFile(
      this.gh,
      this.repo,
      LEDGER_PATH,
      (current) => {
        if (parseLedgerText(current).some((r) => r.id === record.id)) return null;
        const text = current ?? "";
        return `${text}${text === "" || text.endsWith("\n") ? "" : "\n"}${line}`;
      },
      `ledger: ${record.id} ${record.status}${record.version ? ` (v${record.version})` : ""}`,
    );
    return committed;
  }
}
