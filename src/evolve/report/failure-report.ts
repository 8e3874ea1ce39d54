/**
 * The self-debugging report: the failures of the last N attempts grouped by
 * category and repeated message, each with its latest traceback and a plain
 * recommendation. It goes into the next prompt and `codec-evolve status`.
 */
import type { LedgerRecord } from "../ledger/ledger-record.js";

export interface FailureGroup {
  category: string;
  /** The message with numbers blanked, so repeats of one mistake group together. */
  pattern: string;
  count: number;
  ids: string[];
  latestMessage: string;
  latestTraceback: string | null;
  recommendation: string;
}

export interface FailureReport {
  window: number;
  attempts: number;
  failures: number;
  groups: FailureGroup[];
}

/** Group the failures among the last `window` attempts (seed and rollback records excluded). */
export function buildFailureReport(
  records: readonly LedgerRecord[],
  window: number,
  allowedImports: readonly string[] = [],
): FailureReport {
  const attempts = records
    .filter((r) => r.proposer.kind !== "seed" && r.proposer.kind !== "rollback")
    .slice(-window);
  const failed = attempts.filter((r) => r.failure !== null);
  const groups = new Map<string, FailureGroup>();
  for (const record of failed) {
    const failure = record.failure!;
    const pattern = normalize(failure.message);
    const key = `${failure.category}\u0000${pattern}`;
    const group = groups.get(key) ?? {
      category: failure.category,
      pattern,
      count: 0,
      ids: [],
      latestMessage: failure.message,
      latestTraceback: null,
      recommendation: "",
    };
    group.count++;
    group.ids.push(record.id);
    group.latestMessage = failure.message;
    group.latestTraceback = failure.traceback ?? group.latestTraceback;
    groups.set(key, group);
  }
  const sorted = [...groups.values()].sort(
    (a, b) =>
      b.count - a.count ||
      a.category.localeCompare(b.category) ||
      a.pattern.localeCompare(b.pattern),
  );
  for (const group of sorted) {
    group.recommendation = recommend(group, attempts.length, allowedImports);
  }
  return { window, attempts: attempts.length, failures: failed.length, groups: sorted };
}

/** The report as plain text (prompt and terminal alike). */
export function renderFailureReport(report: FailureReport): string {
  if (report.failures === 0) {
    return `No failures in the last ${report.attempts} attempt(s).`;
  }
  const lines = [`${report.failures} of the last ${report.attempts} attempt(s) failed:`];
  for (const group of report.groups) {
    lines.push(
      `- [${group.category}] x${group.count} (${group.ids.join(", ")}): ${oneLine(group.latestMessage)}`,
    );
    lines.push(`  recommendation: ${group.recommendation}`);
    if (group.latestTraceback) {
      const tail = group.latestTraceback.trim().split("\n").slice(-8);
      lines.push("  latest traceback:", ...tail.map((line) => `    ${line}`));
    }
  }
  return lines.join("\n");
}

function recommend(group: FailureGroup, attempts: number, allowed: readonly string[]): string {
  const share = `${group.count} of the last ${attempts} attempt(s)`;
  const allowedList = allowed.length ? ` (allowed: ${allowed.join(", ")})` : "";
  switch (group.category) {
    case "forbidden": {
      const module =
        /forbidden import:\s*(?:from\s+)?([A-Za-z_]\w*)/.exec(group.latestMessage)?.[1] ??
        /(?:module|import)\s+['"`]([A-Za-z_]\w*)/i.exec(group.latestMessage)?.[1];
      return module
        ? `${share} imported ${module}, which is not allowed; use numpy or another allowed module${allowedList}.`
        : `${share} used a forbidden import, name or attribute; stay within the allowed imports${allowedList} and plain computation.`;
    }
    case "syntax":
      return `${share} produced Python that does not parse; write complete statements, keep indentation consistent, and check that each REPLACE part fits where its SEARCH part was.`;
    case "missing-function":
      return `${share} lost a contract function; keep compress_video_frame and decompress_video_frame with their exact signatures.`;
    case "runtime":
      return `${share} raised an exception inside the codec; read the traceback and fix that line before trying new ideas.`;
    case "timeout":
      return `${share} were too slow; vectorise with numpy, avoid Python loops over pixels, and keep per-frame work bounded.`;
    case "memory":
      return `${share} ran out of memory; avoid huge intermediate arrays and caches that grow with every frame.`;
    case "invalid-output":
      return `${share} returned a wrong type, shape or dtype; decompress_video_frame must return a (height, width, 3) uint8 array and compress_video_frame bytes.`;
    case "nondeterministic":
      return `${share} decoded the same bytes differently twice; the decoder must depend only on (bytes, frame index, config): no randomness, clocks or outside state.`;
    case "sandbox-violation":
      return `${share} touched files, the network or processes; the codec may only compute on its inputs.`;
    case "quality-floor":
      return `${share} fell below the PSNR floor at some quality; keep low-quality rungs above it, e.g. by limiting quantiser step sizes.`;
    case "search-mismatch":
      return `${share} had SEARCH parts that did not match the current file exactly once; copy the lines verbatim from the source shown above, with their indentation, and quote enough lines to be unique.`;
    case "protected-path":
      return `${share} tried to edit protected files; edit only the codec file.`;
    case "malformed-answer":
      return `${share} did not follow the answer format; use HYPOTHESIS, RATIONALE, FILE and complete SEARCH/=======/REPLACE blocks.`;
    case "no-edits":
      return `${share} changed nothing; every answer must contain at least one SEARCH/REPLACE block that changes the code.`;
    case "duplicate":
      return `${share} produced code that was already evaluated; try a different idea.`;
    default:
      return `${share} failed this way; address the message above.`;
  }
}

/** Blank out numbers and candidate-specific paths so repeats of one mistake compare equal. */
function normalize(message: string): string {
  return oneLine(message)
    .replace(/\/[^\s'"]*\/(?=[^/\s'"]+)/g, "")
    .replace(/\d+(\.\d+)?/g, "#")
    .slice(0, 200);
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}
