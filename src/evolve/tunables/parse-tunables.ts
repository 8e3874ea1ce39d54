/**
 * Reads the codec's tunables block (DESIGN.md "Tunables"):
 *
 *     # --- tunables: begin ---
 *     DEADZONE = 0.30  # range 0.0..0.6
 *     # --- tunables: end ---
 */

export interface Tunable {
  name: string;
  value: number;
  lo: number;
  hi: number;
  /** True when the value and both bounds are written as integers. */
  integer: boolean;
  /** Decimals used when writing a new value (at least the literal's, at least 2 for floats). */
  decimals: number;
  /** Index of the line in the source. */
  lineIndex: number;
  /** The line's text before the value, and after it (the range comment). */
  prefix: string;
  suffix: string;
}

export interface TunablesBlock {
  /** Line indices of the begin and end markers. */
  beginLine: number;
  endLine: number;
  tunables: Tunable[];
}

const BEGIN = /^\s*#\s*-+\s*tunables:\s*begin\s*-+\s*$/;
const END = /^\s*#\s*-+\s*tunables:\s*end\s*-+\s*$/;
const NUMBER = String.raw`[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?`;
const ENTRY = new RegExp(
  String.raw`^(\s*[A-Za-z_][A-Za-z0-9_]*\s*=\s*)(${NUMBER})(\s*#\s*range\s+(${NUMBER})\s*\.\.\s*(${NUMBER}).*)$`,
);

/** The tunables block of `source`, null when there is none; throws on a malformed block. */
export function parseTunables(source: string): TunablesBlock | null {
  const lines = source.split("\n");
  const beginLine = lines.findIndex((line) => BEGIN.test(line));
  if (beginLine < 0) return null;
  const endOffset = lines.slice(beginLine + 1).findIndex((line) => END.test(line));
  if (endOffset < 0)
    throw new Error(`tunables block opened on line ${beginLine + 1} is never closed`);
  const endLine = beginLine + 1 + endOffset;
  const tunables: Tunable[] = [];
  for (let i = beginLine + 1; i < endLine; i++) {
    const match = ENTRY.exec(lines[i]!);
    if (!match) continue; // comments and blank lines inside the block are allowed
    const [, prefix, literal, suffix, loText, hiText] = match as unknown as string[];
    const lo = Number(loText);
    const hi = Number(hiText);
    const value = Number(literal);
    const name = prefix!.split("=")[0]!.trim();
    if (!(lo < hi))
      throw new Error(`tunable ${name} on line ${i + 1}: range ${loText}..${hiText} is empty`);
    const isInt = (text: string) => /^[-+]?\d+$/.test(text);
    const integer = isInt(literal!) && isInt(loText!) && isInt(hiText!);
    const literalDecimals = literal!.includes(".")
      ? literal!.split(".")[1]!.replace(/e.*/i, "").length
      : 0;
    tunables.push({
      name,
      value,
      lo,
      hi,
      integer,
      decimals: integer ? 0 : Math.min(6, Math.max(2, literalDecimals)),
      lineIndex: i,
      prefix: prefix!,
      suffix: suffix!,
    });
  }
  return { beginLine, endLine, tunables };
}

/** The text of a tunable's line with a new value. */
export function renderTunableLine(tunable: Tunable, value: number): string {
  return `${tunable.prefix}${formatTunableValue(tunable, value)}${tunable.suffix}`;
}

/** A value written the way the tunable is declared (integer or fixed decimals). */
export function formatTunableValue(tunable: Tunable, value: number): string {
  return tunable.integer ? String(Math.round(value)) : value.toFixed(tunable.decimals);
}
