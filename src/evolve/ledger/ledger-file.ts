/**
 * The ledger file: append-only JSON lines, one record per candidate. Each
 * append is one write of one whole line to a file opened with O_APPEND, then
 * fsync, so a crash leaves at most a torn last line, which reading reports
 * and repairing moves aside before the next append.
 */
import { mkdir, open, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { LedgerRecord } from "./ledger-record.js";
import { describeIssues, ledgerRecordSchema, pendingAttemptSchema } from "./ledger-schema.js";
import type { PendingAttempt } from "./pending-attempt.js";

export interface LedgerContents {
  records: LedgerRecord[];
  /** The unterminated, unparseable last line a crash left behind, if any. */
  tornTail: string | null;
}

/** A ledger line that is not a record, other than a torn last line: the user must look at it. */
export class LedgerError extends Error {}

/** Read every record; a torn last line is returned, not thrown. */
export async function readLedger(path: string): Promise<LedgerContents> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], tornTail: null };
    throw error;
  }
  const lines = text.split("\n");
  const last = lines.pop()!; // "" when the file ends with a newline
  const records: LedgerRecord[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") continue;
    records.push(parseLedgerLine(line, `${path}: line ${index + 1}`));
  }
  let tornTail: string | null = null;
  if (last !== "") {
    // Without its newline the line was not completely written, even if it parses.
    tornTail = last;
  }
  return { records, tornTail };
}

/** Parse and validate one ledger line; `where` names the file and line in the error. */
export function parseLedgerLine(line: string, where: string): LedgerRecord {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new LedgerError(
      `${where} is not a JSON record; fix or remove that line (the ledger is plain JSON lines)`,
    );
  }
  const parsed = ledgerRecordSchema.safeParse(value);
  if (!parsed.success) {
    throw new LedgerError(
      `${where} is not a valid ledger record (${describeIssues(parsed.error)}); fix or remove that line`,
    );
  }
  return parsed.data;
}

/** Read and validate a pending attempt file, or null when it does not exist. */
export async function readPendingFile(path: string): Promise<PendingAttempt | null> {
  const value = await readJsonFile<unknown>(path);
  if (value === null) return null;
  const parsed = pendingAttemptSchema.safeParse(value);
  if (!parsed.success) {
    throw new LedgerError(
      `${path} is not a valid pending attempt (${describeIssues(parsed.error)}); delete it to drop that attempt`,
    );
  }
  return parsed.data;
}

/** Move a torn last line into `<ledger>.torn-<time>` and cut it from the ledger. */
export async function repairTornTail(path: string, now: Date): Promise<string | null> {
  const { tornTail } = await readLedger(path);
  if (tornTail === null) return null;
  const text = await readFile(path, "utf8");
  const kept = text.slice(0, text.length - tornTail.length);
  const aside = `${path}.torn-${now.toISOString().replace(/[:.]/g, "-")}`;
  await writeFile(aside, tornTail);
  const temp = `${path}.repair`;
  await writeFile(temp, kept);
  await syncFile(temp);
  await rename(temp, path);
  return aside;
}

/** Append one record as one line, durably. */
export async function appendLedgerRecord(path: string, record: LedgerRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const line = `${JSON.stringify(record)}\n`;
  const handle = await open(path, "a");
  try {
    await handle.write(line);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Write a small JSON file atomically: temp file, fsync, rename. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  await syncFile(temp);
  await rename(temp, path);
}

/** Read a JSON file, or null when it does not exist. */
export async function readJsonFile<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await readFile(path, "utf8")) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new LedgerError(`${path}: cannot be read as JSON: ${(error as Error).message}`);
  }
}

async function syncFile(path: string): Promise<void> {
  const handle = await open(path, "r+");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
