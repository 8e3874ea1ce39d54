/**
 * Make untrusted text inert in GitHub markdown (check runs, PR comments, job
 * summaries): no HTML, no links or images, no table breaks, no @mentions or
 * #references that notify people, no hidden-block forgery, bounded length.
 */

/** Per-character replacements: HTML entities, backslash escapes, a zero-width space after @ and #. */
const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  // A zero-width space after @ and # stops mentions and issue links (Renovate does the same).
  "@": "@&#8203;",
  "#": "#&#8203;",
  ...Object.fromEntries([..."\\`*_[]|~"].map((ch) => [ch, `\\${ch}`])),
};

/**
 * Escape text for inline use (a table cell, a sentence): HTML entities for
 * `< > & " '`, backslashes before markdown specials, newlines and other
 * control characters as spaces, and at most `maxLength` characters of input
 * (an ellipsis marks the cut).
 */
export function escapeMarkdown(text: string, maxLength = 300): string {
  const chars = [...String(text)];
  const cut = chars.length > maxLength ? [...chars.slice(0, maxLength), "…"] : chars;
  const escaped = cut.map((ch) => ESCAPES[ch] ?? (/[\p{Cc}\u2028\u2029]/u.test(ch) ? " " : ch));
  // A leading list, heading or quote marker would change the block the text starts.
  return escaped
    .join("")
    .replace(/^([-+*])(?=\s|$)/, "\\$1")
    .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/**
 * A fenced code block holding untrusted text verbatim: the fence is longer than
 * any backtick run inside, so the text cannot close it; at most `maxLength`
 * characters (the tail is kept: tracebacks end with the cause).
 */
export function codeBlock(text: string, maxLength = 4000): string {
  const body = text.length > maxLength ? `…${text.slice(text.length - maxLength)}` : text;
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  // A fence inside a <details> or list still ends at a line holding only the fence.
  // "<!--" could start a forged hidden block that a reader of the raw markdown finds first.
  const inert = body.replace(/\r/g, "").replace(/<!--/g, "<\u200b!--");
  return `${fence}text\n${inert}\n${fence}`;
}

/** Text for a quoted Mermaid label: no quotes, brackets, semicolons or newlines, bounded. */
export function mermaidLabel(text: string, maxLength = 60): string {
  const clean = String(text)
    .replace(/["'`<>[\]{};#&\\]/g, "")
    .replace(/\s+/g, " ")
    .trim();
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}
