/**
 * Hidden JSON blocks in markdown: `<!-- codec-evolve:KIND {json} -->`.
 * The PR body carries `meta`, the check-run summary carries `result`; the bot
 * parses them back. Their content is untrusted where it is read: callers
 * validate the parsed value with a zod schema.
 */

const PREFIX = "<!-- codec-evolve:";

/** Render one hidden block; `--` cannot end the comment early because JSON escapes it. */
export function renderHiddenBlock(kind: string, value: unknown): string {
  if (!/^[a-z][a-z-]*$/.test(kind)) throw new Error(`hidden block kind "${kind}" is not [a-z-]+`);
  // "-->" inside a JSON string would close the HTML comment: escape ">" as \u003e.
  // "<" too, so a string in the block cannot read as the start of another block.
  const json = JSON.stringify(value).replace(/>/g, "\\u003e").replace(/</g, "\\u003c");
  return `${PREFIX}${kind} ${json} -->`;
}

/** Parse the first hidden block of this kind; undefined when absent or not JSON. */
export function parseHiddenBlock(markdown: string, kind: string): unknown {
  const start = markdown.indexOf(`${PREFIX}${kind} `);
  if (start < 0) return undefined;
  const from = start + PREFIX.length + kind.length + 1;
  const end = markdown.indexOf(" -->", from);
  if (end < 0) return undefined;
  try {
    return JSON.parse(markdown.slice(from, end)) as unknown;
  } catch {
    return undefined;
  }
}
