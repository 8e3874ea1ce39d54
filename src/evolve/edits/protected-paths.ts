/**
 * Paths a proposal may never edit: the evaluator, the sandbox, CI and the
 * Action (a codec that could edit its judge would be judged by itself), and
 * anything outside the repository.
 */
import { posix } from "node:path";
import { STATE_DIR } from "../state-paths.js";

/** Path prefixes (repository-relative, POSIX) refused for every proposal. */
export const PROTECTED_PREFIXES = [
  ".github/",
  "action/",
  "src/sandbox/",
  "src/evaluate/",
  ".git/",
  `${STATE_DIR}/`,
];

/** Why a path may not be edited, or null when it may. */
export function protectedPathReason(path: string): string | null {
  if (path.length === 0) return "an empty path";
  if (path.includes("\0")) return "a path with a NUL byte";
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\")) {
    return `${path} is absolute; paths must be relative to the repository root`;
  }
  const parts = path.split(/[\\/]/);
  if (parts.includes("..")) return `${path} contains ".."; edits stay inside the repository`;
  const normal = posix.normalize(parts.join("/"));
  const lowered = normal.toLowerCase();
  for (const prefix of PROTECTED_PREFIXES) {
    if (lowered === prefix.slice(0, -1) || lowered.startsWith(prefix)) {
      return `${normal} is protected (${prefix}** may not be edited by a proposal)`;
    }
  }
  return null;
}

/** The normalized repository-relative form of a path that passed protectedPathReason. */
export function normalizeRepoPath(path: string): string {
  return posix.normalize(path.split(/[\\/]/).join("/")).replace(/^\.\//, "");
}
