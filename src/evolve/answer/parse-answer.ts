/**
 * Parses the LLM answer format (DESIGN.md "The LLM answer format"): a
 * HYPOTHESIS line, a RATIONALE, then FILE sections of SEARCH/REPLACE blocks.
 * Anything that cannot be read unambiguously is an error the model is told
 * about in the next prompt, never a guess.
 */

export interface EditBlock {
  /** Exact text to find (whole lines, no trailing newline); empty = create the file. */
  search: string;
  replace: string;
}

export interface FileEdit {
  path: string;
  blocks: EditBlock[];
}

export interface ParsedAnswer {
  hypothesis: string;
  rationale: string;
  files: FileEdit[];
}

export type ParseOutcome = { ok: true; answer: ParsedAnswer } | { ok: false; message: string };

const SEARCH_MARK = /^<{7,}\s*SEARCH\s*$/;
const DIVIDER = /^={7,}\s*$/;
const REPLACE_MARK = /^>{7,}\s*REPLACE\s*$/;
const FILE_LINE = /^FILE:\s*(.+?)\s*$/;
/**
 * A header line such as "HYPOTHESIS: text", also in markdown dress:
 * "**HYPOTHESIS:** text", "**HYPOTHESIS**: text", "## Hypothesis: text",
 * "**HYPOTHESIS: text**". The emphasis marks never reach the text.
 */
function headerPattern(word: string): RegExp {
  return new RegExp(
    `^\\s*(?:#{1,6}\\s*)?(?:[*_]{1,2})?${word}(?:[*_]{1,2})?\\s*:\\s*(?:[*_]{1,2}(?=\\s|$))?(.*)$`,
    "i",
  );
}
const HYPOTHESIS_LINE = headerPattern("HYPOTHESIS");
const RATIONALE_LINE = headerPattern("RATIONALE");

/** The text after a header, without emphasis marks closing it ("text**"). */
function headerText(rest: string): string {
  return rest.replace(/\s*[*_]{1,2}\s*$/, "").trim();
}
/** Markdown fences around a block are common and harmless outside blocks. */
const FENCE = /^\s*```[\w-]*\s*$/;

/** Parse an answer; the error message says what is wrong and where, for the next prompt. */
export function parseAnswer(text: string): ParseOutcome {
  const lines = text.replace(/\r\n?/g, "\n").split("\n");
  let hypothesis = "";
  const rationale: string[] = [];
  const files: FileEdit[] = [];
  let current: FileEdit | null = null;
  let inRationale = false;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const lineNo = i + 1;
    const hyp = HYPOTHESIS_LINE.exec(line);
    if (hyp && !current && !hypothesis) {
      hypothesis = headerText(hyp[1]!);
      inRationale = false;
      continue;
    }
    const rat = RATIONALE_LINE.exec(line);
    if (rat && !current) {
      inRationale = true;
      if (headerText(rat[1]!)) rationale.push(headerText(rat[1]!));
      continue;
    }
    const file = FILE_LINE.exec(line.trim());
    if (file) {
      current = { path: file[1]!.replace(/^[`'"]+|[`'"]+$/g, ""), blocks: [] };
      files.push(current);
      inRationale = false;
      continue;
    }
    if (SEARCH_MARK.test(line.trim())) {
      if (!current) {
        return fail(`line ${lineNo}: a SEARCH block before any "FILE: path" line`);
      }
      const search: string[] = [];
      const replace: string[] = [];
      let j = i + 1;
      while (j < lines.length && !DIVIDER.test(lines[j]!)) {
        if (SEARCH_MARK.test(lines[j]!.trim()) || REPLACE_MARK.test(lines[j]!.trim())) {
          return fail(
            `line ${j + 1}: expected "=======" to end the SEARCH part of the block at line ${lineNo}`,
          );
        }
        search.push(lines[j]!);
        j++;
      }
      if (j >= lines.length) {
        return fail(`line ${lineNo}: SEARCH block has no "=======" divider`);
      }
      j++;
      while (j < lines.length && !REPLACE_MARK.test(lines[j]!.trim())) {
        if (SEARCH_MARK.test(lines[j]!.trim()) || DIVIDER.test(lines[j]!)) {
          return fail(
            `line ${j + 1}: expected ">>>>>>> REPLACE" to end the block at line ${lineNo}`,
          );
        }
        replace.push(lines[j]!);
        j++;
      }
      if (j >= lines.length) {
        return fail(`line ${lineNo}: block has no ">>>>>>> REPLACE" end marker`);
      }
      current.blocks.push({ search: search.join("\n"), replace: replace.join("\n") });
      i = j;
      continue;
    }
    if (DIVIDER.test(line) || REPLACE_MARK.test(line.trim())) {
      return fail(`line ${lineNo}: "${line.trim()}" outside a SEARCH/REPLACE block`);
    }
    if (inRationale && !current && !FENCE.test(line)) rationale.push(line);
  }

  const empty = files.find((file) => file.blocks.length === 0);
  if (empty) {
    return fail(`FILE: ${empty.path} has no SEARCH/REPLACE block`);
  }
  return {
    ok: true,
    answer: { hypothesis, rationale: rationale.join("\n").trim(), files },
  };
}

function fail(message: string): ParseOutcome {
  return { ok: false, message: `the answer could not be parsed: ${message}` };
}
