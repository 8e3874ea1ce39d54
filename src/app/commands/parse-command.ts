/**
 * Comment commands (DESIGN.md "Comment commands"): only the first line counts,
 * as in slash-command-dispatch. Pure; null when the comment is no command.
 */

export type Command =
  | { name: "evolve"; count: number; focus: string | null }
  | { name: "evaluate" }
  | { name: "status" }
  | { name: "rollback"; version: number }
  | { name: "adopt" }
  | { name: "help" }
  | { name: "unknown"; text: string; problem: string };

/** Most proposals one /evolve may ask for (the PR limits still apply). */
export const MAX_EVOLVE_COUNT = 5;

/** Parse the first line of a comment. */
export function parseCommand(body: string): Command | null {
  const first = body.replace(/\r\n?/g, "\n").split("\n")[0]!.trim();
  if (!/^\/[a-z]/i.test(first)) return null;
  const [word, ...args] = first.split(/\s+/);
  const name = word!.slice(1).toLowerCase();
  switch (name) {
    case "evolve": {
      let count = 1;
      let rest = args;
      if (args[0] && /^\d+$/.test(args[0])) {
        count = Number(args[0]);
        rest = args.slice(1);
        if (count < 1 || count > MAX_EVOLVE_COUNT) {
          return {
            name: "unknown",
            text: first,
            problem: `/evolve N takes N from 1 to ${MAX_EVOLVE_COUNT}`,
          };
        }
      }
      return { name: "evolve", count, focus: rest.length ? rest.join(" ") : null };
    }
    case "evaluate":
    case "status":
    case "adopt":
    case "help":
      if (args.length > 0)
        return { name: "unknown", text: first, problem: `/${name} takes no arguments` };
      return { name };
    case "rollback": {
      const match = /^v?(\d+)$/i.exec(args[0] ?? "");
      if (!match || args.length !== 1)
        return {
          name: "unknown",
          text: first,
          problem: "/rollback needs one version, e.g. /rollback v3",
        };
      return { name: "rollback", version: Number(match[1]) };
    }
    default:
      return { name: "unknown", text: first, problem: `${word} is not a codec-evolve command` };
  }
}
