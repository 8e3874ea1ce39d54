/** The commit that holds a record's code: its version commit when adopted, else its candidate commit. */
import type { LedgerRecord } from "../ledger/ledger-record.js";

/** The commit to read `record`'s codec from. */
export function recordCommit(record: LedgerRecord): string {
  const commit = record.versionCommit ?? record.commit;
  if (!commit) throw new Error(`ledger record ${record.id} has no commit to read its code from`);
  return commit;
}
