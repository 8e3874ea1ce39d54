/**
 * The trust rule (DESIGN.md "On GitHub", Trust): a result may be adopted only
 * when the PR changes nothing but codec paths, as the API lists its files
 * (never as the artifact says), and its author is the App. Anything else is
 * reported, labelled and left to a human.
 */
import { posix } from "node:path";
import type { GitHubClient } from "./octokit.js";

export interface TrustVerdict {
  trusted: boolean;
  /** Each reason the rule failed, in words; empty when trusted. */
  problems: string[];
  /** Every path the PR touches, both names of a rename. */
  changedFiles: string[];
  /** The PR's files as they are at its head (new names only). */
  currentFiles: string[];
}

/** Glob (with `*` within a segment and `**` across segments) to a whole-path regex. */
export function globToRegExp(glob: string): RegExp {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*" && glob[i + 1] === "*") {
      out += ".*";
      i++;
      if (glob[i + 1] === "/") i++;
    } else if (ch === "*") out += "[^/]*";
    else if (ch === "?") out += "[^/]";
    else out += ch.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${out}$`);
}

/** The globs that stand for "the codec" of a codec file: its directory, or the file itself at the root. */
export function codecPathGlobs(codecPath: string): string[] {
  const dir = posix.dirname(codecPath);
  return [dir === "." ? codecPath : `${dir}/**`];
}

/** Every path a PR's file list touches: a rename moves a file out of a path too, so both names count. */
export function changedPathsOf(
  files: readonly { filename: string; previous_filename?: string | undefined }[],
): string[] {
  return [
    ...new Set(
      files.flatMap((f) => [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])]),
    ),
  ];
}

/** The rule's problems for a PR whose changed files (both names of a rename) and author are given. */
export function trustProblems(
  changedFiles: readonly string[],
  author: { login: string; type: string },
  rule: { codecPaths: readonly string[]; appSlug: string },
): string[] {
  const patterns = rule.codecPaths.map(globToRegExp);
  const outside = changedFiles.filter((file) => !patterns.some((p) => p.test(file)));
  const problems: string[] = [];
  if (outside.length > 0) {
    const shown = outside.slice(0, 10).join(", ");
    const more = outside.length > 10 ? ` and ${outside.length - 10} more` : "";
    problems.push(
      `changes files outside the codec paths (${rule.codecPaths.join(", ")}): ${shown}${more}`,
    );
  }
  if (changedFiles.length === 0) problems.push("changes no file");
  const appLogin = `${rule.appSlug}[bot]`;
  if (author.login !== appLogin || author.type !== "Bot") {
    problems.push(
      `was opened by ${author.login || "an unknown user"}, not by the App (${appLogin})`,
    );
  }
  return problems;
}

/**
 * Apply the trust rule to a PR through the API. The Action's report and the
 * App both call this, so the rule they enforce cannot drift apart.
 */
export async function checkTrust(
  github: GitHubClient,
  repo: { owner: string; repo: string },
  pr: { number: number; author: { login: string; type: string } },
  rule: { codecPaths: readonly string[]; appSlug: string },
): Promise<TrustVerdict> {
  const files = await github.paginate(github.rest.pulls.listFiles, {
    ...repo,
    pull_number: pr.number,
    per_page: 100,
  });
  const changedFiles = changedPathsOf(files);
  const problems = trustProblems(changedFiles, pr.author, rule);
  return {
    trusted: problems.length === 0,
    problems,
    changedFiles,
    currentFiles: files.map((f) => f.filename),
  };
}
