/**
 * Applies parsed SEARCH/REPLACE edits to files in memory. Every block must
 * match exactly once on whole lines; when it matches nowhere exactly, a unique
 * match ignoring trailing whitespace or one uniform indentation offset is
 * accepted and the tolerance recorded. An empty SEARCH creates a file that does
 * not exist yet. The first problem refuses the whole proposal: a partly
 * applied change would be evaluated as something the model never meant.
 */
import type { FileEdit } from "../answer/parse-answer.js";
import { normalizeRepoPath, protectedPathReason } from "./protected-paths.js";
import type { AttemptFailure } from "./proposal-failure.js";
import { mostLenient, tolerantMatch, type EditTolerance } from "./tolerant-match.js";

export interface ChangedFile {
  path: string;
  /** Content before the edits; null when the file is created. */
  before: string | null;
  after: string;
}

/** One line per edited file, for the ledger. */
export interface EditSummary {
  path: string;
  blocks: number;
  linesAdded: number;
  linesRemoved: number;
  created: boolean;
  /** Set when a block of this file matched only with a tolerance (the most lenient used). */
  tolerance?: Exclude<EditTolerance, "exact">;
}

export type ApplyOutcome =
  | {
      ok: true;
      files: ChangedFile[];
      summary: EditSummary[];
      /** The most lenient match any block needed: "exact" when every SEARCH matched as written. */
      editTolerance: EditTolerance;
    }
  | { ok: false; failure: AttemptFailure };

/** Apply `edits` over files read by `readFile` (null = absent); nothing is written. */
export async function applyEdits(
  edits: readonly FileEdit[],
  readFile: (path: string) => Promise<string | null>,
): Promise<ApplyOutcome> {
  if (edits.length === 0) {
    return refuse("no-edits", "the answer contains no FILE section with a SEARCH/REPLACE block");
  }
  let editTolerance: EditTolerance = "exact";
  const state = new Map<
    string,
    { before: string | null; content: string | null; stats: EditSummary }
  >();
  for (const edit of edits) {
    const reason = protectedPathReason(edit.path);
    if (reason) return refuse("protected-path", `FILE ${edit.path}: refused: ${reason}`);
    const path = normalizeRepoPath(edit.path);
    let file = state.get(path);
    if (!file) {
      const before = await readFile(path);
      const stats = { path, blocks: 0, linesAdded: 0, linesRemoved: 0, created: before === null };
      file = { before, content: before, stats };
      state.set(path, file);
    }
    for (const [index, block] of edit.blocks.entries()) {
      const where = `FILE ${path}, block ${index + 1}`;
      if (block.search.trim() === "") {
        if (file.content !== null) {
          return refuse(
            "search-mismatch",
            `${where}: an empty SEARCH creates a new file, but ${path} already exists; quote the lines to replace`,
          );
        }
        file.content =
          block.replace === "" || block.replace.endsWith("\n")
            ? block.replace
            : `${block.replace}\n`;
        file.stats.linesAdded += countLines(block.replace);
        file.stats.blocks++;
        continue;
      }
      if (file.content === null) {
        return refuse(
          "search-mismatch",
          `${where}: ${path} does not exist; to create it, use an empty SEARCH part`,
        );
      }
      const positions = lineAlignedMatches(file.content, block.search);
      if (positions.length === 0) {
        const loose = tolerantMatch(file.content, block.search, block.replace);
        if (loose.kind !== "unique") {
          return refuse(
            "search-mismatch",
            looseMismatchMessage(where, file.content, block.search, loose),
          );
        }
        file.content = loose.content;
        file.stats.linesAdded += countLines(block.replace);
        file.stats.linesRemoved += loose.linesRemoved;
        file.stats.blocks++;
        // Indentation is the more lenient of the two; keep it once any block needed it.
        file.stats.tolerance =
          file.stats.tolerance === "indentation" ? "indentation" : loose.tolerance;
        editTolerance = mostLenient(editTolerance, loose.tolerance);
        continue;
      }
      if (positions.length > 1) {
        return refuse(
          "search-mismatch",
          mismatchMessage(where, file.content, block.search, positions.length),
        );
      }
      const at = positions[0]!;
      let end = at + block.search.length;
      // Deleting whole lines also deletes their line break, so no blank line is left behind.
      if (block.replace === "" && file.content[end] === "\n") end++;
      file.content = file.content.slice(0, at) + block.replace + file.content.slice(end);
      file.stats.linesAdded += countLines(block.replace);
      file.stats.linesRemoved += countLines(block.search);
      file.stats.blocks++;
    }
  }
  const files: ChangedFile[] = [];
  const summary: EditSummary[] = [];
  for (const [path, file] of state) {
    if (file.content === null || file.content === file.before) continue;
    files.push({ path, before: file.before, after: file.content });
    summary.push(file.stats);
  }
  if (files.length === 0) {
    return refuse("no-edits", "the edits change nothing: every REPLACE equals its SEARCH");
  }
  return { ok: true, files, summary, editTolerance };
}

/** Start offsets where `search` occurs beginning at a line start and ending at a line end. */
export function lineAlignedMatches(content: string, search: string): number[] {
  const found: number[] = [];
  let from = 0;
  for (;;) {
    const at = content.indexOf(search, from);
    if (at < 0) return found;
    const end = at + search.length;
    const startsLine = at === 0 || content[at - 1] === "\n";
    const endsLine = end === content.length || content[end] === "\n";
    if (startsLine && endsLine) found.push(at);
    from = at + 1;
  }
}

const TOLERANCE_WORDS: Record<Exclude<EditTolerance, "exact">, string> = {
  "trailing-whitespace": "when trailing whitespace is ignored",
  indentation: "when one indentation offset is ignored",
};

/** Why neither the exact nor a tolerant match could be used. */
function looseMismatchMessage(
  where: string,
  content: string,
  search: string,
  loose: Exclude<ReturnType<typeof tolerantMatch>, { kind: "unique" }>,
): string {
  if (loose.kind === "ambiguous") {
    return `${where}: SEARCH matches 0 times exactly and ${loose.count} times ${TOLERANCE_WORDS[loose.tolerance]}; quote the lines exactly, with more surrounding lines`;
  }
  if (loose.kind === "unindentable") {
    return `${where}: SEARCH matches once when its indentation is reduced by ${JSON.stringify(loose.offset)}, but REPLACE line ${loose.replaceLine} is indented less than that; copy the SEARCH lines with the file's exact indentation`;
  }
  return mismatchMessage(where, content, search, 0);
}

function mismatchMessage(where: string, content: string, search: string, count: number): string {
  const first = search.split("\n").find((line) => line.trim() !== "") ?? "";
  if (count > 1) {
    return `${where}: SEARCH matches ${count} times; it must match exactly once, so include more surrounding lines`;
  }
  const loose = (text: string) =>
    text
      .split("\n")
      .map((line) => line.trim())
      .join("\n");
  const hint = loose(content).includes(loose(search))
    ? " It would match if each line's indentation were ignored, but the lines are shifted by different amounts: copy the lines exactly."
    : content.split("\n").some((line) => line.trim() === first.trim())
      ? ` The first line ("${first.trim()}") exists, but the following lines differ from the file.`
      : ` No line of the file equals its first line ("${first.trim().slice(0, 120)}").`;
  return `${where}: SEARCH matches 0 times; it must quote lines of the current file exactly.${hint}`;
}

function countLines(text: string): number {
  return text === "" ? 0 : text.replace(/\n$/, "").split("\n").length;
}

function refuse(category: AttemptFailure["category"], message: string): ApplyOutcome {
  return { ok: false, failure: { category, message, line: null, stage: "edit" } };
}
