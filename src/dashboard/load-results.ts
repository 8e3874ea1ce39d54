/**
 * Stored results of ledger records: `<resultsDir>/<id>.json`, either the
 * evolve loop's `{ key, result }` wrapper or a bare EvaluationResult. A
 * missing or unreadable file is reported as such, never thrown: the
 * dashboard shows the version without its curves.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { EvaluationResult } from "../evaluate/results.js";
import { safeFileName } from "../charts/safe-file-name.js";

export type StoredResult =
  | { kind: "ok"; result: EvaluationResult }
  | { kind: "missing"; path: string }
  | { kind: "unreadable"; path: string; reason: string };

/** Read the stored result of attempt `id` under `resultsDir`. */
export async function loadStoredResult(resultsDir: string, id: string): Promise<StoredResult> {
  const path = join(resultsDir, `${safeFileName(id)}.json`);
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing", path };
    return { kind: "unreadable", path, reason: (error as Error).message };
  }
  try {
    const parsed = JSON.parse(text) as { result?: unknown; clips?: unknown };
    const result = (parsed.result ?? parsed) as EvaluationResult;
    if (!Array.isArray(result.clips)) {
      return { kind: "unreadable", path, reason: "no clips array: not an evaluation result" };
    }
    return { kind: "ok", result };
  } catch (error) {
    return { kind: "unreadable", path, reason: `not JSON: ${(error as Error).message}` };
  }
}
