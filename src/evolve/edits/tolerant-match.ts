/**
 * The fallback when a SEARCH block matches no line of the file exactly: the
 * two slips models make most (trailing whitespace, and one indentation offset
 * applied to every line) are tolerated, but only when the tolerant match is
 * still unique. Anything looser would guess at what the model meant.
 */

/** How a SEARCH block was matched, recorded with the edit in the ledger. */
export type EditTolerance = "exact" | "trailing-whitespace" | "indentation";

/** The most lenient of two tolerances (exact < trailing-whitespace < indentation). */
export function mostLenient(a: EditTolerance, b: EditTolerance): EditTolerance {
  const order: EditTolerance[] = ["exact", "trailing-whitespace", "indentation"];
  return order.indexOf(a) >= order.indexOf(b) ? a : b;
}

export type TolerantMatch =
  | {
      kind: "unique";
      tolerance: Exclude<EditTolerance, "exact">;
      /** The file with the matched lines replaced (REPLACE re-indented by the same offset). */
      content: string;
      linesRemoved: number;
    }
  /** The tolerant match is not unique: refusing is safer than picking one. */
  | { kind: "ambiguous"; tolerance: Exclude<EditTolerance, "exact">; count: number }
  /** The lines match with the offset, but a REPLACE line is indented less than the offset removed. */
  | { kind: "unindentable"; replaceLine: number; offset: string }
  | { kind: "none" };

interface Offset {
  /** Whitespace the file has on every non-blank line beyond the SEARCH ("add"), or the reverse ("remove"). */
  direction: "add" | "remove";
  prefix: string;
}

const trimEnd = (line: string) => line.replace(/\s+$/, "");

/** The uniform offset that makes `fileLines` equal `searchLines`, or null. */
function uniformOffset(
  fileLines: readonly string[],
  searchLines: readonly string[],
): Offset | null {
  let offset: Offset | null = null;
  for (let k = 0; k < searchLines.length; k++) {
    const file = trimEnd(fileLines[k]!);
    const search = trimEnd(searchLines[k]!);
    if (search === "" || file === "") {
      if (search !== file) return null;
      continue;
    }
    if (!offset) {
      if (file.length > search.length && file.endsWith(search)) {
        offset = { direction: "add", prefix: file.slice(0, file.length - search.length) };
      } else if (search.length > file.length && search.endsWith(file)) {
        offset = { direction: "remove", prefix: search.slice(0, search.length - file.length) };
      } else return null;
      if (!/^[ \t]+$/.test(offset.prefix)) return null;
    }
    const expected = offset.direction === "add" ? offset.prefix + search : search;
    const actual = offset.direction === "add" ? file : offset.prefix + file;
    if (expected !== actual) return null;
  }
  return offset;
}

/** REPLACE shifted by the offset; null (with the line) when a line cannot lose the prefix. */
function reindent(replace: string, offset: Offset): string | number {
  const lines = replace.split("\n");
  const shifted: string[] = [];
  for (const [index, line] of lines.entries()) {
    if (line.trim() === "") shifted.push(line);
    else if (offset.direction === "add") shifted.push(offset.prefix + line);
    else if (line.startsWith(offset.prefix)) shifted.push(line.slice(offset.prefix.length));
    else return index + 1;
  }
  return shifted.join("\n");
}

/** Match `search` (whole lines) in `content` with a tolerance; see TolerantMatch. */
export function tolerantMatch(content: string, search: string, replace: string): TolerantMatch {
  const fileLines = content.split("\n");
  const searchLines = search.split("\n");
  const n = searchLines.length;
  const starts = (test: (at: number) => boolean) => {
    const found: number[] = [];
    for (let at = 0; at + n <= fileLines.length; at++) if (test(at)) found.push(at);
    return found;
  };
  const splice = (at: number, replacement: string) => {
    const inserted = replacement === "" ? [] : replacement.split("\n");
    return [...fileLines.slice(0, at), ...inserted, ...fileLines.slice(at + n)].join("\n");
  };

  const trailing = starts((at) =>
    searchLines.every((line, k) => trimEnd(line) === trimEnd(fileLines[at + k]!)),
  );
  if (trailing.length > 1)
    return { kind: "ambiguous", tolerance: "trailing-whitespace", count: trailing.length };
  if (trailing.length === 1) {
    return {
      kind: "unique",
      tolerance: "trailing-whitespace",
      content: splice(trailing[0]!, replace),
      linesRemoved: n,
    };
  }

  const offsets = new Map<number, Offset>();
  const indented = starts((at) => {
    const offset = uniformOffset(fileLines.slice(at, at + n), searchLines);
    if (offset) offsets.set(at, offset);
    return offset !== null;
  });
  if (indented.length > 1)
    return { kind: "ambiguous", tolerance: "indentation", count: indented.length };
  if (indented.length === 0) return { kind: "none" };
  const at = indented[0]!;
  const offset = offsets.get(at)!;
  const shifted = reindent(replace, offset);
  if (typeof shifted === "number") {
    return { kind: "unindentable", replaceLine: shifted, offset: offset.prefix };
  }
  return {
    kind: "unique",
    tolerance: "indentation",
    content: splice(at, shifted),
    linesRemoved: n,
  };
}
