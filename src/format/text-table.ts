/** The one plain-text table renderer: columns padded to their widest cell, two spaces apart. */

export interface TextTableOptions {
  /** Columns from this index on are right-aligned (numbers); default: every column left-aligned. */
  rightAlignFrom?: number;
  /** Draw a rule of dashes under the first row (the header). */
  rule?: boolean;
}

/** Render rows (the first one the header) as aligned text, trailing spaces trimmed. */
export function renderTextTable(
  rows: readonly (readonly string[])[],
  options: TextTableOptions = {},
): string {
  const columns = Math.max(0, ...rows.map((row) => row.length));
  const widths = Array.from({ length: columns }, (_, col) =>
    Math.max(...rows.map((row) => (row[col] ?? "").length)),
  );
  const rightFrom = options.rightAlignFrom ?? columns;
  const line = (cells: readonly string[]) =>
    widths
      .map((width, col) => {
        const cell = cells[col] ?? "";
        return col >= rightFrom ? cell.padStart(width) : cell.padEnd(width);
      })
      .join("  ")
      .trimEnd();
  const lines = rows.map(line);
  if (options.rule && lines.length > 0) {
    lines.splice(1, 0, line(widths.map((width) => "-".repeat(width))));
  }
  return lines.join("\n");
}
