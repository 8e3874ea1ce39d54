/** A clip or version name as a file name: letters, digits, dot, dash and underscore only. */
export function safeFileName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]+/g, "_").replace(/^[.]+/, "_");
  return safe.slice(0, 100) || "_";
}
