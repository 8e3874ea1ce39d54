/**
 * The trust rule (DESIGN.md "On GitHub", Trust): a result may be adopted only
 * when the PR changes nothing but codec paths, as the API lists its files
 * (never as the artifact says), and its author is the App. Anything else is
 * reported, labelled and left to a human.
 */
import type { GitHubClient } from "./octokit.js";

export interface TrustVerdict {
  trusted: boolean;
  /** Each reason the rule failed, in words; empty when trusted. */
  problems: string[];
  changedFiles: string[];
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

/** Apply the trust rule to a PR through the API. */
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
  // A rename moves a file out of a path too: both names must be codec paths.
  const changedFiles = [
    ...new Set(
      files.flatMap((f) => [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])]),
    ),
  ];
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
  if (pr.author.login !== appLogin || pr.author.type !== "Bot") {
    problems.push(
      `was opened by ${pr.author.login || "an unknown user"}, not by the App (${appLogin})`,
    );
  }
  return { trusted: problems.length === 0, problems, changedFiles };
}
