/**
 * A compact unified diff of two texts, by lines, for showing an inspiration
 * as its difference from the codec being improved (a whole second source
 * would crowd the prompt). Common prefix and suffix are trimmed first, so
 * the quadratic LCS only runs over the changed middle.
 */

/** Unified-style hunks (`-`/`+`/` ` lines) with `context` lines around changes; "" when equal. */
export function lineDiff(before: string, after: string, context = 2): string {
  const a = before.split("\n");
  const b = after.split("\n");
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  if (start === endA && start === endB) return "";
  const ops = middleOps(a.slice(start, endA), b.slice(start, endB));
  // Full op list with line numbers of the old text, then cut into hunks.
  const all: Array<{ op: " " | "-" | "+"; text: string; oldLine: number }> = [];
  for (let i = 0; i < start; i++) all.push({ op: " ", text: a[i]!, oldLine: i + 1 });
  let oldLine = start;
  for (const { op, text } of ops) {
    if (op !== "+") oldLine++;
    all.push({ op, text, oldLine });
  }
  for (let i = endA; i < a.length; i++) all.push({ op: " ", text: a[i]!, oldLine: i + 1 });

  const keep = new Array<boolean>(all.length).fill(false);
  all.forEach((entry, i) => {
    if (entry.op === " ") return;
    for (let j = Math.max(0, i - context); j <= Math.min(all.length - 1, i + context); j++)
      keep[j] = true;
  });
  const lines: string[] = [];
  for (let i = 0; i < all.length; i++) {
    if (!keep[i]) continue;
    if (i === 0 || !keep[i - 1]) lines.push(`@@ line ${all[i]!.oldLine} @@`);
    lines.push(`${all[i]!.op}${all[i]!.text}`);
  }
  return lines.join("\n");
}

function middleOps(a: string[], b: string[]): Array<{ op: " " | "-" | "+"; text: string }> {
  // Too large a middle for LCS: show it as a replacement.
  if (a.length * b.length > 4_000_000) {
    return [
      ...a.map((text) => ({ op: "-" as const, text })),
      ...b.map((text) => ({ op: "+" as const, text })),
    ];
  }
  const n = a.length;
  const m = b.length;
  const table = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      table[i]![j] =
        a[i] === b[j] ? table[i + 1]![j + 1]! + 1 : Math.max(table[i + 1]![j]!, table[i]![j + 1]!);
    }
  }
  const ops: Array<{ op: " " | "-" | "+"; text: string }> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push({ op: " ", text: a[i]! });
      i++;
      j++;
    } else if (table[i + 1]![j]! >= table[i]![j + 1]!) ops.push({ op: "-", text: a[i++]! });
    else ops.push({ op: "+", text: b[j++]! });
  }
  while (i < n) ops.push({ op: "-", text: a[i++]! });
  while (j < m) ops.push({ op: "+", text: b[j++]! });
  return ops;
}
