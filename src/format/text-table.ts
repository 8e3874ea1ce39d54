/** The one plain-text table renderer: columns padded to their widest cell, two spaces apart. */

export interface TextTableOptions {
  /** Columns from this index on are right-aligned (numbers); default: every column left-aligned. */
  rightAlignFrom?: number;
  /** Draw a rule of dashes under the first row (the header). */
  rule?: boolean;
  /** Decorate a cell after padding (e.g. ANSI colour), so colour codes never upset the widths. */
  paint?: (padded: string, row: number, column: number) => string;
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
  const paint = options.paint;
  const line = (cells: readonly string[], row: number | null) => {
    const padded = widths.map((width, col) => {
      const cell = cells[col] ?? "";
      return col >= rightFrom ? cell.padStart(width) : cell.padEnd(width);
    });
    // Trailing spaces go before painting, so a painted last cell keeps no padding.
    const last = padded.length - 1;
    if (last >= 0) padded[last] = padded[last]!.trimEnd();
    const painted =
      paint && row !== null ? padded.map((cell, col) => paint(cell, row, col)) : padded;
    return painted.join("  ").trimEnd();
  };
  const lines = rows.map((cells, row) => line(cells, row));
  if (options.rule && lines.length > 0) {
    lines.splice(
      1,
      0,
      line(
        widths.map((width) => "-".repeat(width)),
        null,
      ),
    );
  }
  return lines.join("\n");
}
